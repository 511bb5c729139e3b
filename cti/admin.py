from django.contrib import admin

from contactcare.admin_gate import IdGuardAdminMixin, ReadOnlyAdminMixin, ServiceAdminMixin

from . import services
from .models import Call, CtiLine, StaffPhone


@admin.register(CtiLine)
class CtiLineAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: a token is made on the "Telephone system" page (shown once, stored hashed)."""

    list_display = ["team", "token_hint", "rotated_at", "rotated_by"]
    list_select_related = ["team", "rotated_by"]
    exclude = ["token_hash"]


@admin.register(StaffPhone)
class StaffPhoneAdmin(IdGuardAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Which number or extension rings whom: how the telephone system's `answeringNumber` finds a person."""

    list_display = ["number", "user"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = ["number", "user__username"]

    def service_save(self, request, obj, form, change):
        existing = StaffPhone.objects.filter(pk=obj.pk).first() if change else None
        saved = services.staff_phone_set(user=obj.user, number=obj.number, actor=request.user, phone=existing)
        obj.pk, obj.number = saved.pk, saved.number


@admin.register(Call)
class CallAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["started_at", "team", "direction", "state", "user", "customer"]
    list_filter = ["state", "direction", "team"]
    list_select_related = ["team", "user", "customer"]
    raw_id_fields = ["line", "team", "user", "customer", "moment", "callback", "ringing_users"]
    date_hierarchy = "started_at"
