"""Keeping the customer informed while a promise is open (issue 13): "even when there is no news".

While a promise made to a customer in a contact (a promise or a reply-by
promise) is open, it has one open keep-informed check-in (kind "update"):
call or write the customer about it. It is due N business days
(`DeskSettings.keep_informed_days`, default 3) after the promise was made,
or after the last update to the customer about it. An update is an outbound
contact to the customer on any channel (`models.update_to_customer`, the one
definition); logging one completes the open keep-informed check-ins of the
promises it is about and plans the next, N business days after it, until
the promise is kept or cancelled (then its open one is superseded). A
skipped one ends the series for its promise: someone decided the customer
needs no more of them.

Planning is set-based (`updates_plan`): one INSERT … SELECT of the
check-ins (and one of their history rows) for every promise in a queryset
that has none open, whatever the number. The services call it for one
customer when a contact is logged (same transaction); the keep-informed
sweep calls it for all open promises, which catches up promises made
before the desk kept customers informed, or while it was switched off.
The writes here are part of `followups.services`' flows and take its actor.
"""

from datetime import date, datetime

from django.db import connection
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber, TruncDate
from django.utils import timezone

from contactcare import outbox
from contacts.models import ContactMoment
from contacts.services import with_actor

from . import planning
from .models import UPDATE_KIND, CheckIn, CheckInIs, Promise, PromiseIs, update_to_customer
from .privacy import ERASED_NUMBER_PREFIX

RECENT_UPDATES = 3  # how many of the latest updates a keep-informed row shows


def updated_by(moment: ContactMoment, path: str = "") -> Q:
    """The promises (with `path` "promise__": the keep-informed check-ins) that `moment` is an update about."""
    customer = OuterRef("customer_id") if not path else OuterRef(f"{path}customer_id")
    return Q(
        Exists(
            ContactMoment.objects.filter(
                update_to_customer(customer=customer, made_at=OuterRef(f"{path}made_at")), pk=moment.pk
            )
        )
    )


def last_update_at() -> Subquery:
    """An annotation of promises: when the customer last had an update about it (None: not since it was made)."""
    updates = ContactMoment.objects.filter(
        update_to_customer(customer=OuterRef("customer_id"), made_at=OuterRef("made_at"))
    )
    return Subquery(updates.order_by("-occurred_at").values("occurred_at")[:1])


# --- Planning -----------------------------------------------------------------------


def _candidates(promises: QuerySet[Promise]) -> QuerySet[Promise]:
    """The open promises of `promises` that keep a customer informed and have no open keep-informed check-in.

    Not those whose series someone ended by skipping one, and none of an erased customer (nobody is to call an
    erased person; a promise that broke before the erasure stays open for the reports).
    """
    open_or_skipped = CheckIn.objects.filter(
        CheckInIs.keep_informed(), promise=OuterRef("pk"), status__in=[CheckIn.Status.OPEN, CheckIn.Status.SKIPPED]
    )
    return (
        promises.filter(PromiseIs.open() & PromiseIs.keeps_informed())
        .filter(customer__isnull=False, moment__isnull=False, made_at__isnull=False)
        .exclude(customer__customer_number__startswith=ERASED_NUMBER_PREFIX)
        .filter(~Exists(open_or_skipped))
    )


def _anchor(zone):
    """The local day the next update counts from: the promise's day, its last update, or the day its last
    keep-informed check-in was done, whichever is latest."""
    made = TruncDate("made_at", tzinfo=zone)
    last_done = CheckIn.objects.filter(CheckInIs.keep_informed(), promise=OuterRef("pk"), status=CheckIn.Status.DONE)
    return Greatest(
        made,
        Coalesce(TruncDate(last_update_at(), tzinfo=zone), made),
        Coalesce(Subquery(last_done.order_by("-done_date").values("done_date")[:1]), made),
        output_field=DateField(),
    )


def updates_plan(*, promises: QuerySet[Promise], actor, now: datetime, desk: planning.Desk | None = None) -> int:
    """Plan the next keep-informed check-in of every open promise of `promises` that has none; returns how many.

    Due `keep_informed_days` business days after the anchor (`_anchor`); a promise whose update was due long
    ago (a catch-up) gets it at that date, overdue at once. Assigned to the promise's owner (the team's queue
    when they left), in its team. Three queries however many: the anchors' distinct days, the check-ins (one
    INSERT … SELECT, whose due dates come from a CASE over those days), their history rows. A unique index
    holds one open keep-informed check-in per promise, so two runs at once plan it once.
    """
    desk = desk or planning.desk()
    days = desk.keep_informed_days
    if not days:
        return 0
    zone = timezone.get_default_timezone()
    anchored = _candidates(promises).annotate(ki_anchor=_anchor(zone))
    anchors = sorted(set(anchored.order_by().values_list("ki_anchor", flat=True).distinct()))
    anchors = [anchor for anchor in anchors if isinstance(anchor, date)]
    if not anchors:
        return 0
    due = Case(
        *[
            When(ki_anchor=anchor, then=Value(planning.keep_informed_due(anchor, days, country=desk.country)))
            for anchor in anchors
        ],
        output_field=DateField(),
    )
    rows = (
        anchored.filter(ki_anchor__in=anchors)
        .annotate(
            ki_customer=F("customer_id"),
            ki_origin=F("moment_id"),
            ki_promise=F("pk"),
            ki_assignee=Case(When(owner__is_active=True, then=F("owner_id")), default=None),
            ki_team=F("team_id"),
            ki_due=due,
        )
        .order_by()
        .values("ki_customer", "ki_origin", "ki_promise", "ki_assignee", "ki_team", "ki_due")
    )
    select_sql, select_params = rows.query.sql_with_params()
    q = connection.ops.quote_name
    table = q(CheckIn._meta.db_table)
    created = connection.ops.adapt_datetimefield_value(now)
    sql = f"""INSERT INTO {table}
            (customer_id, origin_id, promise_id, assignee_id, team_id, kind, due_date, status,
             done_date, closed_at, skip_reason, policy_id, superseded_by_id, done_moment_id, created_at)
        SELECT s.ki_customer, s.ki_origin, s.ki_promise, s.ki_assignee, s.ki_team, %s, s.ki_due, %s,
               NULL, NULL, '', NULL, NULL, NULL, %s
        FROM ({select_sql}) s
        WHERE 1 = 1
        ON CONFLICT DO NOTHING
        RETURNING id"""  # noqa: S608 - table names from the models, every value bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [UPDATE_KIND, CheckIn.Status.OPEN, created, *select_params])
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            _history_planned(cursor, ids=ids, actor=actor, now=now)
    return len(ids)


