from django.urls import path

from . import privacy_views, views

app_name = "followups"

urlpatterns = [
    path("my-day/", views.my_day, name="my-day"),
    path("customers/<id:pk>/log/", views.contact_log, name="contact-log"),
    path("customers/<id:pk>/log/reply-by/", views.reply_by, name="reply-by"),
    path("customers/<id:pk>/followups/", views.customer_panel, name="customer-panel"),
    path("customers/<id:pk>/followups/history/", views.customer_followup_history, name="customer-followup-history"),
    path("customers/<id:pk>/privacy/export/", privacy_views.customer_export, name="customer-export"),
    path("customers/<id:pk>/privacy/erase/", privacy_views.customer_erase, name="customer-erase"),
    path("checkins/<id:pk>/skip/", views.checkin_skip, name="checkin-skip"),
    path("checkins/<id:pk>/reschedule/", views.checkin_reschedule, name="checkin-reschedule"),
    path("promises/<id:pk>/keep/", views.promise_keep, name="promise-keep"),
    path("promises/<id:pk>/cancel/", views.promise_cancel, name="promise-cancel"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/<id:pk>/", views.team_board, name="team-board"),
    path("teams/<id:pk>/reassign/", views.team_reassign, name="team-reassign"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<id:pk>/retry/", views.notification_retry, name="notification-retry"),
    path("status/", views.status, name="status"),
    path("desk-settings/", views.desk_settings, name="desk-settings"),
    path("policies/", views.policy_list, name="policy-list"),
    path("policies/new/", views.policy_edit, name="policy-create"),
    path("policies/<id:pk>/", views.policy_edit, name="policy-update"),
]

from . import contact_views  # noqa: E402  (correcting a contact: issue 10)

urlpatterns += [
    path("contacts/<id:pk>/correct/", contact_views.contact_correct, name="contact-correct"),
    path("contacts/<id:pk>/delete/", contact_views.contact_delete, name="contact-delete"),
]

# The Customers page lives here (not in contacts) because it filters on promises and check-ins.
from . import customer_views  # noqa: E402

urlpatterns += [path("customers/", customer_views.customer_list_page, name="customer-list")]

# Retention (issue 10): the month's list of customers without contact for years, confirmed by a manager.
from . import retention_views  # noqa: E402

urlpatterns += [
    path("retention/", retention_views.retention_index, name="retention"),
    path("retention/<id:pk>/", retention_views.retention_review, name="retention-review"),
    path("retention/<id:pk>/confirm/", retention_views.retention_confirm, name="retention-confirm"),
    path("retention/<id:pk>/dismiss/", retention_views.retention_dismiss, name="retention-dismiss"),
    path("retention/candidates/<id:pk>/exclude/", retention_views.retention_exclude, name="retention-exclude"),
    path("retention/candidates/<id:pk>/include/", retention_views.retention_include, name="retention-include"),
]

# Merging duplicates (issue 10): pick the other customer, compare side by side, confirm.
from . import merge_views  # noqa: E402

urlpatterns += [
    path("customers/<id:pk>/merge/", merge_views.customer_merge_pick, name="customer-merge"),
    path("customers/<id:pk>/merge/<id:other_pk>/", merge_views.customer_merge, name="customer-merge-compare"),
]

# Handing a customer over (issue 13): from the customer page; accepting and passing on, from My day and the panel.
from . import handover_views  # noqa: E402

urlpatterns += [
    path("customers/<id:pk>/handover/", handover_views.customer_handover, name="customer-handover"),
    path("handovers/<id:pk>/accept/", handover_views.handover_accept, name="handover-accept"),
    path("handovers/<id:pk>/pass-on/", handover_views.handover_pass_on, name="handover-pass-on"),
]

# Losing touch (issue 14): customers who heard nothing since a negative contact or a broken promise; leads, managers.
from . import losing_touch_views  # noqa: E402

urlpatterns += [
    path("teams/losing-touch/", losing_touch_views.losing_touch_list, name="losing-touch"),
    path(
        "customers/<id:pk>/losing-touch/plan/", losing_touch_views.losing_touch_plan, name="customer-losing-touch-plan"
    ),
]
