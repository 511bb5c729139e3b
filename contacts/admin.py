from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contactcare.admin_gate import IdGuardAdminMixin, ReadOnlyAdminMixin, ServiceAdminMixin

from . import services
from .models import ContactMoment, Customer, CustomerDetail, Team, Topic


@admin.register(Team)
class TeamAdmin(IdGuardAdminMixin, admin.ModelAdmin):
    list_display = ["name", "lead"]
    filter_horizontal = ["members"]


@admin.register(Topic)
class TopicAdmin(IdGuardAdminMixin, admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]


class CustomerDetailInline(admin.TabularInline):
    model = CustomerDetail
    extra = 0
    fields = ["text", "is_pinned", "created_by"]
    readonly_fields = ["text", "created_by"]

    def has_add_permission(self, request, obj=None):
        return False  # details are added on the customer page, through the service


@admin.register(Customer)
class CustomerAdmin(IdGuardAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "customer_number", "phone", "email", "language"]
    search_fields = ["customer_number", "search_name", "phone", "email"]
    fields = ["full_name", "preferred_address", "customer_number", "phone", "email", "language"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CustomerDetailInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["customer_number"].required = False  # empty: the next free number
        return form

    def service_save(self, request, obj, form, change):
        """Through `customer_create` / `customer_update`: normalised, validated, the admin user as author."""
        fields = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if change:
            services.customer_update(customer=obj, actor=request.user, **fields)
        else:
            created = services.customer_create(actor=request.user, **fields)
            obj.__dict__.update(created.__dict__)


@admin.register(ContactMoment)
class ContactMomentAdmin(IdGuardAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["occurred_at", "customer", "channel", "direction", "logged_by", "team", "topic", "outcome"]
    list_filter = ["channel", "direction", "outcome", "team", "topic"]
    list_select_related = ["customer", "logged_by", "team", "topic"]
    raw_id_fields = ["customer", "logged_by"]
    date_hierarchy = "occurred_at"
