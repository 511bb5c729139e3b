"""The benchmark's world: a desk with a million customers, built in set-based SQL in a database of its own.

At scale 1 (`SCALE`): 1,000,000 customers, about 5,000,000 contact moments over two
years, about 2,000,000 check-ins and 1,000,000 promises; 60 staff in 6 teams of
different sizes and 2 managers, always (people do not scale). Skewed like a real
desk: most customers have 1-5 contacts, one in a hundred a few dozen, one in
5,000 hundreds to thousands; Dutch surnames with their real frequencies on top
of a long tail; busy and quiet colleagues; open, overdue and broken items in
proportions that fall off with age (a desk closes most of what is old); history
rows for a share of everything, as the app writes them.

Users, teams and roles go through Django (the roles come from `migrate`); every
row after that is INSERT … SELECT with a fixed `setseed`, in a session that
skips foreign-key triggers (the ids are consistent by construction) and with
the bulk tables' secondary indexes dropped and rebuilt afterwards. Only the
columns named here are written: a column someone adds later takes its database
default, or its model default when it has none (`_defaults`); columns the app
derives (search name, last contact, the repeat flag, a promise's contact time)
are filled the way the app fills them when they exist. Then VACUUM ANALYZE and
any `rebuild…` management command (summaries), so the database looks like one
that has been running.
"""

import time
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models
from django.utils import timezone

from contactcare import roles
from contacts.normalize import name_normalize

PASSWORD = "contactcare-demo"  # noqa: S105 - the demo's password: the bench's client logs in with it
TZ = "Europe/Amsterdam"
DAYS = 730  # two years of contacts

# Team name, members (the first leads it). 60 staff in all; sizes differ so that one team is the largest.
TEAMS = [
    ("Team Noord", 16), ("Team Zuid", 12), ("Team Oost", 10), ("Team West", 9), ("Team Midden", 7),
    ("Team Zakelijk", 6),
]  # fmt: skip
MANAGERS = 2
TOPICS = ["Factuur en betaling", "Storing", "Verhuizing", "Contract", "Levering", "Informatie", "Opzeggen"]
TOPIC_WEIGHTS = [24, 22, 10, 14, 12, 12, 6]

