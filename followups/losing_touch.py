"""Losing touch (issue 14): customers who have heard nothing from us since things went wrong.

"The real art is in the second, third and fourth impression" (the seed article on sincere attention): a team
lead sees the customers whose last contact ended negative, or whose promise broke, and who have heard nothing
since for N days (`DeskSettings.losing_touch_days`), and plans a check-in with one click.

What puts a customer on the list, said once here:

- **a negative last contact**: the customer's newest contact (not deleted; in or out, any channel) ended
  negative (`contacts.models.ended_negative`: sentiment at the end 1 or 2), N or more days ago. A negative
  inbound contact followed by any later contact is off the list: the later one is the last contact. Its team is
  the customer's last contact's team (`Customer.last_contact_team`); who handled it: who logged that contact.
- **a broken promise**: an open promise that broke (`PromiseIs.broken`: open past its due time) N or more days
  ago, made in a contact, to a customer who has had no contact at all since its due time. Its team is the
  promise's team; who handled it: its owner. A promise kept late or cancelled is off the list: it broke, but the
  customer had their answer then. A callback from a missed call that was made in no contact is left out (no
  contact to start a check-in from); the team's callback queue on My day holds those.

Days count in the desk's local calendar: a contact on 1 December is 14 days ago all of 15 December.

At full size both halves are index range scans with a LIMIT, never a scan of every customer: the first on
`customer_negative_idx` / `customer_team_negative_idx` (partial indexes on `Customer.last_contact_sentiment_end`,
kept with `last_contact_at` by contacts.services), the second on `promise_open_due_idx` /
`promise_team_open_idx`. A page is one keyset step of each, newest first, merged: (when, kind, id).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcare.formats import day
from contacts.models import ContactMoment, Customer, Team, ended_negative
from contacts.services import with_actor

from .models import CheckIn, DeskSettings, Promise, PromiseIs
from .planning import DEFAULT_LOSING_TOUCH_DAYS, TOUCH_KIND, kind_label
from .privacy import ERASED_NUMBER_PREFIX

PER_PAGE = 25
CONTACT, PROMISE = "contact", "promise"
_KIND_ORDER = {CONTACT: 0, PROMISE: 1}  # on the same minute, the negative contact before the promise
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_AFTER = re.compile(r"(-?\d{1,18})\.([01])\.(\d{1,18})", re.ASCII)


def losing_touch_days() -> int:
    """The desk's threshold: the managers' setting, else the default (one query)."""
    days = DeskSettings.objects.filter(pk=DeskSettings.SINGLETON).values_list("losing_touch_days", flat=True).first()
    return days or DEFAULT_LOSING_TOUCH_DAYS


def losing_touch_cutoff(*, today: date, days: int) -> datetime:
    """The start of the first local day that is not yet `days` days ago: what happened before it is on the list."""
    return timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), time.min))


@dataclass(frozen=True)
class After:
    """Where a page starts: after the row that happened `at`, of `kind`, with id `pk` (newest first)."""

    at: datetime
    kind: int
    pk: int

    @property
    def text(self) -> str:
        return f"{(self.at - _EPOCH) // timedelta(microseconds=1)}.{self.kind}.{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "After":
        """The `after` a "Next" link carries; ValueError when it is not one."""
        match = _AFTER.fullmatch(text or "")
        if not match:
            raise ValueError(text)
        try:
            at = _EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError as error:
            raise ValueError(text) from error
        return cls(at=at, kind=int(match.group(2)), pk=int(match.group(3)))

    def later_rows(self, *, kind: str, at_field: str) -> Q:
        """The rows of `kind` that come after this one in the list's order (when descending, kind, id descending)."""
        mine = _KIND_ORDER[kind]
        if mine > self.kind:
            return Q(**{f"{at_field}__lte": self.at})
        if mine < self.kind:
            return Q(**{f"{at_field}__lt": self.at})
        return Q(**{f"{at_field}__lt": self.at}) | Q(**{at_field: self.at, "pk__lt": self.pk})


