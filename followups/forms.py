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

from contactcare.formats import day, when
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

from . import dates, handovers
from .models import CheckIn, CheckInPolicy, Promise
from .planning import DEFAULT_LOSING_TOUCH_DAYS


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
    """The promise rows of the log form. `offer`: one row filled in for the user (what happens next, after a "no"
    was refused without a promise), as a new row they may also leave empty."""

    def __init__(self, *args, offer: dict | None = None, **kwargs):
        if offer is not None:
            kwargs["initial"] = [offer]
            self.extra = 1
        super().__init__(*args, **kwargs)

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0  # an offered row is a new one

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self.form_kwargs}


# absolute_max = max_num: a TOTAL_FORMS of 10**20 builds at most ten forms (Django's default, max_num + 1,000,
# let one hostile post render 1,010 promise forms: 8 s of a worker, found by the probe).
PromiseFormSet = forms.formset_factory(
    PromiseForm, formset=BasePromiseFormSet, extra=0, max_num=10, absolute_max=10, validate_max=True
)


class ReceiverField(forms.ChoiceField):
    """Whom a customer is handed to: a team ("team:3") or a colleague ("user:12"), from `handovers.receiver_choices`;
    cleaned to a `handovers.Receiver`. Anything else is a form error."""

    def __init__(self, *, actor=None, **kwargs):
        kwargs.setdefault("label", _("Hand over to"))
        super().__init__(choices=(), **kwargs)
        self.teams, self.people = {}, {}
        if actor is not None:
            teams, people = handovers.receiver_choices(actor=actor)
            self.teams = {f"team:{team.pk}": team for team in teams}
            self.people = {f"user:{person.pk}": person for person in people}
            self.choices = [
                ("", _("— choose a team or a colleague —")),
                (_("Teams"), [(key, team.name) for key, team in self.teams.items()]),
                (_("Colleagues"), [(key, display_name(person)) for key, person in self.people.items()]),
            ]

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if value in self.teams:
            return handovers.Receiver(team=self.teams[value])
        if value in self.people:
            return handovers.Receiver(user=self.people[value])
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        return value.value if isinstance(value, handovers.Receiver) else value


class NextStepField(forms.CharField):
    """ "What happens next?": a short text, no limit in the browser (the services refuse a text too long)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)


class ContactLogForm(ContactMomentForm):
    """The log-a-contact form; `checkin` carries the check-in a "Call now" completes, `call` the telephone
    call (cti) the form was opened for: handed on with the `contact_logged` signal, which links it.

    When the customer was not fully helped it asks what happens next (`next_step`), to become a promise
    (the promise rows, pre-filled with it) or a handover (`handover_to`, with it as the note): the service
    refuses a "no" with neither (issue 13)."""

    checkin = IdField()
    call = IdField()
    next_step = NextStepField(
        label=_("What happens next?"),
        help_text=_(
            "Needed when the customer was not fully helped: make it a promise below, or hand the customer over."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handover_to"] = ReceiverField(
            actor=user,
            required=False,
            label=_("Or hand the customer over to"),
            help_text=_("What happens next is the note your colleague reads."),
        )
        if self.is_bound:  # shown again only after a failed save: app.js puts the cursor on the first error
            self.fields["topic"].widget.attrs.pop("autofocus", None)
        layout = self.helper.layout
        # The direction, in words, right under the summary: who contacted whom is never a guess.
        layout[layout.fields.index("summary")] = Div(
            "summary", HTML('{% include "followups/_direction_shown.html" %}'), css_class="summary-with-direction"
        )
        # Right after "fully helped?": app.js shows it for a "no" (without JavaScript it is always there).
        helped = next(pointer.positions[0] for pointer in layout.get_field_names() if pointer.name == "fully_helped")
        layout.insert(
            helped + 1,
            Div(
                "next_step",
                Row(
                    Column(HTML('{% include "followups/_next_step_promise.html" %}'), css_class="col-md-5"),
                    Column("handover_to", css_class="col-md-7"),
                ),
                css_class="next-step border-start border-warning border-3 ps-3 mb-3",
                data_next_step="",
            ),
        )
        layout.append("checkin")  # crispy renders only the fields its layout names
        layout.append("call")

    def moment_fields(self) -> dict:
        fields = super().moment_fields()
        for name in ("call", "next_step", "handover_to"):
            fields.pop(name, None)
        return fields

    def next_fields(self) -> dict:
        """What happens next, for `contact_log`: the text and the handover (None: no handover)."""
        data = self.cleaned_data
        return {"next_step": data.get("next_step", ""), "handover_to": data.get("handover_to")}

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
    losing_touch_days = forms.IntegerField(
        label=_("Losing touch after … days"),
        required=False,
        min_value=0,
        max_value=9999,
        help_text=_(
            "A customer whose last contact ended negative, or whose promise broke, and who has heard nothing since"
            " for this many days is on the team leads' “Losing touch” list. Empty: %(default)s."
        ),
    )

    def __init__(self, *args, desk, losing_touch_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening_hours"].help_text = self.fields["opening_hours"].help_text % {
            "default": settings.DESK_OPENING_HOURS
        }
        self.fields["losing_touch_days"].help_text = self.fields["losing_touch_days"].help_text % {
            "default": DEFAULT_LOSING_TOUCH_DAYS
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
        self.initial.setdefault("losing_touch_days", losing_touch_days)
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
            "losing_touch_days": DEFAULT_LOSING_TOUCH_DAYS
            if data["losing_touch_days"] is None
            else data["losing_touch_days"],
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


# --- Handovers (issue 13) ---------------------------------------------------------


class HandoverForm(forms.Form):
    """Hand a customer over (and pass a handover on): to whom, and the note. The rules are `followups.handovers`'."""

    note = forms.CharField(
        label=_("Note for your colleague"),
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What the customer needs, and what was tried already")}
        ),
        help_text=_("Your colleague reads this first, so the customer does not have to tell it all again."),
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"to": ReceiverField(actor=actor, required=True), **self.fields}
        with_submission_key(self)

    def handover_fields(self) -> dict:
        return {"to": self.cleaned_data["to"], "note": self.cleaned_data["note"]}


class HandoverAcceptForm(forms.Form):
    """Which of the customer's open check-ins and promises the accepter takes (all ticked at first)."""

    checkins = ModelIdMultipleChoiceField(
        label=_("Check-ins"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    promises = ModelIdMultipleChoiceField(
        label=_("Promises"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, handover, **kwargs):
        super().__init__(*args, **kwargs)
        checkins, promises = handovers.handover_open_items(handover=handover)
        self.fields["checkins"].queryset = CheckIn.objects.open().filter(customer_id=handover.customer_id)
        self.fields["promises"].queryset = Promise.objects.open().filter(customer_id=handover.customer_id)
        # The labels from the rows read once (with their people), not one query per box.
        self.fields["checkins"].choices = [
            (c.pk, _item_label(c.kind_label, day(c.due_date), c.assignee)) for c in checkins
        ]
        self.fields["promises"].choices = [
            (p.pk, _item_label(p.description, when(p.due_at), p.owner)) for p in promises
        ]
        if not self.is_bound:
            self.initial = {"checkins": [c.pk for c in checkins], "promises": [p.pk for p in promises]}
        self.open_items = len(checkins) + len(promises)

    def items(self) -> list:
        return [*self.cleaned_data["checkins"], *self.cleaned_data["promises"]]


def _item_label(what: str, due: str, holder) -> str:
    return f"{what} · {due} · {display_name(holder) if holder else _('team queue')}"
