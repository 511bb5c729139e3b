"""ISO weeks in the desk's time zone: Monday 00:00 local up to the next Monday.

Only weeks of the ISO years from the year of `CONTACT_EARLIEST_DATE` up to
LAST_YEAR are supported: there are no contacts before the one and the
calendar (datetime) ends not far after the other, so a week at its edge,
its trend or the week after it would overflow.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

LAST_YEAR = 2100
_LABEL = re.compile(r"^([0-9]{4})-W([0-9]{1,2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def containing(cls, day: date) -> "IsoWeek":
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def first(cls) -> "IsoWeek":
        """The first supported week: week 1 of the year of CONTACT_EARLIEST_DATE."""
        return cls(settings.CONTACT_EARLIEST_DATE.year, 1)

    @classmethod
    def last(cls) -> "IsoWeek":
        """The last supported week: the last week of LAST_YEAR (28 December always falls in it)."""
        return cls.containing(date(LAST_YEAR, 12, 28))

    @classmethod
    def parse(cls, label: str) -> "IsoWeek | None":
        """`"2026-W47"` → IsoWeek(2026, 47); None when it is not a real week, or not a supported one."""
        match = _LABEL.match((label or "").strip().upper())
        if not match:
            return None
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            return None
        week = cls(year, number)
        return week if cls.first() <= week <= cls.last() else None

    @classmethod
    def last_complete(cls, now: datetime) -> "IsoWeek":
        return cls.containing(timezone.localdate(now)).previous()

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        """Monday 00:00 in the desk's time zone (aware)."""
        return timezone.make_aware(datetime.combine(self.monday, time.min))

    @property
    def end(self) -> datetime:
        """The next Monday 00:00, exclusive."""
        return timezone.make_aware(datetime.combine(self.monday + timedelta(weeks=1), time.min))

    @property
    def days(self) -> tuple[date, date]:
        """First and last local date (inclusive)."""
        return self.monday, self.monday + timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def previous(self, weeks: int = 1) -> "IsoWeek":
        """`weeks` weeks earlier, but never before the first supported week (a trend there is shorter)."""
        first = self.first()
        if self <= first:
            return self
        try:
            return max(IsoWeek.containing(self.monday - timedelta(weeks=weeks)), first)
        except OverflowError:  # further back than the calendar goes
            return first

    def following(self) -> "IsoWeek":
        """The week after, but never after the last supported week."""
        if self >= self.last():
            return self
        return IsoWeek.containing(self.monday + timedelta(weeks=1))

    def __str__(self) -> str:
        return self.label