@dataclass
class Row:
    """One reason a customer is losing touch: a negative last contact or a broken promise."""

    kind: str  # CONTACT or PROMISE
    at: datetime  # the contact's time, or the promise's due time (when it broke)
    customer: Customer
    team_id: int | None
    moment: ContactMoment | None = None  # the negative contact, or the contact the promise was made in
    promise: Promise | None = None
    team: Team | None = None
    handled_by: object = None  # who logged the contact, or who owns the promise (None: the team's queue)
    days: int = 0  # local days since it happened
    planned: CheckIn | None = None  # the customer's next open check-in, if one is planned

    @property
    def after(self) -> After:
        return After(at=self.at, kind=_KIND_ORDER[self.kind], pk=(self.promise or self.customer).pk)

    @property
    def is_contact(self) -> bool:
        return self.kind == CONTACT

    @property
    def planned_label(self) -> str:
        return kind_label(self.planned.kind) if self.planned else ""


@dataclass
class LosingTouchPage:
    rows: list[Row]
    days: int  # the threshold the page was read with
    last_day: date  # the latest local day counted: what happened on it or before is on the list
    next_after: str = ""  # the `after` of the next page; empty on the last page


def _negative_contacts(*, teams, cutoff: datetime, after: After | None, customer_id: int | None, limit: int):
    customers = Customer.objects.filter(ended_negative("last_contact_"), last_contact_at__lt=cutoff).exclude(
        customer_number__startswith=ERASED_NUMBER_PREFIX
    )
    if teams is not None:
        customers = customers.filter(last_contact_team__in=teams)
    if customer_id is not None:
        customers = customers.filter(pk=customer_id)
    if after is not None:
        customers = customers.filter(after.later_rows(kind=CONTACT, at_field="last_contact_at"))
    customers = customers.select_related("last_contact_team").order_by("-last_contact_at", "-pk")[:limit]
    return [
        Row(kind=CONTACT, at=c.last_contact_at, customer=c, team_id=c.last_contact_team_id, team=c.last_contact_team)
        for c in customers
    ]


def _broken_promises(*, teams, cutoff: datetime, after: After | None, customer_id: int | None, limit: int):
    # "No contact since its due time": the customer's newest contact is not after it.
    promises = Promise.objects.filter(
        PromiseIs.broken(cutoff), moment__isnull=False, customer__last_contact_at__lte=F("due_at")
    )
    if teams is not None:
        promises = promises.filter(team__in=teams)
    if customer_id is not None:
        promises = promises.filter(customer_id=customer_id)
    if after is not None:
        promises = promises.filter(after.later_rows(kind=PROMISE, at_field="due_at"))
    promises = promises.select_related("customer", "owner", "team", "moment").order_by("-due_at", "-pk")[:limit]
    return [
        Row(
            kind=PROMISE,
            at=p.due_at,
            customer=p.customer,
            team_id=p.team_id,
            team=p.team,
            promise=p,
            moment=p.moment,
            handled_by=p.owner,
        )
        for p in promises
    ]


def _with_contacts(rows: list[Row]) -> None:
    """The negative contact of each contact row, with who logged it: one query for the page."""
    wanted = [row for row in rows if row.is_contact]
    if not wanted:
        return
    which = Q()
    for row in wanted:
        which |= Q(customer_id=row.customer.pk, occurred_at=row.at)
    newest = {}
    # On a tie the higher id is the last contact, as in contacts.services.customer_last_contact_refresh.
    for moment in ContactMoment.objects.alive().filter(which).select_related("logged_by").order_by("-pk"):
        newest.setdefault(moment.customer_id, moment)
    for row in wanted:
        row.moment = newest.get(row.customer.pk)
        row.handled_by = row.moment.logged_by if row.moment else None


def _with_planned(rows: list[Row]) -> None:
    """Each customer's next open check-in, with its assignee: one query for the page."""
    if not rows:
        return
    planned = {}
    customer_ids = {row.customer.pk for row in rows}
    for checkin in CheckIn.objects.open().filter(customer_id__in=customer_ids).select_related("assignee"):
        planned.setdefault(checkin.customer_id, checkin)  # ordered by due date: the next one first
    for row in rows:
        row.planned = planned.get(row.customer.pk)


