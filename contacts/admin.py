from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .forms import CustomerForm
from .models import ContactMoment, Customer, CustomerDetail, Team, Topic


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead"]
    filter_horizontal = ["members"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]


class CustomerDetailInline(admin.TabularInline):
    model = CustomerDetail
    extra = 0
    fields = ["text", "is_pinned", "created_by"]
    readonly_fields = ["created_by"]


class CustomerAdminForm(CustomerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_number"].required = True


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    form = CustomerAdminForm
    list_display = ["full_name", "customer_number", "phone", "email", "language"]
    search_fields = ["customer_number", "search_name", "phone", "email"]
    readonly_fields = ["search_name", "created_at", "updated_at"]
    inlines = [CustomerDetailInline]

    def save_model(self, request, obj, form, change):
        services.customer_update(customer=obj)  # normalises the search name, e-mail and number


@admin.register(ContactMoment)
class ContactMomentAdmin(SimpleHistoryAdmin):
    list_display = ["occurred_at", "customer", "channel", "direction", "logged_by", "team", "topic", "outcome"]
    list_filter = ["channel", "direction", "outcome", "team", "topic"]
    list_select_related = ["customer", "logged_by", "team", "topic"]
    raw_id_fields = ["customer", "logged_by"]
    date_hierarchy = "occurred_at"
