from django.urls import path

from . import import_views, views

app_name = "contacts"

urlpatterns = [
    path("search/", views.customer_search, name="customer-search"),
    path("new/", views.customer_create, name="customer-create"),
    path("<id:pk>/", views.customer_detail, name="customer-detail"),
    path("<id:pk>/edit/", views.customer_update, name="customer-update"),
    path("<id:pk>/history/", views.customer_history, name="customer-history"),
    path("<id:pk>/details/add/", views.customer_detail_add, name="customer-detail-add"),
    path("<id:pk>/details/<id:detail_pk>/pin/", views.customer_detail_pin, name="customer-detail-pin"),
    path("<id:pk>/details/<id:detail_pk>/remove/", views.customer_detail_remove, name="customer-detail-remove"),
    path("import/", import_views.customer_import_upload, name="customer-import"),
    path("import/<id:pk>/", import_views.customer_import_detail, name="customer-import-detail"),
    path("import/<id:pk>/mapping/", import_views.customer_import_map, name="customer-import-map"),
    path("import/<id:pk>/start/", import_views.customer_import_start, name="customer-import-start"),
    path("import/<id:pk>/check/", import_views.customer_import_check_again, name="customer-import-check"),
    path("import/<id:pk>/progress/", import_views.customer_import_progress, name="customer-import-progress"),
    path("import/<id:pk>/report.csv", import_views.customer_import_report, name="customer-import-report"),
]