FIRST_NAMES = [
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Noah", "Jesse", "Bram", "Thijs", "Luuk", "Ruben", "Sanne",
    "Emma", "Julia", "Sophie", "Lisa", "Anna", "Eva", "Fleur", "Lotte", "Noor", "Tess", "Sara", "Iris", "Femke",
    "Anouk", "Mohammed", "Yusuf", "Fatima", "Aylin", "Priya", "Joost", "Hendrik", "Willem", "Marieke", "Ingrid",
    "Gerrit", "Kees", "Johanna", "Annelies", "Pieter", "Dirk", "Wouter", "Esther", "Ilse", "Marloes", "Jeroen", "Bas",
    "Niels", "Jan", "Maria", "Cornelis", "Hendrika", "Johannes", "Wilhelmina", "Petra", "Monique", "Sandra", "Mark",
    "Dennis", "Linda", "Patrick", "Martijn", "Mirjam", "Karin", "Ellen", "Rob", "Erik", "Henk", "Ria", "Ans", "Tom",
    "Sven", "Lars", "Mila", "Zoë", "Liam", "Julian", "Saar", "Nina", "Roos", "Lieke", "Stijn", "Koen", "Gijs",
    "Hanneke", "Renée", "Chantal", "Özlem", "Mehmet", "Ahmed", "Samira", "Naima", "Jasper", "Tim", "Kevin", "Anke",
]  # fmt: skip
# The commonest Dutch surnames with their approximate number of bearers (thousands): the head of the distribution.
SURNAMES = [
    ("de Jong", 86), ("Jansen", 74), ("de Vries", 72), ("van den Berg", 60), ("van Dijk", 57), ("Bakker", 56),
    ("Janssen", 55), ("Visser", 50), ("Smit", 44), ("Meijer", 42), ("de Boer", 40), ("Mulder", 38), ("de Groot", 37),
    ("Bos", 36), ("Vos", 33), ("Peters", 32), ("Hendriks", 32), ("van Leeuwen", 30), ("Dekker", 29),
    ("Brouwer", 28), ("de Wit", 28), ("Dijkstra", 27), ("Smits", 26), ("de Graaf", 25), ("van der Meer", 25),
    ("van der Linden", 24), ("Kok", 23), ("Jacobs", 23), ("de Haan", 23), ("Vermeulen", 22), ("van den Heuvel", 22),
    ("van der Veen", 21), ("van den Broek", 21), ("de Bruijn", 20), ("de Bruin", 20), ("van der Heijden", 20),
    ("Schouten", 19), ("van Beek", 19), ("Willems", 19), ("van Vliet", 19), ("van de Ven", 18), ("Hoekstra", 18),
    ("Maas", 18), ("Verhoeven", 18), ("Koster", 17), ("van Dam", 17), ("van der Wal", 17), ("Prins", 17),
    ("Blom", 17), ("Huisman", 16), ("Peeters", 16), ("de Jonge", 16), ("Kuipers", 16), ("van Veen", 16),
    ("Post", 16), ("Kuiper", 15), ("Veenstra", 15), ("Kramer", 15), ("van den Brink", 15), ("Scholten", 15),
    ("van Wijk", 15), ("Postma", 15), ("Martens", 14), ("Vink", 14), ("de Ruiter", 14), ("Timmermans", 14),
    ("Groen", 14), ("Gerritsen", 14), ("Jonker", 14), ("van Loon", 14), ("Boer", 13), ("van der Velde", 13),
    ("Willemsen", 13), ("Smeets", 13), ("de Lange", 13), ("de Vos", 13), ("Bosch", 13), ("van Dongen", 13),
    ("Schipper", 13), ("de Koning", 13), ("van der Laan", 12), ("Koning", 12), ("van der Velden", 12),
    ("Driessen", 12), ("van Doorn", 12), ("Hermans", 12), ("Evers", 12), ("van den Bosch", 12),
    ("van der Meulen", 12), ("Hofman", 12), ("Bosman", 12), ("Wolters", 12), ("Sanders", 12), ("van der Horst", 12),
    ("Mol", 11), ("Kuijpers", 11), ("Molenaar", 11), ("van de Pol", 11), ("de Leeuw", 11), ("Verbeek", 11),
    ("Yılmaz", 9), ("Öztürk", 7), ("Kaya", 7), ("Şahin", 6), ("Çelik", 6), ("El Amrani", 5), ("Bouzid", 4),
    ("Nguyen", 4), ("Bennani", 4),
]  # fmt: skip
HEAD_SHARE = 0.16  # the head above covers about this share of people; the rest is the long tail below
TUSSENVOEGSELS = ["van", "de", "van der", "van den", "van de", "ter", "ten", "in 't", "van 't", "den"]
STEMS = [
    "Hoek", "Berg", "Dijk", "Veen", "Broek", "Wal", "Kamp", "Hof", "Bosch", "Molen", "Brink", "Straat", "Haven",
    "Wijk", "Huis", "Zand", "Heuvel", "Beek", "Meer", "Horst", "Velde", "Kerk", "Steen", "Boom", "Water", "Land",
    "Bloem", "Wind", "Kool", "Rood", "Groot", "Klein", "Lang", "Kort", "Wit", "Zwart", "Bakk", "Smeed", "Timmer",
    "Vink", "Haan", "Vos", "Wolf", "Beer", "Kraai", "Zwaan", "Eik", "Linde", "Roos", "Hage", "Holt", "Bree", "Dam",
    "Sluis", "Vaart", "Gracht", "Burg", "Sloot", "Ven", "Donk", "Rijn", "Maas", "Schel", "Wester", "Ooster",
    "Noord", "Zuider", "Hol", "Mol", "Sterk", "Bos", "Jans", "Pieters", "Klaas", "Gerrit", "Hendrik", "Dirk",
    "Willem", "Cornel", "Adri", "Lamb", "Geert", "Harm", "Roel", "Sjoerd", "Wiebe", "Tjeerd", "Folk", "Hiddi",
    "Ypma", "Bouw", "Brou", "Keij", "Kuyp", "Leen", "Rui", "Stap", "Ter", "Ver", "Vree", "Weer", "Zijl",
    "Hamm", "Hein", "Mees", "Nijs", "Pot", "Rijk", "Schaap", "Spaan", "Stok", "Vaan", "Wouter", "Bruin", "Graaf",
    "Jong", "Koe", "Laar", "Meul", "Nieuw", "Oud", "Ploeg", "Raaij", "Schuur", "Tuin", "Veld", "Wey", "Zee",
]  # fmt: skip
SUFFIXES = [
    "", "", "", "stra", "sma", "inga", "ink", "ing", "man", "mans", "sen", "se", "er", "ers", "el", "hout",
    "kamp", "veld", "land", "dijk", "berg", "huis", "meijer", "boom", "hof", "laar", "stein", "ema", "enga",
    "es", "en", "ker", "ert", "ema", "horst", "beek", "broek", "ma",
]  # fmt: skip
SUMMARIES = [
    "Vraag over dubbele afschrijving", "Betalingsregeling besproken", "Factuur uitgelegd",
    "Internet valt 's avonds weg", "Storing gemeld, monteur ingepland", "Modem opnieuw opgestart",
    "Verhuizing doorgegeven per 1e van de maand", "Nieuw adres gecontroleerd",
    "Wil overstappen naar een ander abonnement", "Contractduur nagevraagd", "Pakket niet ontvangen",
    "Levering vertraagd, nieuwe datum gegeven", "Vraag over openingstijden", "Informatie over tarieven gestuurd",
    "Wil opzeggen, reden: te duur", "Opzegging teruggedraaid na aanbod", "Klacht over wachttijd aan de telefoon",
    "Bedankt voor de snelle hulp", "Terugbelverzoek afgehandeld", "Vraag over de jaarafrekening",
]  # fmt: skip
PROMISES = [
    "Bel terug met de datum van de monteur", "Stuur de gecorrigeerde factuur",
    "Laat weten of de terugbetaling is gedaan", "Mail de voorwaarden van het nieuwe abonnement",
    "Controleer of de verhuizing goed is verwerkt", "Bel terug na overleg met de afdeling facturen",
]  # fmt: skip
DETAILS = [
    "Heeft net een baby gekregen", "Belt liefst 's ochtends", "Slechthorend: rustig en duidelijk praten",
    "Spreekt liever Engels", "Is aan het verhuizen", "Werkt in ploegendienst", "Mantelzorger voor haar moeder",
    "Heeft een hond die Bobbie heet",
]  # fmt: skip

# Tables written here in bulk: their secondary indexes are dropped first and rebuilt after.
BULK_TABLES = [
    "contacts_customer", "contacts_contactmoment", "contacts_customerdetail", "followups_checkin",
    "followups_promise", "contacts_historicalcustomer", "contacts_historicalcontactmoment",
    "followups_historicalcheckin", "followups_historicalpromise",
]  # fmt: skip
# Columns some of this session's work adds; filled when they exist.
REPEAT_COLUMN = "is_repeat"
PROMISE_CONTACT_TIME = ["made_at", "moment_occurred_at", "contact_occurred_at", "contact_at", "moment_at"]


