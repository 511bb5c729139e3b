"""The words every check-in and promise row repeats, translated once per language: `{% row_labels as words %}`.

My day renders up to 125 rows; a `{% translate %}` per word per row was
about a sixth of its rendering (issue 11). The rows read these instead.
"""

from functools import lru_cache

from django import template
from django.utils.translation import get_language, gettext, gettext_noop

register = template.Library()

# key in the template -> msgid (marked for makemessages; the rows used them with {% translate %} before).
_WORDS = {
    "due": gettext_noop("Due"),
    "after": gettext_noop("after"),
    "call_now": gettext_noop("Call now"),
    "reschedule": gettext_noop("Reschedule"),
    "skip": gettext_noop("Skip"),
    "broken": gettext_noop("broken"),
    "kept": gettext_noop("kept"),
    "kept_late": gettext_noop("kept late"),
    "keep": gettext_noop("Kept"),
    "cancel": gettext_noop("Cancel…"),
    "call_back": gettext_noop("Call back"),
    "log_now": gettext_noop("Log now"),
    "missed_call": gettext_noop("missed call"),
    "team_queue": gettext_noop("team queue"),
    "unknown_number": gettext_noop("unknown number"),
}


@lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, str]:
    return {key: gettext(msgid) for key, msgid in _WORDS.items()}


@register.simple_tag
def row_labels() -> dict[str, str]:
    return _words(get_language())
