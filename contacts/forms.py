"""Shape of input only; rules live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ContactMoment, Customer, CustomerDetail, Topic
from .normalize import phone_display, phone_normalize
from .services import FUTURE_TOLERANCE

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["full_name", "preferred_address", "customer_number", "phone", "email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_number"].required = False
        self.fields["customer_number"].help_text = _("Leave empty to give the next free number.")
        self.fields["phone"].help_text = _("Any spelling: 06 12345678, +31 6 1234 5678, 0031612345678.")
        if self.instance.pk and self.instance.phone:
            self.initial["phone"] = phone_display(self.instance.phone)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("full_name", css_class="col-md-6"), Column("preferred_address", css_class="col-md-6")),
            Row(Column("phone", css_class="col-md-4"), Column("email", css_class="col-md-4"), Column("language")),
            Row(Column("customer_number", css_class="col-md-4")),
        )

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        if not raw:
            return ""
        normalised = phone_normalize(raw)
        if normalised is None:
            raise forms.ValidationError(
                _("This is not a phone number we can call. Type it like 06 12345678 or +31 6 1234 5678."),
                code="invalid_phone",
            )
        return normalised

    def clean_customer_number(self):
        return self.cleaned_data["customer_number"].strip().upper().replace(" ", "")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class CustomerDetailForm(forms.ModelForm):
    class Meta:
        model = CustomerDetail
        fields = ["text", "is_pinned"]
        widgets = {"text": forms.TextInput(attrs={"placeholder": _("e.g. has a new-born, prefers mornings")})}


class FullyHelpedField(forms.NullBooleanField):
    widget = forms.Select(choices=[("unknown", _("Not asked")), ("true", _("Yes")), ("false", _("No"))])


class ContactMomentForm(forms.ModelForm):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    fully_helped = FullyHelpedField(label=_("Customer fully helped?"), required=False)

    class Meta:
        model = ContactMoment
        fields = [
            "channel",
            "direction",
            "topic",
            "summary",
            "outcome",
            "fully_helped",
            "sentiment_start",
            "sentiment_end",
            "is_complaint",
            "is_compliment",
            "occurred_at",
            "team",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True)
        self.fields["topic"].widget.attrs["autofocus"] = True
        self.fields["team"].queryset = teams if teams is not None else self.fields["team"].queryset.none()
        self.fields["team"].empty_label = _("(no team)")
        if "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("channel"), Column("direction"), Column("topic")),
            "summary",
            Row(Column("outcome"), Column("fully_helped")),
            Row(Column("sentiment_start"), Column("sentiment_end")),
            Row(Column("is_complaint"), Column("is_compliment")),
            Row(Column("occurred_at"), Column("team")),
        )

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError(_("A contact that happened cannot be in the future."), code="future")
        return occurred_at