def _cumulative(weights: list[float]) -> list[float]:
    """Lower bounds for width_bucket(random(), …): [0, w1, w1+w2, …] / total, one per choice."""
    total, bounds, running = float(sum(weights)), [], 0.0
    for weight in weights:
        bounds.append(running / total)
        running += weight
    return bounds


def _columns(table: str) -> dict[str, tuple[bool, bool]]:
    """{column: (nullable, has a database default)}"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, is_nullable = 'YES', column_default IS NOT NULL OR is_identity = 'YES'"
            " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return {name: (nullable, has_default) for name, nullable, has_default in cursor.fetchall()}


def _model_for(table: str):
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None


def _defaults(table: str, filled: set[str]) -> dict[str, object]:
    """Values for NOT NULL columns without a database default that the builder does not fill: the model's default.

    So that a column another piece of work adds does not break the build; when the
    model has no usable default either, the INSERT fails and says which column.
    """
    model = _model_for(table)
    fields = {f.column: f for f in model._meta.concrete_fields} if model else {}
    values = {}
    for column, (nullable, has_default) in _columns(table).items():
        if column in filled or nullable or has_default:
            continue
        field = fields.get(column)
        if field is None or not (field.has_default() or isinstance(field, models.CharField | models.TextField)):
            continue
        values[column] = field.get_db_prep_save(field.get_default(), connection)
    return values


def insert_select(table: str, fill: dict[str, str], source: str, params: dict | None = None) -> int:
    """INSERT INTO table (columns that exist of `fill`, + model defaults) SELECT their expressions `source`.

    `fill` maps a column to an SQL expression over `source` (the FROM … part of the query).
    Columns the table does not have (yet) are left out.
    """
    existing = _columns(table)
    chosen = {column: expression for column, expression in fill.items() if column in existing}
    extra = _defaults(table, set(chosen))
    params = dict(params or {})
    for n, (column, value) in enumerate(extra.items()):
        params[f"_default_{n}"] = value
        chosen[column] = f"%(_default_{n})s"
    names = ", ".join(f'"{column}"' for column in chosen)
    expressions = ",\n       ".join(chosen.values())
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names})\nSELECT {expressions}\n{source}", params)
        return cursor.rowcount


def _execute(sql: str, params: dict | list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _scalar(sql: str, params: dict | list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


class Step:
    """Prints what is being built and how long it took."""

    def __init__(self, log):
        self.log = log
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def __call__(self, name: str):
        step = self

        class _Timer:
            def __enter__(self):
                self.started = time.perf_counter()
                step.log(f"  {name} …")

            def __exit__(self, *exc):
                seconds = time.perf_counter() - self.started
                step.timings[name] = round(seconds, 1)
                if exc[0] is None:
                    step.log(f"  {name}: {seconds:.1f} s")

        return _Timer()


def build(*, scale: float, log=print) -> dict:
    """Fill the (migrated, empty) bench database. Returns counts and timings."""
    step = Step(log)
    now = timezone.now()
    today = timezone.localdate(now)
    n_customers = max(1000, round(1_000_000 * scale))
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")  # no FK triggers: ids are consistent by construction
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET max_parallel_workers_per_gather = 0")  # one order of random() draws: the same world
        cursor.execute("SET jit = off")
        cursor.execute("SELECT setseed(0.2026)")

    with step("people, teams, topics (Django)"):
        people = _people()
    indexes = _drop_indexes()
    p = {
        "tz": TZ,
        "now": now,
        "today": today,
        "days": DAYS,
        "n": n_customers,
        "first": FIRST_NAMES,
        "head": [name for name, _ in SURNAMES],
        "head_cum": _cumulative([weight for _, weight in SURNAMES]),
        "head_share": HEAD_SHARE,
        "tv": TUSSENVOEGSELS,
        "stems": STEMS,
        "suffixes": SUFFIXES,
        "summaries": SUMMARIES,
        "promises": PROMISES,
        "details": DETAILS,
        "staff": people["staff_ids"],
        "staff_team": people["staff_teams"],
        "staff_cum": _cumulative(people["staff_weights"]),
        "topics": people["topic_ids"],
        "topic_cum": _cumulative(TOPIC_WEIGHTS),
        "policy": people["policy_id"],
        "heavy_every": 5000,
    }
    with step("customers' plan (names, number of contacts)"):
        _customer_plan(p)
    with step("contact moments"):
        _contacts(p)
    with step("customers"):
        _customers(p)
    with step("details to remember"):
        _details(p)
    with step("check-ins"):
        _checkins(p)
    with step("promises"):
        _promises(p)
    with step("notifications already sent"):
        _notifications(p)
    with step("history rows"):
        _history(p)
    with step("sequences"):
        _sequences()
    with step("indexes rebuilt"):
        _create_indexes(indexes)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("DROP TABLE IF EXISTS bench_stage_customer, bench_stage_contact")
    with step("VACUUM ANALYZE"), connection.cursor() as cursor:
        for table in [*BULK_TABLES, "followups_notification", "contactcare_notification"]:
            if _columns(table):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    _check_names()
    counts = {
        "customers": _scalar("SELECT count(*) FROM contacts_customer"),
        "contact_moments": _scalar("SELECT count(*) FROM contacts_contactmoment"),
        "checkins": _scalar("SELECT count(*) FROM followups_checkin"),
        "promises": _scalar("SELECT count(*) FROM followups_promise"),
        "staff": len(people["staff_ids"]),
        "teams": len(TEAMS),
    }
    return {"counts": counts, "steps": step.timings}


# --- People ---------------------------------------------------------------------------------------


def _people() -> dict:
    """60 staff in 6 teams (the first of each leads it) and 2 managers, with the demo's password.

    Busy and quiet colleagues: a contact's author is drawn with these weights, a lead works
    the phone less. The same hash for everyone: hashing 62 passwords would take longer than the rest.
    """
    from contacts.models import Team, Topic
    from followups.models import CheckInPolicy

    User = get_user_model()
    password = make_password(PASSWORD)
    groups = {name: Group.objects.get(name=name) for name in (roles.STAFF, roles.TEAM_LEAD, roles.MANAGER)}
    staff_ids, staff_teams, weights = [], [], []
    n = 0
    for t, (team_name, size) in enumerate(TEAMS):
        team = Team.objects.create(name=team_name)
        for k in range(size):
            n += 1
            first = FIRST_NAMES[(n * 7) % len(FIRST_NAMES)]
            last = SURNAMES[(n * 11) % len(SURNAMES)][0]
            lead = k == 0
            username = f"lead{t + 1}" if lead else f"staff{n:02d}"
            user = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                password=password,
                is_active=True,
            )
            user.groups.add(groups[roles.TEAM_LEAD if lead else roles.STAFF])
            team.members.add(user)
            if lead:
                team.lead = user
                team.save(update_fields=["lead"])
            staff_ids.append(user.pk)
            staff_teams.append(team.pk)
            # A lead logs fewer contacts; colleagues range from quiet to very busy (0.5–1.7).
            weights.append(0.35 if lead else 0.5 + ((n * 37) % 13) / 10)
    for m in range(MANAGERS):
        user = User.objects.create(
            username=f"manager{m + 1}",
            first_name=["Maria", "Hans"][m % 2],
            last_name=["van Dijk", "Bakker"][m % 2],
            email=f"manager{m + 1}@example.com",
            password=password,
            is_active=True,
        )
        user.groups.add(groups[roles.MANAGER])
    topic_ids = [Topic.objects.get_or_create(name=name)[0].pk for name in TOPICS]
    policy = CheckInPolicy.objects.active().order_by("pk").first()
    return {
        "staff_ids": staff_ids,
        "staff_teams": staff_teams,
        "staff_weights": weights,
        "topic_ids": topic_ids,
        "policy_id": policy.pk if policy else None,
    }


# --- Indexes --------------------------------------------------------------------------------------


def _drop_indexes() -> list[str]:
    """Drop the bulk tables' indexes that back no constraint; return their definitions to rebuild them."""
    definitions = []
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = %s
                  AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)
                """,
                [table, table],
            )
            for name, definition in cursor.fetchall():
                definitions.append(definition)
                cursor.execute(f'DROP INDEX "{name}"')
    return definitions


def _create_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for definition in definitions:
            cursor.execute(definition)


def _sequences() -> None:
    """Identity columns continue after the ids written here."""
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            for column in ("id", "history_id"):
                if column in _columns(table):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({column}), 0) + 1, false)"  # noqa: S608
                        f" FROM {table}",
                        [table, column],
                    )


# --- Customers and contacts -----------------------------------------------------------------------


def _customer_plan(p: dict) -> None:
    """One row per customer: name parts and how many contacts they will have had.

    Contacts per customer: one in `heavy_every` has hundreds to a few thousand (a
    company, a complainer), one in a hundred a few dozen, the rest a geometric
    number with mean 4.5 (so about 70 % have 1–5). About 5 per customer in all.
    """
    _execute("DROP TABLE IF EXISTS bench_stage_customer")
    _execute(
        """
        CREATE UNLOGGED TABLE bench_stage_customer AS
        SELECT i, first, surname, n,
               round(random() * 1000)::int AS salt
        FROM (
            SELECT i,
                   (%(first)s::text[])[1 + floor(r_first ^ 1.6 * array_length(%(first)s::text[], 1))::int] AS first,
                   CASE WHEN r_kind < %(head_share)s
                        THEN (%(head)s::text[])[width_bucket(r_sur, %(head_cum)s::float8[])]
                        ELSE CASE WHEN r_pre < 0.22
                                  THEN (%(tv)s::text[])[1 + floor(r_pre / 0.22 * array_length(%(tv)s::text[], 1))::int]
                                       || ' '
                                  ELSE '' END
                             || (%(stems)s::text[])[1 + floor(r_sur * array_length(%(stems)s::text[], 1))::int]
                             || (%(suffixes)s::text[])[1 + floor(r_suf * array_length(%(suffixes)s::text[], 1))::int]
                   END AS surname,
                   CASE WHEN i %% %(heavy_every)s = 1 THEN 200 + floor(r_n ^ 3 * 2800)::int
                        WHEN r_tier < 0.01 THEN 10 + floor(r_n * 50)::int
                        ELSE 1 + floor(ln(1 - r_n) / ln(1 - 0.222))::int
                   END AS n
            FROM (
                SELECT i, random() AS r_first, random() AS r_kind, random() AS r_sur, random() AS r_pre,
                       random() AS r_suf, random() AS r_n, random() AS r_tier
                FROM generate_series(1, %(n)s) AS i
            ) AS r
        ) AS named
        """,
        p,
    )
    _execute("ALTER TABLE bench_stage_customer ADD PRIMARY KEY (i)")


def _contacts(p: dict) -> None:
    """The contact moments: business hours on working days over two years, ids in the order they happened.

    Inbound mostly by phone and e-mail; outcome, sentiment, complaint and the
    closing question in realistic shares; 0.3 % deleted (logged twice). The
    repeat flag, when the column exists, is what the app decides: inbound, alive,
    within REPEAT_CONTACT_WINDOW_DAYS of the customer's previous alive inbound contact.
    """
    from django.conf import settings

    _execute("DROP TABLE IF EXISTS bench_stage_contact")
    _execute(
        """
        CREATE UNLOGGED TABLE bench_stage_contact AS
        SELECT customer_id,
               least(((day + CASE WHEN r_wk < 0.95 THEN
                                 CASE extract(isodow FROM day) WHEN 6 THEN -1 WHEN 7 THEN -2 ELSE 0 END
                             ELSE 0 END)
                      + make_interval(secs => 8 * 3600 + r_time * 10 * 3600)) AT TIME ZONE %(tz)s,
                     %(now)s::timestamptz - interval '10 minutes') AS occurred_at,
               width_bucket(r_staff, %(staff_cum)s::float8[]) AS staff_ix,
               CASE width_bucket(r_channel, ARRAY[0, 0.45, 0.73, 0.85, 0.91, 0.96]::float8[])
                    WHEN 1 THEN 'phone' WHEN 2 THEN 'email' WHEN 3 THEN 'chat' WHEN 4 THEN 'desk'
                    WHEN 5 THEN 'social' ELSE 'letter' END AS channel,
               CASE WHEN r_dir < 0.78 THEN 'in' ELSE 'out' END AS direction,
               width_bucket(r_topic, %(topic_cum)s::float8[]) AS topic_ix,
               1 + floor(r_summary * array_length(%(summaries)s::text[], 1))::int AS summary_ix,
               CASE WHEN r_outcome < 0.62 THEN 'resolved' WHEN r_outcome < 0.90 THEN 'follow_up'
                    ELSE 'transferred' END AS outcome,
               s_start,
               least(5, greatest(1, s_start + width_bucket(r_send, ARRAY[0, 0.08, 0.53, 0.88]::float8[]) - 2))
                   AS s_end,
               r_flags < 0.06 AS is_complaint,
               r_flags > 0.96 AS is_compliment,
               CASE WHEN r_helped < 0.60 THEN true WHEN r_helped < 0.75 THEN false END AS fully_helped,
               r_deleted < 0.003 AS deleted,
               r_created
        FROM (
            SELECT c.i AS customer_id, (%(today)s::date - floor(random() * %(days)s)::int) AS day,
                   random() AS r_wk, random() AS r_time, random() AS r_staff, random() AS r_channel,
                   random() AS r_dir, random() AS r_topic, random() AS r_summary, random() AS r_outcome,
                   width_bucket(random(), ARRAY[0, 0.06, 0.24, 0.70, 0.92]::float8[]) AS s_start,
                   random() AS r_send, random() AS r_flags, random() AS r_helped, random() AS r_deleted,
                   random() AS r_created
            FROM bench_stage_customer c CROSS JOIN LATERAL generate_series(1, c.n) AS g
        ) AS r
        """,
        p,
    )
    p["window"] = settings.REPEAT_CONTACT_WINDOW_DAYS
    insert_select(
        "contacts_contactmoment",
        {
            "id": "id",
            "customer_id": "customer_id",
            "channel": "channel",
            "direction": "direction",
            "occurred_at": "occurred_at",
            "logged_by_id": "(%(staff)s::int[])[staff_ix]",
            "team_id": "(%(staff_team)s::bigint[])[staff_ix]",
            "topic_id": "(%(topics)s::bigint[])[topic_ix]",
            "summary": "(%(summaries)s::text[])[summary_ix]",
            "outcome": "outcome",
            "sentiment_start": "s_start",
            "sentiment_end": "s_end",
            "is_complaint": "is_complaint",
            "is_compliment": "is_compliment",
            "fully_helped": "fully_helped",
            "created_at": "occurred_at + make_interval(secs => r_created * 300)",
            "deleted_at": "CASE WHEN deleted THEN occurred_at + interval '1 hour' END",
            "deleted_by_id": "CASE WHEN deleted THEN (%(staff)s::int[])[staff_ix] END",
            "deletion_reason": "CASE WHEN deleted THEN 'Dubbel gelogd' ELSE '' END",
            REPEAT_COLUMN: """coalesce(direction = 'in' AND NOT deleted
                AND occurred_at - previous_inbound <= make_interval(days => %(window)s), false)""",
        },
        """
        FROM (
            SELECT w.*, row_number() OVER (ORDER BY occurred_at, customer_id) AS id
            FROM (
                SELECT s.*, lag(occurred_at) OVER (PARTITION BY customer_id, direction = 'in' AND NOT deleted
                                                   ORDER BY occurred_at) AS previous_inbound
                FROM bench_stage_contact s
            ) AS w
        ) AS numbered
        """,
        p,
    )


def _customers(p: dict) -> None:
    """Customers with ids 1…N: name, normalised search name, E.164 phone, e-mail, and their newest contact."""
    # name_normalize in SQL for the letters used here (checked against Python afterwards: _check_names).
    search = """trim(regexp_replace(regexp_replace(lower(translate(first || ' ' || surname,
                    'ÖöÜüŞşÇçıËëÏïÉéÈèÓó', 'OoUuSsCciEeIiEeEeOo')), '[^a-z0-9]+', ' ', 'g'), '\\s+', ' ', 'g'))"""
    insert_select(
        "contacts_customer",
        {
            "id": "c.i",
            "customer_number": "'K' || lpad(c.i::text, 7, '0')",
            "full_name": "first || ' ' || surname",
            "preferred_address": """CASE
                WHEN salt < 250 THEN 'mevrouw ' || initcap(left(surname, 1)) || substr(surname, 2)
                WHEN salt < 450 THEN 'meneer ' || initcap(left(surname, 1)) || substr(surname, 2)
                WHEN salt < 700 THEN first ELSE '' END""",
            "phone": """CASE
                WHEN salt < 850
                THEN '+316' || (1 + c.i %% 5)::text || lpad(((c.i::bigint * 7919) %% 10000000)::text, 7, '0')
                WHEN salt < 950 THEN '+3120' || lpad(((c.i::bigint * 104729) %% 10000000)::text, 7, '0')
                ELSE '' END""",
            "email": """CASE WHEN salt %% 10 < 7
                             THEN lower(regexp_replace(first, '[^A-Za-z]', '', 'g')) || '.'
                                  || regexp_replace(lower(translate(surname, 'ÖöÜüŞşÇçı', 'OoUuSsCci')),
                                                    '[^a-z]', '', 'g')
                                  || (c.i %% 1000)::text || '@example.nl'
                             ELSE '' END""",
            "language": "CASE WHEN salt %% 17 = 0 THEN 'en' ELSE 'nl' END",
            "search_name": search,
            "created_at": "coalesce(first_contact, %(now)s::timestamptz) - make_interval(days => salt %% 60)",
            "updated_at": "coalesce(first_contact, %(now)s::timestamptz) - make_interval(days => salt %% 60)",
            "last_contact_at": "last.occurred_at",
            "last_contact_team_id": "last.team_id",
            "last_contact_sentiment_end": "last.sentiment_end",
        },
        """
        FROM bench_stage_customer c
        LEFT JOIN (SELECT customer_id, min(occurred_at) AS first_contact
                   FROM bench_stage_contact GROUP BY customer_id) AS f ON f.customer_id = c.i
        LEFT JOIN (SELECT DISTINCT ON (customer_id) customer_id, occurred_at, team_id, sentiment_end
                   FROM contacts_contactmoment WHERE deleted_at IS NULL
                   ORDER BY customer_id, occurred_at DESC, id DESC) AS last ON last.customer_id = c.i
        ORDER BY c.i
        """,
        p,
    )


def _details(p: dict) -> None:
    insert_select(
        "contacts_customerdetail",
        {
            "customer_id": "i",
            "text": "(%(details)s::text[])[1 + salt %% array_length(%(details)s::text[], 1)]",
            "is_pinned": "salt %% 5 < 2",
            "created_by_id": "(%(staff)s::int[])[1 + salt %% array_length(%(staff)s::int[], 1)]",
            "created_at": "%(now)s::timestamptz - make_interval(days => salt %% 700)",
        },
        "FROM bench_stage_customer WHERE (i * 31 + salt) %% 100 < 15",
        p,
    )


def _names_check_sample() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name, search_name FROM contacts_customer ORDER BY id LIMIT 20000")
        return cursor.fetchall()


def _check_names() -> None:
    """The SQL spelling of search_name must be the app's (contacts.normalize.name_normalize)."""
    wrong = [(full, stored) for full, stored in _names_check_sample() if name_normalize(full) != stored]
    if wrong:
        raise RuntimeError(f"search_name differs from name_normalize for {len(wrong)} names, e.g. {wrong[:3]}")


