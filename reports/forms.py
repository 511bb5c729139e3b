"""Shape of the reports' query parameters: which week, which team (and for Where it chafes, which period)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contacts.models import ContactMoment

from .chafes import DRILL_FIGURES
from .weeks import IsoWeek

BIGINT_MAX = 2**63 - 1  # the largest primary key PostgreSQL can hold


# The CSV downloads' separator: Excel in Dutch reads ";" (with a decimal comma), other spreadsheets ",".
SEPARATORS = {"semicolon": ";", "comma": ","}


def default_separator(language: str) -> str:
    """The separator a download gets when none was chosen: Excel's in the user's language (";" in Dutch)."""
    return "semicolon" if language.startswith("nl") else "comma"


class ReportScopeForm(forms.Form):
    """`?week=2026-W47&team=3&sep=semicolon`; an empty value means the default (last complete week, the user's
    teams, the separator of the user's language)."""

    week = forms.CharField(label=_("Week"), required=False)
    team = forms.IntegerField(
        label=_("Team"),
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        error_messages={
            "invalid": _("Choose one of the teams in the list."),
            "min_value": _("Choose one of the teams in the list."),
            "max_value": _("Choose one of the teams in the list."),
        },
    )

    sep = forms.ChoiceField(
        label=_("CSV for"),
        required=False,
        choices=[("semicolon", _("Excel in Dutch (;)")), ("comma", _("Other spreadsheets (,)"))],
        error_messages={"invalid_choice": _("Choose one of the CSV kinds in the list.")},
    )

    def clean_week(self) -> IsoWeek | None:
        label = self.cleaned_data["week"]
        if not label:
            return None
        week = IsoWeek.parse(label)
        if week is None:
            raise ValidationError(
                _("Choose a week from %(first)s to %(last)s, written like 2026-W47."),
                code="invalid",
                params={"first": IsoWeek.first().label, "last": IsoWeek.last().label},
            )
        return week


class ChafesForm(ReportScopeForm):
    """Where it chafes: `?weeks=4` (1, 4 or 12 weeks up to `week`, the last complete one by default) and `team`."""

    weeks = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        coerce=int,
        empty_value=4,
        choices=[("1", _("Last week")), ("4", _("Last 4 weeks")), ("12", _("Last 12 weeks"))],
    )


class ChafeContactsForm(ChafesForm):
    """The drill-down: which number's contacts (`figure`), of one topic (an id, or "none") or one channel."""

    figure = forms.ChoiceField(label=_("Figure"), choices=list(DRILL_FIGURES.items()))
    topic = forms.RegexField(label=_("Topic"), required=False, regex=r"^(none|[1-9][0-9]{0,17})$")
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *ContactMoment.Channel.choices])
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=10_000)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("topic") and cleaned.get("channel"):
            raise ValidationError(_("Choose a topic or a channel, not both."), code="both")
        return cleaned
