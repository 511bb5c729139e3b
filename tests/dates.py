"""Dates that do not depend on the weekday the suite happens to run on.

Rescheduling to a weekend or public holiday asks for confirmation, so a test
that reschedules "tomorrow" or "in two days" passes on a Tuesday and fails on
a Friday. These helpers give the first business day at or after the offset.
"""

from datetime import date, timedelta

from django.utils import timezone

from followups.planning import next_business_day


def business_day_ahead(days: int, country: str = "NL") -> date:
    return next_business_day(timezone.localdate() + timedelta(days=days), country)