# --- Follow-ups -----------------------------------------------------------------------------------


def _checkins(p: dict) -> None:
    """Day 3 and week 6 after one inbound contact in four, as the default policy plans them.

    Per customer and kind only the newest can be open (the app's constraint);
    older ones were done, skipped or superseded by the newer contact. The newest
    one, when past due, is still open with a chance that falls with its age
    (25 % in its first week overdue, 0.3 % after four months): that is the
    overdue list. 8 % sit in the team's queue (no assignee).
    """
    insert_select(
        "followups_checkin",
        {
            "id": "row_number() OVER (ORDER BY occurred_at, origin_id, kind)",
            "customer_id": "customer_id",
            "origin_id": "origin_id",
            "policy_id": "%(policy)s",
            "kind": "kind",
            "due_date": "due_date",
            "assignee_id": "CASE WHEN r_assign < 0.92 THEN logged_by_id END",
            "team_id": "team_id",
            "status": "status",
            "done_date": """CASE WHEN status = 'done' THEN greatest(local_day, least(%(today)s::date,
                                CASE WHEN r_done < 0.8 THEN due_date - floor(r_done / 0.8 * 3)::int
                                     ELSE due_date + 1 + floor((r_done - 0.8) / 0.2 * 10)::int END)) END""",
            "closed_at": """CASE status
                WHEN 'done' THEN least(%(now)s::timestamptz, ((greatest(local_day, least(%(today)s::date,
                                CASE WHEN r_done < 0.8 THEN due_date - floor(r_done / 0.8 * 3)::int
                                     ELSE due_date + 1 + floor((r_done - 0.8) / 0.2 * 10)::int END)))
                                + time '11:00') AT TIME ZONE %(tz)s)
                WHEN 'skipped' THEN least(%(now)s::timestamptz, (due_date + time '10:00') AT TIME ZONE %(tz)s)
                WHEN 'superseded' THEN next_at END""",
            "skip_reason": "CASE WHEN status = 'skipped' THEN 'Klant wil niet gebeld worden' ELSE '' END",
            "created_at": "occurred_at",
        },
        """
        FROM (
            SELECT d.*,
                   CASE WHEN newest AND due_date >= %(today)s THEN 'open'
                        WHEN newest AND r_open < CASE WHEN %(today)s - due_date <= 7 THEN 0.25
                                                      WHEN %(today)s - due_date <= 30 THEN 0.08
                                                      WHEN %(today)s - due_date <= 120 THEN 0.02
                                                      ELSE 0.003 END THEN 'open'
                        WHEN NOT newest AND (next_day < due_date OR due_date >= %(today)s) THEN 'superseded'
                        WHEN r_fate < 0.86 THEN 'done'
                        ELSE 'skipped' END AS status
            FROM (
                SELECT o.*,
                       lead(occurred_at) OVER w IS NULL AS newest,
                       (lead(occurred_at) OVER w AT TIME ZONE %(tz)s)::date AS next_day,
                       lead(occurred_at) OVER w AS next_at,
                       random() AS r_open, random() AS r_fate, random() AS r_done, random() AS r_assign
                FROM (
                    SELECT m.id AS origin_id, m.customer_id, m.logged_by_id, m.team_id, m.occurred_at, k.kind,
                           (m.occurred_at AT TIME ZONE %(tz)s)::date AS local_day,
                           (m.occurred_at AT TIME ZONE %(tz)s)::date + CASE k.kind
                               WHEN '3d' THEN CASE extract(isodow FROM m.occurred_at AT TIME ZONE %(tz)s)::int
                                              WHEN 1 THEN 3 WHEN 2 THEN 3 WHEN 6 THEN 4 WHEN 7 THEN 3 ELSE 5 END
                               ELSE CASE extract(isodow FROM m.occurred_at AT TIME ZONE %(tz)s)::int
                                    WHEN 6 THEN 44 WHEN 7 THEN 43 ELSE 42 END
                           END AS due_date
                    FROM contacts_contactmoment m
                    CROSS JOIN (VALUES ('3d'), ('6w')) AS k(kind)
                    WHERE m.direction = 'in' AND m.deleted_at IS NULL AND (m.id * 7 + m.customer_id) %% 100 < 26
                ) AS o
                WINDOW w AS (PARTITION BY customer_id, kind ORDER BY occurred_at, origin_id)
            ) AS d
        ) AS z
        """,
        p,
    )


