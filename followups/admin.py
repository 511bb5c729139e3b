from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contactcare.admin_gate import IdGuardAdminMixin, ReadOnlyAdminMixin, ServiceAdminMixin
from contactcare.models import Notification, SweepRun

from . import services
from .forms import CheckInPolicyForm
from .models import CheckIn, CheckInPolicy, Handover, Promise


@admin.register(CheckInPolicy)
class CheckInPolicyAdmin(IdGuardAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """The same form and the same `policy_save` as the policy page: a policy that cannot plan is refused."""

    form = CheckInPolicyForm
    list_display = ["name", "is_active", "offsets", "day_type", "holiday_country"]

    def service_save(self, request, obj, form, change):
        services.policy_save(actor=request.user, policy=obj, **form.policy_fields())

    def save_related(self, request, form, formsets, change):
        """`policy_save` set the topics."""


@admin.register(CheckIn)
class CheckInAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["customer", "kind", "due_date", "status", "assignee", "team"]
    list_filter = ["status", "kind", "team"]
    list_select_related = ["customer", "assignee", "team"]
    raw_id_fields = ["customer", "origin", "done_moment", "superseded_by", "assignee", "promise"]
    date_hierarchy = "due_date"


@admin.register(Promise)
class PromiseAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["description", "kind", "customer", "owner", "due_at", "status", "broken_at", "kept_at"]
    list_filter = ["status", "kind", "team"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer", "moment", "owner", "created_by"]
    date_hierarchy = "due_at"


@admin.register(Handover)
class HandoverAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: handovers are written by followups.handovers (create, accept, pass on)."""

    list_display = ["customer", "from_user", "to_user", "to_team", "status", "created_at", "accept_by", "answered_at"]
    list_filter = ["status", "team"]
    list_select_related = ["customer", "from_user", "to_user", "to_team"]
    raw_id_fields = ["customer", "moment", "previous", "first", "from_user", "to_user", "answered_by"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient"]
    exclude = ["attachment"]


@admin.register(SweepRun)
class SweepRunAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_result", "runs"]