def _history_planned(cursor, *, ids: list[int], actor, now: datetime) -> None:
    """The "planned" history rows of the check-ins `updates_plan` just wrote (`ids`, from its RETURNING: found
    by primary key, where looking them up by kind and creation time read every check-in there is)."""
    q = connection.ops.quote_name
    table, history = q(CheckIn._meta.db_table), q(CheckIn.history.model._meta.db_table)
    columns = [field.column for field in CheckIn._meta.concrete_fields]
    listed = ", ".join(q(column) for column in columns)
    copied = ", ".join(f"c.{q(column)}" for column in columns)
    created = connection.ops.adapt_datetimefield_value(now)
    planned = outbox.id_set(ids)
    cursor.execute(
        f"""INSERT INTO {history} ({listed}, history_date, history_change_reason, history_type, history_user_id)
        SELECT {copied}, %s, NULL, '+', %s FROM {table} c
        WHERE c.id IN ({planned.sql})""",  # noqa: S608 - names from the models, every value bound
        [created, actor.pk, *planned.params],
    )


# --- Completing and closing -----------------------------------------------------------


def updates_given(*, moment: ContactMoment, actor) -> list[CheckIn]:
    """The open keep-informed check-ins `moment` (an outbound contact) is an update about, marked done by it."""
    if moment.direction != ContactMoment.Direction.OUTBOUND:
        return []
    done = []
    checkins = CheckIn.objects.open().filter(CheckInIs.keep_informed(), updated_by(moment, "promise__"))
    for checkin in checkins.select_for_update(of=("self",)).order_by("pk"):
        checkin.status = CheckIn.Status.DONE
        checkin.done_moment = moment
        checkin.done_date = timezone.localdate(moment.occurred_at)
        checkin.closed_at = timezone.now()
        with_actor(checkin, actor, "done").save(update_fields=["status", "done_moment", "done_date", "closed_at"])
        done.append(checkin)
    return done


def updates_close(*, promise: Promise, actor, at: datetime) -> int:
    """The promise was kept or cancelled at `at`: its open keep-informed check-in is superseded then (no update
    is owed from then on; kept by a contact logged after the fact, that is the contact's time). Closed by its
    due date, it was not needed (`CheckInIs.update_needed`)."""
    closed = 0
    for checkin in CheckIn.objects.open().filter(CheckInIs.keep_informed(), promise=promise).select_for_update():
        checkin.status, checkin.closed_at = CheckIn.Status.SUPERSEDED, at
        with_actor(checkin, actor, "superseded").save(update_fields=["status", "closed_at"])
        closed += 1
    return closed


# --- Reading: the latest updates of keep-informed check-ins ---------------------------


def recent_updates_attach(checkins) -> None:
    """Set `recent_updates` on each keep-informed check-in of `checkins`: its promise's latest updates to the
    customer, newest first, as (when, channel label) pairs. One query, whatever the number of rows."""
    wanted = [checkin for checkin in checkins if checkin.kind == UPDATE_KIND]
    for checkin in wanted:
        checkin.recent_updates = []
    if not wanted:
        return
    by_id = {checkin.pk: checkin for checkin in wanted}
    labels = dict(ContactMoment.Channel.choices)
    rows = (
        ContactMoment.objects.filter(
            update_to_customer(customer=F("customer_id"), made_at=F("customer__checkins__promise__made_at")),
            customer__checkins__in=list(by_id),
        )
        .annotate(
            ki_checkin=F("customer__checkins__id"),
            ki_rank=Window(
                RowNumber(),
                partition_by=[F("customer__checkins__id")],
                order_by=[F("occurred_at").desc(), F("pk").desc()],
            ),
        )
        .filter(ki_rank__lte=RECENT_UPDATES)
        .order_by("-occurred_at", "-pk")
        .values_list("ki_checkin", "occurred_at", "channel")
    )
    for checkin_id, occurred_at, channel in rows:
        by_id[checkin_id].recent_updates.append((occurred_at, labels.get(channel, channel)))
