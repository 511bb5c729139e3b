from django import template
from django.utils.formats import localize, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from contactcare.id_urls import id_url

register = template.Library()


@register.filter
def card_figure(value, unit: str = "") -> str:
    """A card's figure as people read it: "—" when there is nothing to count, "66,7 %", "+0,25" for a lift."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{number_format(value, 1)} %"
    if unit == "lift":
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return f"{sign}{number_format(abs(value), 2)}"
    return number_format(value, 0)


def weeks_label(weeks: int) -> str:
    """The label "4 weeks", "12 weken": the msgid of the cards' `{% blocktranslate count weeks=n %}`."""
    return ngettext("%(weeks)s week", "%(weeks)s weeks", weeks) % {"weeks": weeks}


@register.simple_tag
def card_cells(card, figure, values, team) -> SafeString:
    """One figure's cells on a card (templates/coaching/_card.html): per period the person's value, linked to
    the items behind it, with what a share is of, and the team's median.

    Written here rather than in the template: a team's page has 320 such cells, each with a link, a
    plural and five numbers, and the template engine spent most of the page's time on them (issue 11).
    """
    items = id_url("coaching:card-items", card.person.pk)
    team_id = "" if team is None else team.pk
    return format_html_join(
        "\n",
        '<td class="text-end" data-weeks="{}"><a href="{}?team={}&amp;figure={}&amp;weeks={}" aria-label="{}, {}: {}">'
        "{}</a>{}</td>\n"
        '<td class="text-end text-body-secondary team-median" data-weeks="{}">{}</td>',
        (
            (
                n, items, team_id, figure.key, n, figure.label, weeks_label(n), shown, shown,
                "" if value.base is None
                else format_html(' <span class="small text-body-secondary">({})</span>', localize(value.base)),
                n, card_figure(value.median, figure.unit),
            )
            for n, value in values
            for shown in (card_figure(value.value, figure.unit),)
        ),
    )  # fmt: skip