def _promises(p: dict) -> None:
    """A promise for most contacts that needed a follow-up, due one to five working days later at 17:00.

    Past due: mostly kept on time, some kept late (they broke first), a few
    cancelled; still open (broken, and already noticed by the sweep) with a
    chance that falls with age. Not yet due: open.
    """
    contact_time = dict.fromkeys(PROMISE_CONTACT_TIME, "occurred_at")
    insert_select(
        "followups_promise",
        {
            "id": "row_number() OVER (ORDER BY occurred_at, moment_id)",
            "customer_id": "customer_id",
            "moment_id": "moment_id",
            "description": "(%(promises)s::text[])[1 + floor(r_text * array_length(%(promises)s::text[], 1))::int]",
            "owner_id": "logged_by_id",
            "team_id": "team_id",
            "created_by_id": "logged_by_id",
            "due_at": "due_at",
            "status": "CASE fate WHEN 'open' THEN 'open' WHEN 'broken' THEN 'open' WHEN 'cancelled' THEN 'cancelled'"
            " ELSE 'kept' END",
            "kept_at": """CASE fate
                WHEN 'kept' THEN greatest(occurred_at + interval '5 minutes',
                                          due_at - make_interval(hours => 1 + floor(r_when * 20)::int))
                WHEN 'kept_late' THEN least(%(now)s::timestamptz,
                                            due_at + make_interval(hours => 1 + floor(r_when * 48)::int))
                END""",
            "cancelled_at": "CASE WHEN fate = 'cancelled' THEN greatest(occurred_at, due_at - interval '2 hours') END",
            "cancel_reason": "CASE WHEN fate = 'cancelled' THEN 'Klant heeft het zelf opgelost' ELSE '' END",
            "created_at": "occurred_at",
            **contact_time,
        },
        """
        FROM (
            SELECT d.*,
                   CASE WHEN due_at >= %(now)s THEN 'open'
                        WHEN r_open < CASE WHEN %(now)s::timestamptz - due_at <= interval '7 days' THEN 0.25
                                           WHEN %(now)s::timestamptz - due_at <= interval '30 days' THEN 0.07
                                           WHEN %(now)s::timestamptz - due_at <= interval '120 days' THEN 0.015
                                           ELSE 0.0015 END THEN 'broken'
                        WHEN r_fate < 0.81 THEN 'kept'
                        WHEN r_fate < 0.945 THEN 'kept_late'
                        ELSE 'cancelled' END AS fate
            FROM (
                SELECT m.id AS moment_id, m.customer_id, m.logged_by_id, m.team_id, m.occurred_at,
                       ((m.occurred_at AT TIME ZONE %(tz)s)::date + days
                        + CASE extract(isodow FROM (m.occurred_at AT TIME ZONE %(tz)s)::date + days)::int
                          WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END
                        + time '17:00') AT TIME ZONE %(tz)s AS due_at,
                       r_open, r_fate, r_when, r_text
                FROM (
                    SELECT m.*, (ARRAY[1, 1, 2, 3, 5])[1 + floor(random() * 5)::int] AS days,
                           random() AS r_open, random() AS r_fate, random() AS r_when, random() AS r_text
                    FROM contacts_contactmoment m
                    WHERE m.outcome = 'follow_up' AND m.deleted_at IS NULL AND (m.id * 13 + m.customer_id) %% 100 < 72
                ) AS m
            ) AS d
        ) AS z
        """,
        p,
    )


