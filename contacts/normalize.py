"""How names and phone numbers are normalised for storage and search."""

import functools
import re
import unicodedata

import phonenumbers
from django.conf import settings

_PHONE_CHARS = re.compile(r"^[\d\s()+./-]+$")
_NON_WORD = re.compile(r"[^\w]+")
# Letters that Unicode does not decompose into a base letter plus accent.
_UNDECOMPOSABLE = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def phone_normalize(raw: str, *, region: str | None = None) -> str | None:
    """Return `raw` as E.164 (+31612345678), or None when it is not a valid number.

    Accepts what people type: `06 12345678`, `+31 6 1234 5678`, `0031612345678`,
    `(020) 123 45 67`; a number without a country code is read in the desk's
    default region (NL).
    """
    return _phone_normalize((raw or "").strip(), region or settings.PHONE_DEFAULT_REGION)


@functools.lru_cache(maxsize=8192)  # an import checks a number several times; parsing is the slow part
def _phone_normalize(raw: str, region: str) -> str | None:
    if not raw or not _PHONE_CHARS.match(raw):
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """Format a stored number the way a Dutch desk reads it (`06 12345678`; foreign ones international)."""
    return _phone_display(e164, settings.PHONE_DEFAULT_REGION) if e164 else ""


@functools.lru_cache(maxsize=8192)
def _phone_display(e164: str, home_region: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == home_region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def name_normalize(text: str) -> str:
    """Lower-case, accents and punctuation removed: `Jan-Willem Ö'Brien` → `jan willem o brien`.

    Names are stored this way in `Customer.search_name` and queries are
    normalised the same way, so `Ozturk` finds `Öztürk`.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower().translate(_UNDECOMPOSABLE)
    return " ".join(_NON_WORD.sub(" ", plain).split())


def email_normalize(raw: str) -> str:
    """Trimmed and lower-case: one spelling per address, so the exact index finds it."""
    return (raw or "").strip().lower()


def customer_number_normalize(raw: str) -> str:
    """Upper-case without spaces: `k 100 001` → `K100001`."""
    return "".join((raw or "").split()).upper()


_LINE_BREAKS = re.compile(r"\r\n?")
# Control characters other than tab and newline never belong in what a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def text_normalize(raw: str, *, multiline: bool = False) -> str:
    """What people type, as stored: NFC, trimmed, one kind of line break, no control characters.

    Single-line text loses its line breaks and runs of spaces (a pasted name). Nothing is cut:
    length is a rule the services check, with a message.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    if not multiline:
        return " ".join(text.split())  # one line, single spaces: "Jan  de Vries" is "Jan de Vries"
    return text.strip()
