"""Shape of input for the follow-up screens; the rules are in services."""

from datetime import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcare.forms import (
    IdField,
    ModelIdChoiceField,
    ModelIdMultipleChoiceField,
    SubmissionKeyField,
    with_submission_key,
)
from contactcare.templatetags.contactcare import display_name
from contacts.forms import DATETIME_LOCAL_FORMAT, ContactMomentForm, moment_rows
from contacts.models import ContactMoment, Customer, Topic
from contacts.normalize import customer_number_normalize

from . import dates
from .models import CheckIn, CheckInPolicy, Promise


class DueField(forms.DateTimeField):
    """A due time as typed ("25-11 14:00", "morgen 10:00", "vrijdag 9:00"), picked, or as a browser sends it.

    A text input, not datetime-local: Chrome's date-time input cannot take
    typed words and wants month/day/year and AM/PM in English. `dates.due_parse`
    reads the text in the desk's time zone; whether the time is allowed (future,
    horizon) is the service's rule.
    """

    widget = forms.DateTimeInput(
        format=dates.TEXT_FORMAT,
        attrs={"autocomplete": "off", "placeholder": _("e.g. tomorrow 10:00"), "data-due-field": ""},
    )
    default_error_messages = {
        "invalid": _("Type a date such as 25-11 14:00, tomorrow 10:00 or friday 9:00."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        due = dates.due_parse(str(value), now=timezone.localtime())
        if due is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return due


class PromiseForm(forms.Form):
    description = forms.CharField(
        label=_("What was promised"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. call back with the repair date")}),
    )
    due_at = DueField(label=_("Due"))
    owner = ModelIdChoiceField(label=_("Who keeps it"), queryset=None, empty_label=None)

    def __init__(self, *args, owners=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = display_name  # "Anna de Vries", not "anna"
        if user is not None:
            self.fields["owner"].initial = user.pk
        for name, field in self.fields.items():
            css = "form-select" if name == "owner" else "form-control"
            field.widget.attrs["class"] = css + (" is-invalid" if name in self.errors else "")


class BasePromiseFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self.form_kwargs}


# absolute_max = max_num: a TOTAL_FORMS of 10**20 builds at most ten forms (Django's default, max_num + 1,000,
# let one hostile post render 1,010 promise forms: 8 s of a worker, found by the probe).
PromiseFormSet = forms.formset_factory(
    PromiseForm, formset=BasePromiseFormSet, extra=0, max_num=10, absolute_max=10, validate_max=True
)


class ContactLogForm(ContactMomentForm):
    """The log-a-contact form; `checkin` carries the check-in a "Call now" completes, `call` the telephone
    call (cti) the form was opened for: handed on with the `contact_logged` signal, which links it."""

    checkin = IdField()
    call = IdField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # shown again only after a failed save: app.js puts the cursor on the first error
            self.fields["topic"].widget.attrs.pop("autofocus", None)
        layout = self.helper.layout
        # The direction, in words, right under the summary: who contacted whom is never a guess.
        layout[layout.fields.index("summary")] = Div(
            "summary", HTML('{% include "followups/_direction_shown.html" %}'), css_class="summary-with-direction"
        )
        layout.append("checkin")  # crispy renders only the fields its layout names
        layout.append("call")

    def moment_fields(self) -> dict:
        fields = super().moment_fields()
        fields.pop("call", None)
        return fields

    @classmethod
    def call_prefill(cls, params) -> dict:
        """What a link to the form may fill in (the screen-pop's and "Log now"'s `?call=&channel=&direction=&at=`):
        each value checked by this form's own field, and left out when it is not valid. `at` is an ISO 8601
        time (with an offset, or local), shown in the desk's time zone."""
        fields, initial = cls.base_fields, {}
        for name in ("call", "channel", "direction"):
            raw = params.get(name)
            if raw in (None, ""):
                continue
            try:
                value = fields[name].clean(raw)
            except ValidationError:
                continue
            if value not in (None, ""):
                initial[name] = value
        at = params.get("at") or ""
        if at and at.isascii() and len(at) <= 40:
            try:
                when = datetime.fromisoformat(at)
                when = timezone.localtime(when) if timezone.is_aware(when) else when
                text = when.replace(second=0, microsecond=0).strftime(DATETIME_LOCAL_FORMAT)
                initial["occurred_at"] = fields["occurred_at"].clean(text)
            except (ValueError, OverflowError, ValidationError):
                pass
        return initial


class ReplyByForm(forms.Form):
    """What the log form's reply-by sentence depends on (its channel, direction, time and team), as the form
    sends them when one changes. Anything unreadable shows no sentence."""

    channel = forms.ChoiceField(choices=ContactMoment.Channel.choices)
    direction = forms.ChoiceField(choices=ContactMoment.Direction.choices)
    occurred_at = forms.DateTimeField(
        required=False, input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
    )
    team = IdField()

    def preview_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "direction": data["direction"],
            "occurred_at": data["occurred_at"] or timezone.now(),
            "team_id": data["team"],
        }


class CustomerNumberField(forms.ModelChoiceField):
    """A customer by customer number, in any spelling (`k 100 001`); an unknown number is a form error."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    default_error_messages = {"invalid_choice": _("No customer has this customer number.")}

    def __init__(self, **kwargs):
        super().__init__(queryset=Customer.objects.all(), to_field_name="customer_number", **kwargs)

    def to_python(self, value):
        customer = super().to_python(customer_number_normalize(value) if isinstance(value, str) else value)
        # The number of a merged customer still finds the person: the customer it was merged into.
        return customer.merged_into if customer is not None and customer.merged_into_id else customer

    def prepare_value(self, value):
        return value.customer_number if isinstance(value, Customer) else value


class CorrectContactForm(ContactMomentForm):
    """Correct a logged contact: the log form's fields without promises, plus its customer and a reason."""

    customer = CustomerNumberField(
        label=_("Customer number"), help_text=_("Change it to move the contact to another customer.")
    )
    reason = forms.CharField(
        label=_("Why is it corrected?"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. logged on the wrong customer")}),
    )

    def __init__(self, *args, moment: ContactMoment, **kwargs):
        kwargs.setdefault("instance", moment)
        super().__init__(*args, **kwargs)
        del self.fields["submission_key"]  # a correction is idempotent by itself
        self.fields["topic"].widget.attrs.pop("autofocus", None)
        self.initial.setdefault("customer", moment.customer)
        self.initial["occurred_at"] = timezone.localtime(moment.occurred_at).replace(second=0, microsecond=0)
        self.initial["fully_helped"] = {True: "true", False: "false"}.get(moment.fully_helped, "unknown")
        # A topic retired since the contact was logged stays choosable for this contact.
        self.fields["topic"].queryset = Topic.objects.filter(Q(is_active=True) | Q(pk=moment.topic_id))
        self.helper.layout = Layout(Row(Column("customer", css_class="col-md-4")), *moment_rows(), "reason")

    def moment_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}


class DeleteContactForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it deleted?"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. logged twice")}),
    )


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it?"))


class RescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(
        label=_("Why?"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the customer asked to be called next week")}),
    )
    # Hidden until the service warns that the new date is no business day; then a tick box.
    anyway = forms.BooleanField(label=_("Reschedule anyway, on that day"), required=False, widget=forms.HiddenInput)

    def add_error(self, field, error):
        super().add_error(field, error)
        if self.has_error("due_date", "non_business_day"):
            self.fields["anyway"].widget = forms.CheckboxInput()


class CancelPromiseForm(forms.Form):
    reason = forms.CharField(label=_("Why cancel it?"))


class DeskSettingsForm(forms.Form):
    """The desk's opening hours, reply terms per channel and keep-informed cadence: shape only, `desk_settings_save`
    checks the values (and its errors come back next to the fields)."""

    opening_hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        help_text=_("On business days, local time, e.g. 09:00-17:00. Empty: %(default)s (the server's setting)."),
    )
    keep_informed_days = forms.IntegerField(
        label=_("Keep customers informed every … business days"),
        required=False,
        min_value=0,
        max_value=999,
        help_text=_(
            "While a promise is open, call or write the customer this often, even without news. Empty or 0: off."
        ),
    )

    def __init__(self, *args, desk, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening_hours"].help_text = self.fields["opening_hours"].help_text % {
            "default": settings.DESK_OPENING_HOURS
        }
        self.reply_names = []
        for channel, label in ContactMoment.Channel.choices:
            name = f"reply_{channel}"
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("none"), "size": 6}),
            )
            term = desk.reply_term(channel)
            self.initial.setdefault(name, term.text if term else "")
            self.reply_names.append(name)
        self.initial.setdefault("keep_informed_days", desk.keep_informed_days or 0)
        self.initial.setdefault("opening_hours", "")
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    @property
    def reply_fields(self) -> list:
        """The bound reply-term fields, one per channel, in the channels' order."""
        return [self[name] for name in self.reply_names]

    def desk_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "opening_hours": data["opening_hours"],
            "reply_terms": {name.removeprefix("reply_"): data[name] for name in self.reply_names},
            "keep_informed_days": data["keep_informed_days"],
        }


