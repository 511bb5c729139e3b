"""What the follow-ups tell people, written into the outbox (contactcare.outbox), which sends it.

Texts are rendered when the notification is written (in the desk's default
language) so that the sweep that sends them needs nothing but the row. The
notices about broken promises are written by one INSERT … SELECT however many
broke at once, so their texts are put together in SQL from translated
sentences.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Concat, RowNumber
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from contactcare import outbox
from contactcare.models import Notification
from contactcare.queries import count_of
from contacts.models import Customer, Team

from .models import CheckIn, CheckInIs, Handover, HandoverIs, Promise, PromiseIs

User = get_user_model()
DIGEST_ITEMS = 25  # per section; the rest is counted and waits on My day

# Re-exported for one round: reports.services and tests call these by their old names.
dispatch_soon = outbox.dispatch_soon
notification_retry = outbox.retry
notifications_mark_read = outbox.mark_read


def _render(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) from templates/followups/notifications/<template>.txt (`outbox.notice_text`)."""
    return outbox.notice_text(f"followups/notifications/{template}.txt", context)


def _customer_link(customer_id: int) -> str:
    return reverse("contacts:customer-detail", args=[customer_id])


def _link_around_id(link: Callable[[int], str]) -> tuple[str, str]:
    """What a link has before and after its id ("/customers/", "/"), for SQL to put each row's id between."""
    one, two = link(1), link(2)
    at = next(i for i, (a, b) in enumerate(zip(one, two, strict=True)) if a != b)  # where the one-digit id is
    return one[:at], one[at + 1 :]


def promise_assigned(*, promise: Promise) -> None:
    """Tell a colleague that a promise is now theirs (once per person and promise)."""
    subject, body = _render("promise_assigned", {"promise": promise})
    outbox.enqueue(
        [
            Notification(
                recipient=promise.owner,
                kind=Notification.Kind.PROMISE_ASSIGNED,
                key=f"promise:{promise.pk}",
                subject=subject,
                body=body,
                link=promise.get_absolute_url(),  # My day for a callback to an unknown number
                next_attempt_at=timezone.now(),
            )
        ]
    )


PROMISE_KEY = "promise:"  # a broken-promise notice's key: "promise:<the promise's id>"


def handover_received(*, handover) -> None:
    """Tell the receiver of a handover, with its note: the colleague, or each active member and the lead of the
    team (not the one who handed over). Once per person and handover; links to the customer page."""
    if handover.to_user_id is not None:
        recipients = [handover.to_user] if handover.to_user.is_active else []
    else:
        recipients = list(
            User.objects.filter(Q(teams=handover.to_team) | Q(led_teams=handover.to_team), is_active=True).distinct()
        )
    subject, body = _render("handover_received", {"handover": handover})
    outbox.enqueue(
        Notification(
            recipient=person,
            kind=Notification.Kind.HANDOVER,
            key=f"handover:{handover.pk}",
            subject=subject,
            body=body,
            link=handover.get_absolute_url(),
            next_attempt_at=timezone.now(),
        )
        for person in recipients
        if person.pk != handover.from_user_id
    )


