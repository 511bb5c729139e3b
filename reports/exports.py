"""CSV and XLSX downloads of the weekly report, and the contacts of a week as CSV.

Built to stream: CSV rows are generated one at a time into the response, and
the XLSX is written by openpyxl's write-only workbook to a temporary file on
disk, so neither holds all rows in memory.

Every cell goes through `safe_cell`: text that a spreadsheet would take for a
formula (team names, people's names, customer numbers and topics are typed
by people) is neutralised the same way in CSV and XLSX.

A CSV starts with a UTF-8 byte order mark (without it Excel reads the
accents of "Noord-Holland · één" as Latin-1) and is separated by "," or by
";", the separator Excel expects in Dutch, where a decimal number is
written with a comma ("12,3") as well.
"""

import codecs
import csv
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from contactcare.db_router import replica_reads, report_db
from contactcare.spreadsheets import FORMULA_START, safe_cell, safe_row
from contacts.models import ContactMoment
from contacts.repeats import repeat_expression

from .figures import FIGURES, unit_labels
from .selectors import repeat_flags_current
from .weeks import IsoWeek

BOM = "\ufeff"
COPY_PIECE = 64 * 1024  # bytes of CSV passed on at a time by the COPY path
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    """A file-like object whose write() hands back the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _in_language(rows: Iterator[str], language: str) -> Iterator[str]:
    """Stream `rows` with `language` active: a streaming body is produced after the view has returned."""
    with translation.override(language):
        yield from rows


def report_csv(
    tables: list[tuple[str, dict, dict]], week: IsoWeek, *, delimiter: str = ",", closed=None
) -> Iterator[str]:
    return _in_language(_report_csv_rows(tables, week, delimiter, closed), translation.get_language())


def contacts_csv(week: IsoWeek, team=None, *, delimiter: str = ",") -> Iterator[str]:
    return _in_language(_contacts_csv_rows(week, team, delimiter), translation.get_language())


def _closed_header(closed) -> list[str]:
    """The columns a closed week's download adds (reports.closing): when it closed, and what changed since."""
    if closed is None:
        return []
    return [_("Closed at")] + ([_("Since closing")] if closed.since else [])


def _closed_cells(closed, index: int, key: str, delimiter: str) -> list:
    if closed is None:
        return []
    at = [timezone.localtime(closed.closed_at).isoformat(timespec="minutes")]
    return at + ([_cell(closed.since[index].get(key), delimiter)] if closed.since else [])


def _report_csv_rows(tables: list[tuple[str, dict, dict]], week: IsoWeek, delimiter: str, closed=None) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield BOM + writer.writerow(
        safe_row(
            [_("Scope"), _("Figure"), _("Key"), week.label, week.previous().label, _("Unit"), *_closed_header(closed)]
        )
    )
    units = unit_labels()
    for index, (scope, current, before) in enumerate(tables):
        for figure in FIGURES:
            yield writer.writerow(
                safe_row(
                    [
                        scope,
                        str(figure.label),
                        figure.key,
                        _cell(current[figure.key], delimiter),
                        _cell(before[figure.key], delimiter),
                        units[figure.unit],
                        *_closed_cells(closed, index, figure.key, delimiter),
                    ]
                )
            )


def _cell(value, delimiter: str = ","):
    """A figure as a CSV cell: empty when there is nothing to count; a decimal comma with the ";" separator."""
    if value is None:
        return ""
    if delimiter == ";" and isinstance(value, float):
        return str(value).replace(".", ",")
    return value


def _yes_no(value) -> str:
    """A flag as people read it; None (the closing question not asked) as "Not asked"."""
    if value is None:
        return _("Not asked")
    return _("Yes") if value else _("No")


def _person(first_name: str, last_name: str, username: str) -> str:
    """A person's full name, as the app shows it; the username only when there is no name."""
    return f"{first_name} {last_name}".strip() or username


