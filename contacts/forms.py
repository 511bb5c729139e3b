"""Shape of input only; rules (lengths, formats, bounds) live in services and come back as their errors."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcare.forms import SubmissionKeyField, with_submission_key, without_length_cut

from .models import ContactMoment, Customer, Topic
from .normalize import phone_display

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class CustomerForm(forms.Form):
    # The fields in the order the layout shows them: autofocus picks the first that needs typing.
    FOCUS_ORDER = ("full_name", "preferred_address", "phone", "email", "language", "customer_number")

    full_name = forms.CharField(label=_("name"))
    preferred_address = forms.CharField(
        label=_("preferred form of address"),
        required=False,
        help_text=_("How the customer likes to be addressed, e.g. “Mrs De Vries” or “Jan”."),
    )
    customer_number = forms.CharField(
        label=_("customer number"), required=False, help_text=_("Leave empty to give the next free number.")
    )
    phone = forms.CharField(
        label=_("phone"), required=False, help_text=_("Any spelling: 06 12345678, +31 6 1234 5678, 0031612345678.")
    )
    email = forms.CharField(label=_("e-mail"), required=False, widget=forms.EmailInput)
    language = forms.ChoiceField(
        label=_("language"), choices=Customer.Language.choices, initial=Customer.Language.DUTCH
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = customer is None
        if customer is not None:
            self.initial = {
                "full_name": customer.full_name,
                "preferred_address": customer.preferred_address,
                "customer_number": customer.customer_number,
                "phone": phone_display(customer.phone),
                "email": customer.email,
                "language": customer.language,
                **self.initial,
            }
            del self.fields["submission_key"]  # an edit is idempotent by itself
        with_submission_key(self)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("full_name", css_class="col-md-6"), Column("preferred_address", css_class="col-md-6")),
            Row(Column("phone", css_class="col-md-4"), Column("email", css_class="col-md-4"), Column("language")),
            Row(Column("customer_number", css_class="col-md-4")),
            *(["submission_key"] if "submission_key" in self.fields else []),
        )
        self.autofocus()

    def autofocus(self) -> None:
        """Put the cursor where the user types next.

        The first field in error once the form was validated; on a new
        customer, the first empty required field, else the first empty one (a
        list always has a value); else the first field. Call again after validation.
        """

        def empty(name: str) -> bool:
            return not isinstance(self.fields[name].widget, forms.Select) and self[name].value() in (None, "")

        names = [name for name in self.FOCUS_ORDER if name in self.fields]
        errors = self._errors or {}
        candidates = [name for name in names if name in errors]
        if self.is_new:
            candidates += [name for name in names if self.fields[name].required and empty(name)]
            candidates += [name for name in names if empty(name)]
        for name in names:
            self.fields[name].widget.attrs.pop("autofocus", None)
        self.fields[[*candidates, *names][0]].widget.attrs["autofocus"] = True

    def customer_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_key"}


class CustomerDetailForm(forms.Form):
    text = forms.CharField(
        label=_("detail to remember"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. has a new-born, prefers mornings")}),
    )
    is_pinned = forms.BooleanField(label=_("pinned"), required=False)


class FullyHelpedField(forms.NullBooleanField):
    widget = forms.Select(choices=[("unknown", _("Not asked")), ("true", _("Yes")), ("false", _("No"))])


def moment_rows() -> list:
    """The crispy rows of a contact moment's fields, shared by the log form and the correction form."""
    return [
        Row(Column("channel"), Column("direction"), Column("topic")),
        "summary",
        Row(Column("outcome"), Column("fully_helped")),
        Row(Column("sentiment_start"), Column("sentiment_end")),
        Row(Column("is_complaint"), Column("is_compliment")),
        Row(Column("occurred_at"), Column("team")),
    ]


class ContactMomentForm(forms.ModelForm):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    fully_helped = FullyHelpedField(label=_("Customer fully helped?"), required=False)
    submission_key = SubmissionKeyField()

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
        with_submission_key(without_length_cut(self))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*moment_rows(), "submission_key")

    def _post_clean(self):
        """The service validates the contact (lengths, bounds) and its errors come back to this form."""

    def moment_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name not in {"submission_key", "checkin"}}