def _notifications(p: dict) -> None:
    """The in-app list as the sweeps left it: a sent (and mostly read) notice for every promise that broke."""
    model = next((m for m in apps.get_models() if m.__name__ == "Notification"), None)
    if model is None:
        return
    insert_select(
        model._meta.db_table,
        {
            "recipient_id": "owner_id",
            "kind": "'promise_broken'",
            "key": "'promise:' || id",
            "subject": "'Belofte verbroken: ' || description",
            "body": "'De belofte aan de klant is niet op tijd nagekomen.'",
            "html_body": "''",
            "link": "'/customers/' || customer_id || '/'",
            "attachment_name": "''",
            "status": "'sent'",
            "attempts": "1",
            "last_error": "''",
            "next_attempt_at": "broken_at",
            "sent_at": "broken_at + interval '1 minute'",
            "read_at": "CASE WHEN broken_at < %(now)s::timestamptz - interval '3 days'"
            " THEN broken_at + interval '2 hours' END",
            "created_at": "broken_at",
        },
        # when each broke (`Promise.broken_at`: its due time, if it was still open then)
        """FROM (SELECT *, CASE WHEN (status = 'open' AND due_at < %(now)s) OR (status = 'kept' AND kept_at > due_at)
                                THEN due_at END AS broken_at
              FROM followups_promise) AS p
        WHERE broken_at IS NOT NULL ORDER BY broken_at""",
        p,
    )


