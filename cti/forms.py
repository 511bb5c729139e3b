"""The shape of what the caller log, the line page and the simulator page take (rules live in cti.services)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from contactcare.forms import ModelIdChoiceField
from contacts.models import Team

from . import simulator

# A day the caller log can show: far enough from year 1 and 9999 that a local day's bounds exist in UTC.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


class CallerLogForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    team = ModelIdChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All"))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(_("Pick a day between 1900 and 9998."), code="out_of_range")
        return day


class LineRotateForm(forms.Form):
    team = ModelIdChoiceField(label=_("Team"), queryset=Team.objects.all(), widget=forms.HiddenInput)


class SimulateForm(forms.Form):
    team = ModelIdChoiceField(label=_("Team"), queryset=Team.objects.all())
    scenario = forms.ChoiceField(label=_("What happens"), choices=list(simulator.SCENARIOS.items()))
    from_number = forms.CharField(
        label=_("Caller's number"),
        required=False,
        max_length=100,
        help_text=_("Empty: a customer of the team (or a new number for “Unknown number”)."),
    )
    username = forms.CharField(
        label=_("Rings for (user name)"), required=False, max_length=150, help_text=_("Empty: a team member.")
    )
