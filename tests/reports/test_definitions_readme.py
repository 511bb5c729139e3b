"""The README's "Definitions of every figure" is FIGURES' English definitions, so the two cannot drift."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from reports.figures import FIGURES, definitions_markdown


def _readme_table() -> str:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    after = text.split("#### Definitions of every figure", 1)[1].splitlines()
    start = next(n for n, line in enumerate(after) if line.startswith("|"))
    table = []
    for line in after[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table)


def test_the_readme_table_is_every_figure_with_its_english_definition(settings):
    settings.REPEAT_CONTACT_WINDOW_DAYS = 7  # the defaults the README states
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 2

    with translation.override("en"):
        expected = definitions_markdown()

    assert _readme_table() == expected, "Paste reports.figures.definitions_markdown() (in English) into the README"


def test_the_table_has_a_row_per_figure_and_names_the_new_ones():
    table = _readme_table()

    assert len(table.splitlines()) == 2 + len(FIGURES)
    for key in ("checkins_rescheduled", "checkins_due", "promises_due", "repeat"):
        assert f"(`{key}`)" in table