def _history(p: dict) -> None:
    """History rows for a share of everything, as simple_history writes them ('+' on create, '~' on change).

    Customers 25 % (the rest came from the old system), contacts 10 %, check-ins 15 %
    (3 % rescheduled once more), promises 20 % (plus a '~' when kept or cancelled).
    """
    shares = [
        ("contacts_customer", "contacts_historicalcustomer", 25, "NULL", "'+'", "created_at", "NULL"),
        ("contacts_contactmoment", "contacts_historicalcontactmoment", 10, "logged_by_id", "'+'", "created_at", "NULL"),
        ("followups_checkin", "followups_historicalcheckin", 15, "assignee_id", "'+'", "created_at", "NULL"),
        (
            "followups_checkin",
            "followups_historicalcheckin",
            3,
            "assignee_id",
            "'~'",
            "created_at + interval '1 day'",
            "'Klant vroeg om volgende week te bellen'",
        ),
        ("followups_promise", "followups_historicalpromise", 20, "owner_id", "'+'", "created_at", "NULL"),
        (
            "followups_promise",
            "followups_historicalpromise",
            20,
            "owner_id",
            "'~'",
            "coalesce(kept_at, cancelled_at)",
            "NULL",
        ),
    ]
    for table, history, percent, user, kind, when, reason in shares:
        own = _columns(table)
        if not _columns(history):
            continue
        fill = {column: column for column in _columns(history) if column in own}
        fill.update(
            history_date=when,
            history_type=kind,
            history_user_id=user,
            history_change_reason=reason,
        )
        where = f"(id * 17) %% 100 < {percent}"
        if kind == "'~'" and table == "followups_promise":
            where += " AND status IN ('kept', 'cancelled')"
        insert_select(history, fill, f"FROM {table} WHERE {where} ORDER BY id", p)


