from django import template
from django.utils.formats import number_format

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
