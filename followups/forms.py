"""Shape of input for the follow-up screens; the rules are in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.forms import DATETIME_LOCAL_FORMAT, ContactMomentForm
from contacts.models import ContactMoment, Topic

from .models import CheckIn, CheckInPolicy, Promise
from .planning import country_supported, offsets_parse


class PromiseForm(forms.Form):
    description = forms.CharField(
        label=_("What was promised"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. call back with the repair date")}),
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    owner = forms.ModelChoiceField(label=_("Who keeps it"), queryset=None, empty_label=None)

    def __init__(self, *args, owners=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        if user is not None:
            self.fields["owner"].initial = user.pk
        for name, field in self.fields.items():
            css = "form-select" if name == "owner" else "form-control"
            field.widget.attrs["class"] = css + (" is-invalid" if name in self.errors else "")

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at <= timezone.now():
            raise forms.ValidationError(_("A promise must be due in the future."), code="past")
        return due_at


class BasePromiseFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), **self.form_kwargs}


PromiseFormSet = forms.formset_factory(PromiseForm, formset=BasePromiseFormSet, extra=0, max_num=10, validate_max=True)


class ContactLogForm(ContactMomentForm):
    """The log-a-contact form; `checkin` carries the check-in a "Call now" completes."""

    checkin = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append("checkin")  # crispy renders only the fields its layout names


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it?"), max_length=200)


class RescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(
        label=_("Why?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. the customer asked to be called next week")}),
    )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."), code="past")
        return due


class CancelPromiseForm(forms.Form):
    reason = forms.CharField(label=_("Why cancel it?"), max_length=200)


def _any_of(label, choices, help_text) -> forms.MultipleChoiceField:
    """Tick boxes for a policy trigger; none ticked means "any"."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class CheckInPolicyForm(forms.ModelForm):
    channels = _any_of(_("Channels"), ContactMoment.Channel.choices, _("None ticked: any channel."))
    directions = _any_of(_("Directions"), ContactMoment.Direction.choices, _("None ticked: both."))
    outcomes = _any_of(_("Outcomes"), ContactMoment.Outcome.choices, _("None ticked: any outcome."))
    topics = forms.ModelMultipleChoiceField(
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

    def clean_offsets(self):
        try:
            offsets = offsets_parse(self.cleaned_data["offsets"])
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid_offsets") from error
        return ", ".join(offset.kind for offset in offsets)

    def clean_holiday_country(self):
        code = self.cleaned_data["holiday_country"].strip().upper()
        if not country_supported(code):
            raise forms.ValidationError(
                _("“%(code)s” is not a country we know the public holidays of. Use a code like NL, BE or DE.")
                % {"code": code},
                code="unknown_country",
            )
        return code


class ReassignForm(forms.Form):
    """Which open items of a team go to which member."""

    checkins = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)
    promises = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.MultipleHiddenInput)
    assignee = forms.ModelChoiceField(label=_("Give to"), queryset=None, empty_label=_("— choose a team member —"))

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkins"].queryset = CheckIn.objects.open().filter(team=team).select_related("customer")
        self.fields["promises"].queryset = Promise.objects.open().filter(team=team).select_related("customer")
        # Only active people can be picked: someone who is ill or has left is why we reassign.
        self.fields["assignee"].queryset = team.members.filter(is_active=True).order_by("first_name", "username")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("checkins") and not cleaned.get("promises"):
            raise forms.ValidationError(_("Tick the check-ins and promises to reassign first."), code="nothing")
        return cleaned