def _contacts_header() -> list[str]:
    return [
        _("When"), _("Customer number"), _("Channel"), _("Direction"), _("Team"), _("Topic"), _("Outcome"),
        _("Sentiment at start"), _("Sentiment at end"), _("Complaint"), _("Compliment"), _("Fully helped"),
        _("Repeat contact"), _("Logged by"), _("Imported"),
    ]  # fmt: skip


def _labels() -> dict[str, dict]:
    return {
        "channel": dict(ContactMoment.Channel.choices),
        "direction": dict(ContactMoment.Direction.choices),
        "outcome": dict(ContactMoment.Outcome.choices),
        "sentiment": dict(ContactMoment.Sentiment.choices),
    }


def _contacts_csv_rows(week: IsoWeek, team=None, delimiter: str = ",") -> Iterator[str]:
    """Every contact moment of the week, one row each, without customer names or summaries (data minimisation).

    Cells read as the page does: the colleague's name, and channel, direction,
    outcome, sentiment and flags as their labels in the download's language.
    No column here is a code; the weekly report's downloads keep their "Key"
    column, which is the one meant for machines. On PostgreSQL the rows come
    straight from the database (COPY: several times the Python path's pace,
    in flat memory); elsewhere, and for a week whose repeat flags are stale
    (the window setting changed), from the Python path. Both give the same rows.
    """
    # The alias is chosen once and named on every read: a "reading for a report" context held across the
    # yields of a streamed body would leak into whatever the server runs between two chunks.
    with replica_reads():
        alias = report_db()
        fresh = repeat_flags_current([week])
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield BOM + writer.writerow(safe_row(_contacts_header()))
    if connections[alias].vendor == "postgresql" and fresh:
        yield from _contacts_copy(week, team, alias, delimiter)
    else:
        yield from _contacts_python(week, team, writer, fresh=fresh, alias=alias)


def _contacts_python(week: IsoWeek, team, writer, *, fresh: bool = True, alias: str = "default") -> Iterator[str]:
    moments = ContactMoment.objects.using(alias).alive().in_period(week.start, week.end).order_by("occurred_at", "pk")
    if team is not None:
        moments = moments.filter(team=team)
    if not fresh:  # the flags were decided with another window: the definition as it is now
        moments = moments.annotate(repeat_now=repeat_expression())
    rows = moments.values_list(
        "occurred_at", "customer__customer_number", "channel", "direction", "team__name", "topic__name", "outcome",
        "sentiment_start", "sentiment_end", "is_complaint", "is_compliment", "fully_helped",
        "is_repeat" if fresh else "repeat_now", "logged_by__first_name", "logged_by__last_name",
        "logged_by__username", "imported_by_import",
    )  # fmt: skip
    label = _labels()
    for (
        occurred_at, number, channel, direction, team_name, topic, outcome, start, end,
        complaint, compliment, fully_helped, is_repeat, first_name, last_name, username, imported,
    ) in rows.iterator(chunk_size=2000):  # fmt: skip
        yield writer.writerow(
            safe_row(
                [
                    timezone.localtime(occurred_at).isoformat(timespec="minutes"),
                    number,
                    str(label["channel"].get(channel, channel)),
                    str(label["direction"].get(direction, direction)),
                    team_name,
                    topic,
                    str(label["outcome"].get(outcome, outcome)),
                    str(label["sentiment"].get(start, start)),
                    str(label["sentiment"].get(end, end)),
                    _yes_no(complaint),
                    _yes_no(compliment),
                    _yes_no(fully_helped),
                    _yes_no(bool(is_repeat)),
                    _person(first_name, last_name, username),
                    _yes_no(imported is not None),
                ]
            )
        )


def _sql_safe(column: str) -> str:
    """`safe_cell` in SQL: text starting like a formula gets a leading apostrophe; '' stays an empty cell."""
    starts = ", ".join(f"chr({ord(start)})" for start in FORMULA_START)
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN chr(39) || {column} ELSE NULLIF({column}, '') END"


