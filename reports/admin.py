from django.contrib import admin

from contactcare.admin_gate import IdGuardAdminMixin

from .models import ReportDownload


@admin.register(ReportDownload)
class ReportDownloadAdmin(IdGuardAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "week", "team", "format"]
    list_filter = ["format", "team"]
    list_select_related = ["user", "team"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