def losing_touch_rows(
    *, teams, days: int, now: datetime, after: After | None = None, customer_id: int | None = None, limit: int
) -> list[Row]:
    """The list's rows, newest first, at most `limit`: of `teams` (ids; None: every team and none)."""
    cutoff = losing_touch_cutoff(today=timezone.localdate(now), days=days)
    found = [
        *_negative_contacts(teams=teams, cutoff=cutoff, after=after, customer_id=customer_id, limit=limit),
        *_broken_promises(teams=teams, cutoff=cutoff, after=after, customer_id=customer_id, limit=limit),
    ]
    found.sort(key=lambda row: (-row.after.at.timestamp(), row.after.kind, -row.after.pk))
    return found[:limit]


def losing_touch_page(
    *, teams, days: int, now: datetime, after: After | None = None, per_page: int = PER_PAGE
) -> LosingTouchPage:
    """One page of the list, for the page: who handled it and what is planned filled in (constant queries)."""
    rows = losing_touch_rows(teams=teams, days=days, now=now, after=after, limit=per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    _with_contacts(rows)
    _with_planned(rows)
    today = timezone.localdate(now)
    for row in rows:
        row.days = (today - timezone.localdate(row.at)).days
    return LosingTouchPage(
        rows=rows,
        days=days,
        last_day=today - timedelta(days=days),
        next_after=rows[-1].after.text if more else "",
    )


def customer_in_teams(*, customer: Customer, teams) -> bool:
    """Whether a customer is any of `teams`' to plan for: a contact or promise of theirs (None: every team)."""
    if teams is None:
        return True
    return (
        ContactMoment.objects.filter(customer=customer, team__in=teams).exists()
        or Promise.objects.filter(customer=customer, team__in=teams).exists()
    )


def _assignee_for(row: Row, *, actor):
    """Who calls: the person who logged the negative contact or owns the broken promise, while they are active
    and still in that team (a member or its lead); else the team's queue (None). Without a team, that person if
    active, else whoever plans it."""
    person = row.handled_by
    active = person is not None and person.is_active
    if row.team is None:
        return person if active else actor
    if active and (row.team.lead_id == person.pk or row.team.members.filter(pk=person.pk).exists()):
        return person
    return None


@transaction.atomic
def losing_touch_checkin_plan(*, customer: Customer, actor, teams=None, now: datetime | None = None) -> CheckIn:
    """Plan a check-in due today to get back in touch with a customer on the list (of `teams`; None: any team).

    Refused with a message, nothing written, when the customer is no longer on the list (a contact since, the
    promise kept or cancelled: a stale page), or when a check-in is already planned for them (a double click,
    the Back button). The customer's row is locked first, as logging a contact does, so neither can slip in
    between the check and the write.
    """
    now = now or timezone.now()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    name = customer.form_of_address
    rows = losing_touch_rows(teams=teams, days=losing_touch_days(), now=now, customer_id=customer.pk, limit=1)
    if rows and rows[0].is_contact:
        _with_contacts(rows)
    if not rows or rows[0].moment is None:
        raise ValidationError(
            _(
                "%(name)s is no longer losing touch: there was a contact since, or the promise was kept or"
                " cancelled. No check-in was planned."
            )
            % {"name": name},
            code="stale",
        )
    planned = CheckIn.objects.open().filter(customer=customer).select_related("assignee").first()
    if planned is not None:
        raise ValidationError(
            _("A check-in for %(name)s is already planned (%(kind)s, due %(date)s); nothing was added.")
            % {"name": name, "kind": planned.kind_label, "date": day(planned.due_date)},
            code="planned",
        )
    row = rows[0]
    checkin = CheckIn(
        customer=customer,
        origin=row.moment,
        kind=TOUCH_KIND,
        due_date=timezone.localdate(now),
        assignee=_assignee_for(row, actor=actor),
        team_id=row.team_id,
    )
    with_actor(checkin, actor, "losing touch").save()
    return checkin
