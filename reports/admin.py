from django.contrib import admin

from contactcare.admin_gate import IdGuardAdminMixin

from .models import ClosedWeek, ReportDownload


@admin.register(ReportDownload)
class ReportDownloadAdmin(IdGuardAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "week", "team", "format"]
    list_filter = ["format", "team"]
    list_select_related = ["user", "team"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClosedWeek)
class ClosedWeekAdmin(IdGuardAdminMixin, admin.ModelAdmin):
    """Read only: a closing is written once, by the Monday sweep or `report_week_close`, and then kept."""

    list_display = ["week", "closed_at", "closed_by", "how"]
    list_filter = ["how"]
    list_select_related = ["closed_by"]
    exclude = ["figures"]  # raw counts per team and person: read on the report's page, not here

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