SWEEP_BACKLOG_SPREAD = timedelta(minutes=4005)  # the newly broken promises fell due over the last ~2.8 days


def sweep_backlog_prepare(*, count: int, now: datetime) -> int:
    """Make `count` promises newly broken: open, due in the last three days, not yet noticed.

    Their rows are saved first (bench_sweep_saved) and put back by `sweep_backlog_restore`.
    Taken from the newest promises kept on time (never broken, so never noticed), so their owners are
    everyone who works.
    """
    sweep_backlog_restore()
    _execute(
        """
        CREATE TABLE bench_sweep_saved AS
        SELECT id, status, due_at, kept_at FROM followups_promise
        WHERE status = 'kept' AND kept_at <= due_at ORDER BY id DESC LIMIT %s
        """,
        [count],
    )
    return _execute(
        """
        UPDATE followups_promise p SET status = 'open', kept_at = NULL,
               due_at = %s::timestamptz - make_interval(mins => 5 + (p.id %% %s)::int)
        FROM bench_sweep_saved s WHERE s.id = p.id
        """,
        [now, SWEEP_BACKLOG_SPREAD // timedelta(minutes=1) - 5],
    )


def sweep_backlog_restore() -> None:
    if _scalar("SELECT to_regclass('bench_sweep_saved') IS NOT NULL"):
        _execute(
            """
            UPDATE followups_promise p SET status = s.status, due_at = s.due_at, kept_at = s.kept_at
            FROM bench_sweep_saved s WHERE s.id = p.id
            """
        )
        _execute("DROP TABLE bench_sweep_saved")


def staff_at_work(*, now: datetime) -> list[dict]:
    """Per staff member: the items My day lists (own check-ins due today or overdue, own promises due by tonight)."""
    today = timezone.localdate(now)
    end_of_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT u.id, u.username,
                   (SELECT count(*) FROM followups_checkin c
                    WHERE c.assignee_id = u.id AND c.status = 'open' AND c.due_date <= %s)
                 + (SELECT count(*) FROM followups_promise p
                    WHERE p.owner_id = u.id AND p.status = 'open' AND p.due_at < %s) AS items
            FROM auth_user u WHERE u.username LIKE 'staff%%' OR u.username LIKE 'lead%%'
            ORDER BY items, u.id
            """,
            [today, end_of_today],
        )
        return [{"id": pk, "username": name, "items": items} for pk, name, items in cursor.fetchall()]
