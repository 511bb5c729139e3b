from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CheckIn, CheckInPolicy, Notification, Promise, SweepRun


@admin.register(CheckInPolicy)
class CheckInPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_active", "offsets", "day_type", "holiday_country"]
    filter_horizontal = ["topics"]


@admin.register(CheckIn)
class CheckInAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "kind", "due_date", "status", "assignee", "team"]
    list_filter = ["status", "kind", "team"]
    list_select_related = ["customer", "assignee", "team"]
    raw_id_fields = ["customer", "origin", "done_moment", "superseded_by", "assignee"]
    date_hierarchy = "due_date"


@admin.register(Promise)
class PromiseAdmin(SimpleHistoryAdmin):
    list_display = ["description", "customer", "owner", "due_at", "status", "broken_at", "kept_at"]
    list_filter = ["status", "team"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer", "moment", "owner", "created_by"]
    date_hierarchy = "due_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient"]
    exclude = ["attachment"]
    readonly_fields = ["recipient", "kind", "key", "subject", "body", "html_body", "link", "attachment_name"]


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_result", "runs"]