def _sql_label(column: str, labels: dict, params: list) -> str:
    """A CASE that turns a stored code into its label in the download's language, each a parameter."""
    whens = []
    for code, text in labels.items():
        whens.append("WHEN %s THEN %s")
        params += [code, safe_cell(str(text))]
    return f"CASE {column} {' '.join(whens)} ELSE {column}::text END"


def _sql_yes_no(condition: str, params: list) -> str:
    """`_yes_no` in SQL; NULL (the closing question not asked) as "Not asked"."""
    params += [_("Not asked"), _("Yes"), _("No")]
    return f"CASE WHEN ({condition}) IS NULL THEN %s WHEN {condition} THEN %s ELSE %s END"


def _offset_suffixes(week: IsoWeek) -> list[tuple[datetime | None, str]]:
    """[(until, suffix)]: the "+01:00" that isoformat gives the desk's local times in the week, up to each change.

    The last pair's `until` is None. A change (summer time) is found to the microsecond, by halving.
    """
    zone = timezone.get_default_timezone()

    def suffix(instant: datetime) -> str:
        return instant.astimezone(zone).isoformat(timespec="minutes")[16:]  # after "YYYY-MM-DDTHH:MM"

    found: list[tuple[datetime | None, str]] = []
    start, end = week.start.astimezone(UTC), week.end.astimezone(UTC)  # arithmetic in local time skips or repeats
    at, current = start, suffix(start)
    while at < end:
        step = min(at + timedelta(hours=1), end)
        if step < end and suffix(step) != current:
            low, high = at, step
            while high - low > timedelta(microseconds=1):
                middle = low + (high - low) // 2
                low, high = (middle, high) if suffix(middle) == current else (low, middle)
            found.append((high, current))
            step, current = high, suffix(high)
        at = step
    found.append((None, current))
    return found


def _sql_offset(week: IsoWeek, params: list) -> str:
    """The local time's offset as text ("+01:00"), a parameter per offset the week has."""
    suffixes = _offset_suffixes(week)
    if len(suffixes) == 1:
        params.append(suffixes[0][1])
        return "CAST(%s AS TEXT)"
    whens = []
    for until, suffix in suffixes[:-1]:
        whens.append("WHEN m.occurred_at < %s THEN %s")
        params += [until, suffix]
    params.append(suffixes[-1][1])
    return f"CASE {' '.join(whens)} ELSE %s END"


