"""ISO weeks in the desk's time zone: Monday 00:00 local up to the next Monday."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_LABEL = re.compile(r"^(\d{4})-W(\d{1,2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def containing(cls, day: date) -> "IsoWeek":
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, label: str) -> "IsoWeek | None":
        """`"2026-W47"` → IsoWeek(2026, 47); None when it is not a real week."""
        match = _LABEL.match((label or "").strip().upper())
        if not match:
            return None
        try:
            date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

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
        return self.following().start

    @property
    def days(self) -> tuple[date, date]:
        """First and last local date (inclusive)."""
        return self.monday, self.monday + timedelta(days=6)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def previous(self, weeks: int = 1) -> "IsoWeek":
        return IsoWeek.containing(self.monday - timedelta(weeks=weeks))

    def following(self) -> "IsoWeek":
        return IsoWeek.containing(self.monday + timedelta(weeks=1))

    def __str__(self) -> str:
        return self.label