def _any_of(label, choices, help_text) -> forms.MultipleChoiceField:
    """Tick boxes for a policy trigger; none ticked means "any"."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class CheckInPolicyForm(forms.ModelForm):
    channels = _any_of(_("Channels"), ContactMoment.Channel.choices, _("None ticked: any channel."))
    directions = _any_of(_("Directions"), ContactMoment.Direction.choices, _("None ticked: both."))
    outcomes = _any_of(_("Outcomes"), ContactMoment.Outcome.choices, _("None ticked: any outcome."))
    topics = ModelIdMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any topic."),
    )

    class Meta:
        model = CheckInPolicy
        fields = [
            "name",
            "is_active",
            "offsets",
            "day_type",
            "holiday_country",
            "channels",
            "directions",
            "outcomes",
            "topics",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-6"), Column("is_active", css_class="col-md-6 pt-md-4")),
            Row(Column("offsets"), Column("day_type"), Column("holiday_country")),
            Row(Column("channels"), Column("directions"), Column("outcomes"), Column("topics")),
        )

    def _post_clean(self):
        """`policy_save` checks the policy (offsets, holiday calendar, name) and its errors come back here."""

    def policy_fields(self) -> dict:
        return dict(self.cleaned_data)


class ReassignForm(forms.Form):
    """Which open items of a team go to which member."""

    checkins = ModelIdMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)
    promises = ModelIdMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)
    assignee = ModelIdChoiceField(label=_("Give to"), queryset=None, empty_label=_("— choose a team member —"))
    submission_key = SubmissionKeyField()

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkins"].queryset = CheckIn.objects.open().filter(team=team).select_related("customer")
        self.fields["promises"].queryset = Promise.objects.open().filter(team=team).select_related("customer")
        # Only active people can be picked: someone who is ill or has left is why we reassign.
        self.fields["assignee"].queryset = team.members.filter(is_active=True).order_by("first_name", "username")
        self.fields["assignee"].label_from_instance = display_name
        with_submission_key(self)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("checkins") and not cleaned.get("promises"):
            raise forms.ValidationError(_("Tick the check-ins and promises to reassign first."), code="nothing")
        return cleaned


class TeamFilterForm(forms.Form):
    """The team board's filters, from the query string: `person` is a member's id or "queue"."""

    QUEUE = "queue"

    person = forms.CharField(required=False)
    kind = forms.CharField(required=False, max_length=10)
    topic = IdField()
    age = forms.ChoiceField(required=False)

    def __init__(self, *args, age_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age"].choices = [("", ""), *[(key, key) for key in age_keys]]

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        if value in ("", self.QUEUE):
            return value
        return IdField().clean(value)


class CustomerEraseForm(forms.Form):
    """Shape only: the customer number typed back (so nobody erases the wrong person) and a reason."""

    confirmation = forms.CharField(label=_("Type the customer number to confirm"), max_length=50, strip=True)
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("The request's reference or date; no personal data, it is kept in the audit log."),
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"]
        if customer_number_normalize(typed) != self.customer.customer_number:
            raise ValidationError(_("This is not the customer number of this customer."), code="mismatch")
        return typed