def handovers_waiting(*, handovers: QuerySet, now: datetime) -> int:
    """Tell the lead of each handover's receiving team that `handovers` wait too long, once each (the notices'
    unique key); returns how many notices were written. One query reads the handovers whose active lead has not
    had the notice yet, one INSERT writes the notices: constant, however many wait. (Two runs at once may both
    count a notice; the key still writes it once.)"""
    told = Notification.objects.filter(
        recipient_id=OuterRef("team__lead_id"),
        kind=Notification.Kind.HANDOVER_WAITING,
        key=Concat(Value("handover:"), Cast(OuterRef("pk"), output_field=CharField())),
    )
    waiting = (
        handovers.filter(team__lead__is_active=True)
        .exclude(Exists(told))
        .select_related("customer", "from_user", "to_user", "to_team", "team")
        .order_by("pk")
    )
    rows = []
    for handover in waiting:
        subject, body = _render("handover_waiting", {"handover": handover})
        rows.append(
            Notification(
                recipient_id=handover.team.lead_id,
                kind=Notification.Kind.HANDOVER_WAITING,
                key=f"handover:{handover.pk}",
                subject=subject,
                body=body,
                link=handover.get_absolute_url(),
                next_attempt_at=now,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        outbox.dispatch_soon()
    return len(rows)


def _broken_texts() -> dict[str, str]:
    """The sentences of a broken-promise notice, translated, with %(…)s where SQL puts the row's values.

    A callback (a missed call not called back in time) has its own: it may be for an unknown number
    (%(customer)s is then the number) and in the team's queue (nobody's: the team lead is told). So has a
    reply-by promise (an inbound e-mail not answered in time).
    """
    with translation.override(settings.LANGUAGE_CODE):
        callback_next = "\n\n" + gettext("Call back now, and log the call: logging it keeps the callback.")
        reply_next = "\n\n" + gettext("Reply now, on any channel, and log it: logging the reply keeps the promise.")
        return {
            "subject": gettext("Promise broken: %(customer)s"),
            "body": gettext(
                "The promise “%(description)s” to %(customer)s has not been kept in time. It is %(owner)s's promise."
            )
            + "\n\n"
            + gettext("Keep it now, or call the customer to say when it will happen."),
            "callback_subject": gettext("Callback not made: %(customer)s"),
            "callback_body": gettext(
                "%(customer)s called and nobody answered; the call back has not been made in time. "
                "It is %(owner)s's callback."
            )
            + callback_next,
            "callback_queue_body": gettext(
                "%(customer)s called and nobody answered; the call back has not been made in time. "
                "It waits in the team's queue."
            )
            + callback_next,
            # A reply-by promise (issue 13): the customer was told by when they would hear from us.
            "reply_subject": gettext("Reply overdue: %(customer)s"),
            "reply_body": gettext(
                "%(customer)s was promised a reply (“%(description)s”) and has not had it in time. "
                "It is %(owner)s's reply."
            )
            + reply_next,
            "reply_queue_body": gettext(
                "%(customer)s was promised a reply (“%(description)s”) and has not had it in time. "
                "It waits in the team's queue."
            )
            + reply_next,
        }


def _broken_text_one_sql(template: str) -> str:
    """REPLACE(REPLACE(…, '%(customer)s', c.full_name), …): one sentence with the row's values put in."""
    sql = "CAST(%s AS TEXT)"
    for placeholder, column in (
        ("%(customer)s", "COALESCE(c.full_name, p.number)"),  # a callback to an unknown number: the number
        ("%(description)s", "p.description"),
        ("%(owner)s", "p.owner_name"),
    ):
        if placeholder in template:
            literal = placeholder.replace("%", "%%")  # a literal % in SQL that also takes parameters
            sql = f"REPLACE({sql}, '{literal}', {column})"
    return sql


def _broken_text_sql(texts: dict[str, str], part: str) -> tuple[str, list[str]]:
    """The SQL of a notice's subject or body for each row (a promise, or a callback owned or queued), and its
    parameters in order."""
    if part == "subject":
        cases = [("p.kind = 'callback'", texts["callback_subject"]), ("p.kind = 'reply'", texts["reply_subject"])]
    else:
        cases = [
            ("p.kind = 'callback' AND p.owner_id IS NULL", texts["callback_queue_body"]),
            ("p.kind = 'callback'", texts["callback_body"]),
            ("p.kind = 'reply' AND p.owner_id IS NULL", texts["reply_queue_body"]),
            ("p.kind = 'reply'", texts["reply_body"]),
        ]
    whens = " ".join(f"WHEN {condition} THEN {_broken_text_one_sql(text)}" for condition, text in cases)
    return f"CASE {whens} ELSE {_broken_text_one_sql(texts[part])} END", [*(t for _, t in cases), texts[part]]


def _broken_link_sql() -> tuple[str, list[str]]:
    """A broken notice's link: the customer's page, or My day for a callback to an unknown number."""
    link_before, link_after = _link_around_id(_customer_link)
    return (
        "CASE WHEN p.customer_id IS NULL THEN CAST(%s AS TEXT) "
        "ELSE CAST(%s AS TEXT) || CAST(p.customer_id AS TEXT) || CAST(%s AS TEXT) END",
        [reverse("followups:my-day"), link_before, link_after],
    )


def _broken_notices_sql(candidates_sql: str, texts: dict[str, str], *, on_conflict: bool = True) -> tuple[str, list]:
    """INSERT … SELECT of one notice per promise in `candidates` (see `_candidates_sql`), RETURNING its key.

    The texts are put together in SQL from the translated sentences. Only active people. With `on_conflict`,
    ON CONFLICT DO NOTHING on (recipient, kind, key) keeps a promise to one notice per person however often
    it is swept; without it the caller has left out the promises noticed already, and a notice written
    meanwhile by a second sweep makes the INSERT fail on the same unique key (never a second notice).
    """
    q = connection.ops.quote_name
    (subject_sql, subject_params), (body_sql, body_params) = (_broken_text_sql(texts, p) for p in ("subject", "body"))
    link_sql, link_params = _broken_link_sql()
    customer, user = (q(model._meta.db_table) for model in (Customer, User))
    sql = f"""INSERT INTO {q(Notification._meta.db_table)}
            (recipient_id, kind, key, subject, body, html_body, link, attachment_name,
             status, attempts, last_error, next_attempt_at, created_at)
        SELECT p.recipient_id, %s, CAST(%s AS TEXT) || CAST(p.id AS TEXT), {subject_sql},
               {body_sql}, '', {link_sql}, '', %s, 0, '', %s, %s
        FROM {candidates_sql} p
        JOIN {user} u ON u.id = p.recipient_id
        LEFT JOIN {customer} c ON c.id = p.customer_id
        WHERE u.is_active
        {"ON CONFLICT DO NOTHING" if on_conflict else ""}
        RETURNING key"""  # noqa: S608 - table names from the models, every value bound
    params = [Notification.Kind.PROMISE_BROKEN, PROMISE_KEY, *subject_params, *body_params, *link_params]
    return sql, params


def _candidates_sql(where: str) -> str:
    """The promises `where` picks (a condition on the promise table's own columns), read once, with what
    their notices need and whom to tell: the owner while active, else the team lead."""
    q = connection.ops.quote_name
    promise, user, team = (q(model._meta.db_table) for model in (Promise, User, Team))
    columns = ", ".join(
        f"{promise}.{name}" for name in ("id", "team_id", "owner_id", "customer_id", "description", "kind", "number")
    )
    # The owner's name is read here, where the owner's row is joined anyway (by hash), not looked up again per
    # notice (a hundred thousand index lookups after an outage).
    return f"""(SELECT {columns}, t.lead_id,
                   CASE WHEN o.is_active THEN {promise}.owner_id ELSE t.lead_id END AS recipient_id,
                   COALESCE(NULLIF(TRIM(o.first_name || ' ' || o.last_name), ''), o.username) AS owner_name
            FROM {promise}
            LEFT JOIN {team} t ON t.id = {promise}.team_id
            LEFT JOIN {user} o ON o.id = {promise}.owner_id
            WHERE {where}
            ORDER BY {promise}.customer_id)"""  # noqa: S608 - table names from the models
    # In customer order: the notices' texts look each customer up by primary key, a hundred thousand of them
    # after an outage; in order, those lookups read neighbouring index and table pages (about a third faster).


def promises_broken(*, promises: QuerySet[Promise], now: datetime) -> int:
    """Tell whom it concerns that the `promises` broke, once; returns how many promises were newly told about.

    - The owner gets a notice per promise (the team lead instead when there is no active owner: a
      callback in the team's queue, a colleague who left), with the customer, the promise and a link.
    - The team lead gets one notice per team and run, "12 promises of Team Noord broke", linking to
      the team board, instead of one per promise (after an outage that would be thousands).

    Set-based however many broke: on PostgreSQL one statement (the promises are picked once, those
    noticed already left out, the rest written by one INSERT … SELECT; see `_promises_broken_told`),
    then one INSERT of the leads' notices. The unique key (recipient, kind, key) makes a second run, or
    a race of two, write nothing more, and only what this run newly wrote is counted for the leads.
    """
    texts = _broken_texts()
    created = outbox.db_value(Notification, "created_at", now)
    if connection.vendor == "postgresql":
        where, where_params = outbox.where_sql(promises)
        told = _promises_broken_told(where, where_params, texts, created)
    else:  # SQLite (the embedded `make run`): no INSERT inside WITH, so the count is made from the keys
        ids = list(promises.order_by().values_list("pk", flat=True))
        if not ids:
            return 0
        picked = outbox.id_set(ids)
        promise = connection.ops.quote_name(Promise._meta.db_table)
        insert_sql, insert_params = _broken_notices_sql(_candidates_sql(f"{promise}.id IN ({picked.sql})"), texts)
        with connection.cursor() as cursor:
            cursor.execute(insert_sql, [*insert_params, Notification.Status.PENDING, created, created, *picked.params])
            keys = [row[0] for row in cursor.fetchall()]
            noticed = [int(key.removeprefix(PROMISE_KEY)) for key in keys]
            counted: dict[tuple, int] = {}
            if noticed:
                picked = outbox.id_set(noticed)
                where = f"{promise}.id IN ({picked.sql})"
                cursor.execute(f"SELECT team_id, lead_id, recipient_id FROM {_candidates_sql(where)} x", picked.params)  # noqa: S608
                for team_id, lead_id, recipient_id in cursor.fetchall():
                    group = (team_id, lead_id, recipient_id == lead_id)
                    counted[group] = counted.get(group, 0) + 1
            told = [(*group, count) for group, count in counted.items()]
    _leads_told(
        {(team_id, lead_id): count for team_id, lead_id, to_lead, count in told if lead_id and not to_lead}, now=now
    )
    marked = sum(row[3] for row in told)
    if marked:
        outbox.dispatch_soon()
    return marked


def _promises_broken_told(where: str, where_params: list, texts: dict[str, str], created) -> list[tuple]:
    """PostgreSQL: write the notices of the promises `where` picks, in one statement; returns
    [(team, lead, whether the lead was told instead of the owner, how many newly told)].

    The promises are picked once; those whose notice exists already are left out first, so that the rest is
    a plain INSERT: ON CONFLICT checks the unique key of each row before writing it and makes a backlog of a
    hundred thousand half as fast again (0.3 s), and nothing conflicts unless a second sweep runs at the same
    moment. Then the unique key refuses the plain INSERT (this savepoint rolls back) and the careful
    statement runs instead: it writes what the other sweep did not, and counts only what it wrote itself,
    from the keys it RETURNs matched to their promises by the id in the key (an integer hash join).
    (Looking every promise up among the notices costs 0.3 s per hundred thousand. Looking up only those
    due before the previous run would save it, but one promise re-dated after it broke would then fail the
    fast statement and pay for both.)
    """
    q = connection.ops.quote_name
    notification, user = q(Notification._meta.db_table), q(User._meta.db_table)
    counted = """SELECT x.team_id, x.lead_id, x.recipient_id IS NOT DISTINCT FROM x.lead_id, count(*)"""
    fresh = f"""(SELECT p.* FROM candidates p JOIN {user} u ON u.id = p.recipient_id
            WHERE u.is_active AND NOT EXISTS (
                SELECT 1 FROM {notification} n
                WHERE n.recipient_id = p.recipient_id AND n.kind = %s AND n.key = CAST(%s AS TEXT) || CAST(p.id AS TEXT)))"""  # noqa: S608, E501
    insert_sql, insert_params = _broken_notices_sql("fresh", texts, on_conflict=False)
    sql = f"""WITH candidates AS MATERIALIZED {_candidates_sql(where)},
        fresh AS MATERIALIZED {fresh},
        noticed AS ({insert_sql})
        {counted} FROM fresh x GROUP BY 1, 2, 3"""
    # (A data-modifying WITH runs to completion whether or not the query reads it.)
    params = [*where_params, Notification.Kind.PROMISE_BROKEN, PROMISE_KEY, *insert_params]
    params += [Notification.Status.PENDING, created, created]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    except IntegrityError:  # a second sweep wrote some of these notices meanwhile
        pass
    insert_sql, insert_params = _broken_notices_sql("candidates", texts)
    sql = f"""WITH candidates AS MATERIALIZED {_candidates_sql(where)},
        noticed AS ({insert_sql})
        {counted} FROM noticed n JOIN candidates x ON CAST(SUBSTR(n.key, %s) AS BIGINT) = x.id
        GROUP BY 1, 2, 3"""
    params = [*where_params, *insert_params, Notification.Status.PENDING, created, created, len(PROMISE_KEY) + 1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _leads_told(counts: dict[tuple[int, int], int], *, now: datetime) -> None:
    """One notice per team lead and team for this run: how many of the team's promises broke, and where."""
    if not counts:
        return
    teams = Team.objects.in_bulk([team_id for team_id, _lead in counts])
    leads = User.objects.filter(pk__in=[lead for _team, lead in counts], is_active=True)
    active = set(leads.values_list("pk", flat=True))
    rows = []
    for (team_id, lead_id), count in counts.items():
        if lead_id not in active:
            continue
        subject, body = _render("promises_broken_team", {"count": count, "team": teams[team_id]})
        rows.append(
            Notification(
                recipient_id=lead_id,
                kind=Notification.Kind.PROMISE_BROKEN,
                key=f"team:{team_id}:{now.isoformat()}",
                subject=subject,
                body=body,
                link=reverse("followups:team-board", args=[team_id]),
                next_attempt_at=now,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


# --- The morning digest -----------------------------------------------------------


def _digest_sections(today, now: datetime, end_of_day: datetime, people) -> tuple[dict, dict]:
    """Per person: how many items each section has, and its first DIGEST_ITEMS, in two queries per model."""
    checkins = CheckIn.objects.open().filter(due_date__lte=today, assignee__in=people)
    promises = Promise.objects.open().filter(due_at__lt=end_of_day, owner__in=people)
    counts: dict[int, dict[str, int]] = {}
    for row in checkins.values("assignee_id").annotate(
        overdue=Count("pk", filter=CheckInIs.overdue(today)), due_today=Count("pk", filter=Q(due_date=today))
    ):
        counts.setdefault(row["assignee_id"], {}).update(overdue=row["overdue"], due_today=row["due_today"])
    for row in promises.values("owner_id").annotate(
        broken=Count("pk", filter=PromiseIs.broken(now)), promises=Count("pk", filter=Q(due_at__gte=now))
    ):
        counts.setdefault(row["owner_id"], {}).update(broken=row["broken"], promises=row["promises"])

    # The first DIGEST_ITEMS of each person's section are picked from the items alone, and only those are joined
    # to their customers: joined first, every open item was (after an outage, 108,000 promises: 0.5 s).
    firsts: dict[int, dict[str, list]] = {}
    overdue = CheckInIs.overdue(today)
    first_checkins = (
        checkins.alias(late=Q(overdue))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("assignee_id"), F("late")], order_by=[F("due_date"), F("pk")])
        )
        .filter(rank__lte=DIGEST_ITEMS)
        .values("pk")
    )
    for checkin in (
        CheckIn.objects.filter(pk__in=Subquery(first_checkins))
        .select_related("customer", "promise")
        .order_by("due_date", "pk")
    ):
        section = "overdue" if checkin.due_date < today else "due_today"
        firsts.setdefault(checkin.assignee_id, {}).setdefault(section, []).append(checkin)
    first_promises = (
        promises.alias(late=Q(due_at__lt=now))
        .annotate(rank=Window(RowNumber(), partition_by=[F("owner_id"), F("late")], order_by=[F("due_at"), F("pk")]))
        .filter(rank__lte=DIGEST_ITEMS)
        .values("pk")
    )
    for promise in (
        Promise.objects.filter(pk__in=Subquery(first_promises)).select_related("customer").order_by("due_at", "pk")
    ):
        section = "broken" if promise.due_at < now else "promises"
        firsts.setdefault(promise.owner_id, {}).setdefault(section, []).append(promise)
    # The callbacks waiting in each person's teams' queue (My day's "Callbacks for the team"): counted only,
    # the digest links to My day for them. One query, grouped by team member.
    for row in (
        Promise.objects.filter(PromiseIs.in_team_queue(), team__members__in=people)
        .values("team__members")
        .annotate(callbacks=Count("pk", distinct=True))
        .order_by()
    ):
        counts.setdefault(row["team__members"], {}).update(team_callbacks=row["callbacks"])
    # The customers handed over to each person or their teams (My day's "Handed over to you", issue 13): counted
    # only, as HandoverIs.for_user says, in one query; the digest links to My day for them.
    waiting_count = count_of(Handover.objects.filter(HandoverIs.for_user(OuterRef("pk"))))
    for person_id, handovers in (
        people.annotate(handovers=waiting_count).filter(handovers__gt=0).values_list("pk", "handovers")
    ):
        counts.setdefault(person_id, {}).update(handovers=handovers)
    return counts, firsts


def digests_create(*, now: datetime) -> int:
    """Write today's morning digest for everyone with something due, once a day, from DIGEST_TIME on.

    Runs every few minutes: the first run after DIGEST_TIME writes them, a
    later one (after an outage) catches up, and the unique key keeps it to one
    digest per person per day. People with nothing due get no mail. Each
    section shows its count and its first DIGEST_ITEMS items; the digest links
    to My day for the rest, so a body stays small however large the backlog.
    A constant number of queries, however many people and items.
    """
    local_now = timezone.localtime(now)
    today = local_now.date()
    if local_now.time() < time.fromisoformat(settings.DIGEST_TIME):
        return 0
    key = f"digest:{today.isoformat()}"
    people = User.objects.filter(is_active=True).exclude(
        pk__in=Notification.objects.filter(kind=Notification.Kind.DIGEST, key=key).values("recipient_id")
    )
    end_of_day = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    counts, firsts = _digest_sections(today, now, end_of_day, people)
    users = User.objects.in_bulk(list(counts))
    rows = []
    for user_id, numbers in counts.items():
        items = firsts.get(user_id, {})
        sections = {
            name: {"items": items.get(name, []), "count": numbers.get(name, 0)}
            for name in ("overdue", "due_today", "broken", "promises")
        }
        for section in sections.values():
            section["more"] = section["count"] - len(section["items"])
        context = {"user": users[user_id], "today": today, "now": now, **sections}
        extra = {"team_callbacks": numbers.get("team_callbacks", 0), "handovers": numbers.get("handovers", 0)}
        subject, body = _render("digest", {**context, **extra})
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=Notification.Kind.DIGEST,
                key=key,
                subject=subject,
                body=body,
                link=reverse("followups:my-day"),
                next_attempt_at=now,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notifications_dispatch(*, now: datetime) -> int:
    """Send what is due (the outbox does it; the name stays for the callers of one round)."""
    return outbox.dispatch(now=now)