def _contacts_copy(week: IsoWeek, team, alias: str, delimiter: str = ",") -> Iterator[str]:
    """The week's rows as CSV from PostgreSQL's COPY (SELECT …) TO STDOUT, passed on chunk by chunk."""
    label = _labels()
    params: list = []  # in the order the placeholders appear in the statement
    params.append(settings.TIME_ZONE)
    columns = [
        # isoformat(timespec="minutes") of the local time, with its offset ("+01:00"): the offsets of the week
        # are worked out here, once, rather than per row in SQL (the slowest column when it was)
        "to_char(m.occurred_at AT TIME ZONE %s, 'YYYY-MM-DD\"T\"HH24:MI') || " + _sql_offset(week, params),
        _sql_safe("c.customer_number"),
        _sql_label("m.channel", label["channel"], params),
        _sql_label("m.direction", label["direction"], params),
        _sql_safe("t.name"),
        _sql_safe("tp.name"),
        _sql_label("m.outcome", label["outcome"], params),
        _sql_label("m.sentiment_start", label["sentiment"], params),
        _sql_label("m.sentiment_end", label["sentiment"], params),
        _sql_yes_no("m.is_complaint", params),
        _sql_yes_no("m.is_compliment", params),
        _sql_yes_no("m.fully_helped", params),
        _sql_yes_no("m.is_repeat", params),
        # _person: the full name as the app shows it, the username only when there is no name
        _sql_safe(
            "COALESCE(NULLIF(btrim(u.first_name || ' ' || u.last_name, "
            "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)), ''), u.username)"
        ),
        _sql_yes_no("m.imported_by_import_id IS NOT NULL", params),
    ]
    params += [week.start, week.end]
    team_filter = ""
    if team is not None:
        team_filter = "AND m.team_id = %s"
        params.append(team.pk)
    select = (
        f"SELECT {', '.join(columns)} "  # noqa: S608 - our own SQL; every value is a parameter
        "FROM contacts_contactmoment m "
        "JOIN contacts_customer c ON c.id = m.customer_id "
        "JOIN auth_user u ON u.id = m.logged_by_id "
        "LEFT JOIN contacts_team t ON t.id = m.team_id "
        "LEFT JOIN contacts_topic tp ON tp.id = m.topic_id "
        f"WHERE m.deleted_at IS NULL AND m.occurred_at >= %s AND m.occurred_at < %s {team_filter} "
        "ORDER BY m.occurred_at, m.id"
    )
    if delimiter not in (",", ";"):  # written into the statement: only the two the form offers
        raise ValueError(delimiter)
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    # Text, like the Python path: a chunk may end inside a multi-byte character, which the decoder keeps.
    # COPY hands over a row at a time; they are passed on in pieces of about COPY_PIECE bytes, which keeps the
    # memory flat and the per-piece cost (decoding, the server's write) off every row.
    decoder = codecs.getincrementaldecoder("utf-8")()
    piece: list[bytes] = []
    size = 0
    with connections[alias].cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for chunk in copy:
            piece.append(bytes(chunk))
            size += len(chunk)
            if size >= COPY_PIECE:
                yield decoder.decode(b"".join(piece))
                piece, size = [], 0
    yield decoder.decode(b"".join(piece), final=True)


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "-"
    base, n = title, 2
    while title.lower() in taken:
        title = f"{base[:28]}-{n}"
        n += 1
    taken.add(title.lower())
    return title


def write_xlsx(tables: list[tuple[str, dict, dict]], week: IsoWeek, target, *, closed=None) -> None:
    """A sheet per scope (all teams first, then each team) and the definitions on a sheet of their own.

    A closed week (reports.closing) says on every sheet when it closed, and adds what changed since.
    """
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()

    def header(sheet, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    for index, (scope, current, before) in enumerate(tables):
        sheet = book.create_sheet(_sheet_title(scope, taken))
        sheet.append(safe_row([_("Weekly report"), scope, *_closed_note(closed)]))
        since = [_("Since closing")] if closed is not None and closed.since else []
        header(sheet, [_("Figure"), week.label, week.previous().label, _("Unit"), _("Key"), *since])
        units = unit_labels()
        for figure in FIGURES:
            change = [closed.since[index].get(figure.key)] if since else []
            sheet.append(
                safe_row(
                    [
                        str(figure.label),
                        current[figure.key],
                        before[figure.key],
                        units[figure.unit],
                        figure.key,
                        *change,
                    ]
                )
            )
    definitions = book.create_sheet(_sheet_title(_("Definitions"), taken))
    header(definitions, [_("Figure"), _("Key"), _("How it is counted")])
    for figure in FIGURES:
        definitions.append(safe_row([str(figure.label), figure.key, str(figure.definition)]))
    definitions.append([])
    definitions.append(safe_row([_("Weeks are ISO weeks, Monday 00:00 to Sunday 24:00 in the desk's time zone.")]))
    book.save(target)


def _closed_note(closed) -> list[str]:
    if closed is None:
        return []
    return [_("Figures as they stood when the week closed, %(when)s.") % {"when": closed.when}]


def xlsx_file(tables, week: IsoWeek, *, closed=None):
    """The workbook in a temporary file (deleted when closed), ready to stream."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(tables, week, handle, closed=closed)
    handle.seek(0)
    return handle


def xlsx_bytes(tables, week: IsoWeek, *, closed=None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(tables, week, buffer, closed=closed)
    return buffer.getvalue()
