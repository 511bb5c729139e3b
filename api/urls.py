from django.contrib.auth.decorators import login_required
from django.urls import path

from . import docs, token_views, views, views_reads

app_name = "api"

v1 = "v1/"
urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", login_required(docs.SwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", login_required(docs.RedocView.as_view(url_name="api:schema")), name="redoc"),
    path("tokens/", token_views.token_list, name="token-list"),
    path("tokens/<id:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
    path(f"{v1}customers/", views.CustomerList.as_view(), name="customer-list"),
    path(f"{v1}customers/<id:pk>/", views.CustomerItem.as_view(), name="customer-detail"),
    path(f"{v1}customers/<id:pk>/details/", views.DetailList.as_view(), name="customer-details"),
    path(f"{v1}customers/<id:pk>/details/<id:detail_pk>/", views.DetailItem.as_view(), name="customer-detail-item"),
    path(f"{v1}customers/<id:pk>/details/<id:detail_pk>/pin/", views.DetailPin.as_view(), name="customer-detail-pin"),
    path(
        f"{v1}customers/<id:pk>/details/<id:detail_pk>/unpin/",
        views.DetailPin.as_view(pinned=False),
        name="customer-detail-unpin",
    ),
    path(f"{v1}customers/<id:pk>/contacts/", views.ContactList.as_view(), name="customer-contacts"),
    path(f"{v1}checkins/", views.CheckInList.as_view(), name="checkin-list"),
    path(f"{v1}checkins/<id:pk>/", views.CheckInItem.as_view(), name="checkin-detail"),
    path(f"{v1}checkins/<id:pk>/done/", views.CheckInDone.as_view(), name="checkin-done"),
    path(f"{v1}checkins/<id:pk>/skip/", views.CheckInSkip.as_view(), name="checkin-skip"),
    path(f"{v1}checkins/<id:pk>/reschedule/", views.CheckInReschedule.as_view(), name="checkin-reschedule"),
    path(f"{v1}promises/", views.PromiseList.as_view(), name="promise-list"),
    path(f"{v1}promises/<id:pk>/", views.PromiseItem.as_view(), name="promise-detail"),
    path(f"{v1}promises/<id:pk>/keep/", views.PromiseKeep.as_view(), name="promise-keep"),
    path(f"{v1}promises/<id:pk>/cancel/", views.PromiseCancel.as_view(), name="promise-cancel"),
    path(f"{v1}my-day/", views_reads.MyDay.as_view(), name="my-day"),
    path(f"{v1}reports/weekly/", views_reads.WeeklyReport.as_view(), name="report-weekly"),
    # Anything else under /api/ is a 404 in JSON, not the site's HTML page (an id of 0, a typo in a path).
    path("<path:rest>", views.not_found, name="not-found"),
]
