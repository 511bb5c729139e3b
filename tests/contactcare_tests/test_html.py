"""contactcare.html.format_html: what Django's format_html gives, for every kind of argument a row passes."""

from datetime import date
from decimal import Decimal

import django.utils.html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override
from hypothesis import given
from hypothesis import strategies as st

from contactcare.html import format_html

texts = st.text()  # every code point: quotes, ampersands, angle brackets, NUL, astral planes
arguments = st.one_of(
    texts,
    texts.map(mark_safe),  # already HTML: used as it is
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.none(),
)


@given(st.lists(arguments, min_size=1, max_size=6))
def test_the_same_html_as_djangos_for_any_arguments(args):
    pattern = '<p title="{}">{}</p>' * (len(args) // 2) + "{}" * (len(args) % 2)
    ours = format_html(pattern, *args)
    assert ours == django.utils.html.format_html(pattern, *args)
    assert isinstance(ours, SafeString)


def test_a_lazy_translation_is_translated_in_the_active_language_and_escaped():
    lazy = gettext_lazy("Phone")
    with override("nl"):
        assert format_html("<b>{}</b>", lazy) == "<b>Telefoon</b>"
    with override("en"):
        assert format_html("<b>{}</b>", lazy) == django.utils.html.format_html("<b>{}</b>", lazy) == "<b>Phone</b>"


def test_what_a_user_typed_is_escaped_and_what_is_html_is_not():
    assert format_html('<a title="{}">{}</a>', "\"x\" & 'y' <script>", mark_safe("<i>ok</i>")) == (
        '<a title="&quot;x&quot; &amp; &#x27;y&#x27; &lt;script&gt;">' + "<i>ok</i></a>"
    )
    assert format_html("{} {} {}", 3, Decimal("2.50"), date(2001, 12, 31)) == "3 2.50 2001-12-31"
