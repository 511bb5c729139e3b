"""Shape of the coaching pages' input: which team, which figure and period, the thank-you text."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.forms import BIGINT_MAX

from .selectors import CARD_FIGURES, PERIODS
from .services import TEXT_MAX_LENGTH

_TEAM_ERRORS = {
    "invalid": _("Choose one of the teams in the list."),
    "min_value": _("Choose one of the teams in the list."),
    "max_value": _("Choose one of the teams in the list."),
}


class TeamField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Team"), required=False, min_value=1, max_value=BIGINT_MAX, error_messages=_TEAM_ERRORS, **kwargs
        )


class TeamScopeForm(forms.Form):
    """`?team=3`; empty: the first of the reader's teams."""

    team = TeamField()


class CardItemsForm(forms.Form):
    """`?team=3&figure=helped_share&weeks=4`: the items behind one figure of a card."""

    team = TeamField()
    figure = forms.ChoiceField(label=_("Figure"), choices=[(f.key, f.label) for f in CARD_FIGURES])
    weeks = forms.TypedChoiceField(
        label=_("Period"), coerce=int, choices=[(str(n), str(n)) for n in PERIODS], required=False, empty_value=4
    )


class ThankYouForm(forms.Form):
    """The one-click thank-you: the team, and the short text (prefilled; empty sends the kind default)."""

    team = TeamField()
    # No max_length here: the service says how long it may be, with a message, and never cuts.
    text = forms.CharField(label=_("Your note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    text_max_length = TEXT_MAX_LENGTH
