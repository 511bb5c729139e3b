"""`make bench`: the whole product at a million customers, timed over real HTTP, in one table.

    .venv/bin/python bench/run.py                      # full size (SCALE 1) in database contactcare_bench
    .venv/bin/python bench/run.py --scale 0.01 --db cc_bench_small   # a quick run
    .venv/bin/python bench/run.py --rebuild            # build the dataset again even if it matches

1. The dataset (bench/dataset.py) in a PostgreSQL database of its own: created,
   migrated and built when missing or when it does not match (scale, the migration
   files, the builder); reused otherwise. A marker table says what was built.
2. gunicorn with 2 sync workers, DEBUG=0, production middleware plus the bench's
   SQL counter (bench/settings.py), static files from a manifest as in production.
3. Every page as the person who uses it, logged in through the login form:
   warm-up, then N timed requests each (`--requests`, 30), fewer when a row
   runs out of `--max-seconds` (the table says how many).
4. The sweeps (bench/sweeps.py) in a process of their own, as the worker runs them.
5. One table: p50, p95, queries, SQL time, page ÷ SQL, budget, verdict; JSON with
   the machine (cores, PostgreSQL version and settings) under bench/results/.

Verdicts: p95 within the budget, and the page at most 2× its own SQL (p50 ÷ SQL p50).
A benchmark, not a test: timings stay out of the test suite; query counts stay in it.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BUILDER_VERSION = "2"  # 2: the last CLOSED_WEEKS weeks are closed, as the Monday sweep leaves them
HOST = "127.0.0.1"
CLOSED_WEEKS = 13  # the longest page reads 12 complete weeks (coaching cards); one more for the report's week before
PG = {"host": os.environ.get("PGHOST", "127.0.0.1"), "port": os.environ.get("PGPORT", "5432"),
      "user": os.environ.get("PGUSER", "postgres")}  # fmt: skip
SECRET = "bench-" + uuid.uuid4().hex  # a fresh key per run: nothing to keep secret, nothing to reuse


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def django_env(db: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(db),
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_HTTPS": "0",
        "CELERY_BROKER_URL": "memory://",  # publishing after a commit must not wait for a broker nobody reads
        "LOG_LEVEL": "WARNING",
        **extra,
    }


# --- The database -----------------------------------------------------------------------------------


def fingerprint(scale: float) -> str:
    """What the dataset depends on: its scale, the builder, and every migration file (placeholders get filled)."""
    digest = hashlib.sha256(f"{BUILDER_VERSION}:{scale}".encode())
    digest.update((ROOT / "bench" / "dataset.py").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _admin_connection():
    import psycopg

    return psycopg.connect(dbname="postgres", autocommit=True, **PG)


def database_ready(db: str, wanted: str | None) -> dict | None:
    """The marker of a dataset that matches `wanted` (None: any), or None."""
    import psycopg

    with _admin_connection() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
            return None
    with psycopg.connect(dbname=db, **PG) as conn:
        if not conn.execute("SELECT to_regclass('bench_dataset')").fetchone()[0]:
            return None
        row = conn.execute("SELECT fingerprint, info FROM bench_dataset").fetchone()
    return row[1] if row and (wanted is None or row[0] == wanted) else None


def database_build(db: str, scale: float, wanted: str) -> dict:
    import psycopg
    from django.core.management import CommandError, call_command
    from django.db import connections

    from bench import dataset

    connections.close_all()
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db}"')
    started = time.perf_counter()
    log(f"migrating {db}")
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    log(f"building the dataset at scale {scale:g}")
    info = dataset.build(scale=scale, log=log)
    info["rebuild_failed"] = []
    for command in rebuild_commands():
        log(f"  manage.py {command}")
        step = time.perf_counter()
        try:
            call_command(command)
        except CommandError as error:  # another piece of work, half-way in: say so, the rest still times
            log(f"  manage.py {command} failed: {error}")
            info["rebuild_failed"].append(command)
        info["steps"][f"manage.py {command}"] = round(time.perf_counter() - step, 1)
    step = time.perf_counter()
    info["closed_weeks"] = weeks_close(CLOSED_WEEKS)
    info["steps"]["closed weeks"] = round(time.perf_counter() - step, 1)
    log(f"  closed the last {CLOSED_WEEKS} weeks, as the Monday sweep does: {time.perf_counter() - step:.1f} s")
    connections.close_all()
    info |= {
        "scale": scale,
        "built_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "migrate_seconds": round(migrated - started, 1),
        "build_seconds": round(time.perf_counter() - migrated, 1),
        "rebuild_commands": rebuild_commands(),
    }
    with psycopg.connect(dbname=db, **PG) as conn:
        conn.execute("CREATE TABLE bench_dataset (fingerprint text, info jsonb)")
        conn.execute("INSERT INTO bench_dataset VALUES (%s, %s)", [wanted, json.dumps(info)])
    log(f"dataset built in {info['build_seconds']:.0f} s (+ {info['migrate_seconds']:.0f} s migrate): {info['counts']}")
    return info


def weeks_close(count: int) -> list[str]:
    """Close the last `count` complete weeks as the Monday sweep would have, each at 07:00 on the Monday after
    it: a desk that has run for a while reads its past weeks from their closings (the weekly report of a
    past week, the coaching cards)."""
    from django.utils import timezone

    from contactcare.services import system_user
    from reports.closing import week_close
    from reports.models import ClosedWeek
    from reports.weeks import IsoWeek

    last = IsoWeek.last_complete(timezone.now())
    closed = []
    for week in sorted(last.previous(n) for n in range(count)):
        at = week.end + timedelta(hours=7)
        week_close(week=week, now=at, actor=system_user(), how=ClosedWeek.How.SWEEP)
        closed.append(week.label)
    return closed


def rebuild_commands() -> list[str]:
    """Management commands that rebuild derived tables (the weekly summary): run after the rows are in."""
    found = []
    for path in sorted(ROOT.glob("*/management/commands/*rebuild*.py")):
        if ".venv" not in path.parts:
            found.append(path.stem)
    return found


# --- The machine ------------------------------------------------------------------------------------


def machine(db: str) -> dict:
    import psycopg

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1) if match else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f"{int(match.group(1)) / 1024 / 1024:.1f} GB" if match else ""
    settings = {}
    with psycopg.connect(dbname=db, **PG) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit", "jit_above_cost",
                     "random_page_cost", "max_connections", "maintenance_work_mem"):  # fmt: skip
            settings[name] = conn.execute(f"SHOW {name}").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True)  # fmt: skip
    return {
        "host": socket.gethostname(),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": version,
        "postgresql_settings": settings,
        "database_size": size,
        "git": commit.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
    }


# --- gunicorn ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers against the bench database; its output goes to var/bench/gunicorn.log."""

    def __init__(self, db: str, work: Path, workers: int):
        self.db, self.work, self.workers = db, work, workers
        self.port = free_port()
        self.sql_log = work / "sql.jsonl"
        self.static = ROOT / "var" / "bench" / "static"
        self.process = None

    def env(self) -> dict:
        return django_env(
            self.db,
            DJANGO_SETTINGS_MODULE="bench.settings",
            BENCH_SQL_LOG=str(self.sql_log),
            STATIC_ROOT=str(self.static),
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            SITE_URL=f"http://{HOST}:{self.port}",
        )

    def __enter__(self):
        log("collecting static files (manifest, as in production)")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=self.env(), check=True
        )
        output = open(self.work / "gunicorn.log", "w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:contactcare.gunicorn_conf",
             "contactcare.wsgi:application", "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
             "--worker-class", "sync", "--timeout", "300", "--no-control-socket"],
            cwd=ROOT, env=self.env(), stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        from bench.pages import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                status, *_ = Client(HOST, self.port).request("GET", "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: see {self.work / 'gunicorn.log'}")
            time.sleep(0.3)
        log(f"gunicorn on port {self.port}, {self.workers} sync workers (pid {self.process.pid})")
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- What is timed ----------------------------------------------------------------------------------


def subjects(now) -> dict:
    """Who and what the rows ask for, read from the dataset."""
    from django.db import connection

    from bench import dataset

    people = dataset.staff_at_work(now=now)
    staff = [p for p in people if p["username"].startswith("staff")]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id, t.name, u.username, count(m.user_id) AS members
            FROM contacts_team t JOIN auth_user u ON u.id = t.lead_id
            JOIN contacts_team_members m ON m.team_id = t.id
            GROUP BY t.id, t.name, u.username ORDER BY members DESC, t.id LIMIT 1
            """
        )
        team_id, team_name, team_lead, team_size = cursor.fetchone()
        cursor.execute(
            "SELECT customer_id, count(*) FROM contacts_contactmoment GROUP BY customer_id ORDER BY 2 DESC LIMIT 1"
        )
        heaviest, heaviest_contacts = cursor.fetchone()
        cursor.execute("SELECT max(id) FROM contacts_customer")
        top = cursor.fetchone()[0]
        # Customers as they come to the desk: drawn in proportion to how often they call.
        cursor.execute(
            """
            SELECT c.id, c.customer_number, c.phone, c.email, c.full_name
            FROM (SELECT customer_id FROM contacts_contactmoment
                  WHERE id IN (SELECT (1 + (g * 7919) % (SELECT max(id) FROM contacts_contactmoment))
                               FROM generate_series(1, 60) AS g)) AS s
            JOIN contacts_customer c ON c.id = s.customer_id
            WHERE c.phone <> '' AND c.email <> ''
            ORDER BY c.id LIMIT 30
            """
        )
        sample = cursor.fetchall()
    return {
        "busiest": staff[-1],
        "median": staff[len(staff) // 2],
        "team": {"id": team_id, "name": team_name, "lead": team_lead, "members": team_size},
        "heaviest": {"id": heaviest, "contacts": heaviest_contacts},
        "customers": sample,
        "customer_count": top,
    }


def phone_typed(e164: str) -> str:
    """+31612345678 as a Dutch desk types it: 06 12345678."""
    return "0" + e164[3:4] + " " + e164[4:] if e164.startswith("+316") else "0" + e164[3:]


def rows_for(who: dict, week_days: int = 7):
    from bench.pages import Row, form_fields

    customers = who["customers"]
    ids = [c[0] for c in customers]
    team = who["team"]
    exact = []
    for _, number, phone, email, _ in customers[:10]:
        exact += [number, phone_typed(phone), email]
    names = [name for *_, name in customers[:15]]
    search = "/customers/search/?q="
    log_state = {}

    def log_post(client, i):
        """A contact logged from the customer page: the form as the page filled it; every other one makes a promise."""
        if "fields" not in log_state:
            _, _, body, _ = client.request("GET", f"/customers/{ids[0]}/log/")
            fields = form_fields(body, having="summary")
            topic = re.search(rb'name="topic"[^>]*>.*?<option value="(\d+)"', body, re.DOTALL)
            log_state["fields"] = fields | {"topic": topic.group(1).decode() if topic else ""}
        data = dict(log_state["fields"])
        data |= {"summary": f"Bench: klant belde over de factuur ({i})", "submission_key": str(uuid.uuid4())}
        if i % 2:
            due = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0)  # a desk time, whatever the zone
            data |= {
                "promises-TOTAL_FORMS": "1",
                "promises-INITIAL_FORMS": "0",
                "promises-0-description": "Bel terug met de datum van de monteur",
                "promises-0-due_at": due.strftime("%d-%m-%Y %H:%M"),
                "promises-0-owner": str(who["desk_user_id"]),
            }
        return f"/customers/{ids[i % len(ids)]}/log/", data

    return [
        # What every page pays before its own work (bench/urls.py): no page's ÷SQL can be better than these.
        Row("floor: a request that does nothing (session, user)", None, "desk", ["/bench/floor/"]),
        Row("floor: an empty page in the layout (top bar, menus)", None, "desk", ["/bench/floor/layout/"]),
        Row("search, 2 letters (ja, de, va …)", 50, "desk",
            [search + q for q in ["ja", "de", "va", "bo", "ke", "ma"]], htmx=True),
        Row("search, 4 letters (jans, berg, vrie …)", 50, "desk",
            [search + q for q in ["jans", "berg", "vrie", "dijk", "bakk", "viss", "meij", "hoek"]], htmx=True),
        Row("search, first and last name", 50, "desk", [search + quote(n) for n in names], htmx=True),
        Row("search, exact number / phone / e-mail", 50, "desk", [search + quote(q) for q in exact], htmx=True),
        Row("search, results page (Enter), 4 letters", 50, "desk",
            [search + q for q in ["jans", "berg", "vrie", "dijk"]]),
        Row("customer page (as they call)", 80, "desk", [f"/customers/{i}/" for i in ids]),
        Row(f"customer page, heaviest ({who['heaviest']['contacts']:,} contacts)", 80, "desk",
            [f"/customers/{who['heaviest']['id']}/"]),
        Row("customer page's follow-up panel (htmx slot)", 80, "desk",
            [f"/customers/{i}/followups/" for i in ids], htmx=True),
        Row("log a contact: the form", 100, "desk", [f"/customers/{i}/log/" for i in ids]),
        Row("log a contact: save (every other one with a promise)", 100, "desk", [], post=log_post, expect=302),
        Row(f"My day, busiest ({who['busiest']['items']} items)", 100, "busiest", ["/my-day/"]),
        Row(f"My day, median person ({who['median']['items']} items)", 100, "median", ["/my-day/"]),
        Row(f"team board, largest team ({team['members']} people)", 150, "lead", [f"/teams/{team['id']}/"]),
        Row("losing touch, all teams (issue 14)", 150, "manager", ["/teams/losing-touch/"]),
        Row("losing touch, one team", 150, "manager", [f"/teams/losing-touch/?team={team['id']}"]),
        Row("losing touch, the lead's teams", 150, "lead", ["/teams/losing-touch/"]),
        Row(f"coaching cards, largest team, 4 and 12 weeks ({team['members']} people)", 500, "lead",
            [f"/coaching/cards/?team={team['id']}"]),
        Row("my coaching card, busiest", 300, "busiest", ["/coaching/my-card/"]),
        Row("say you see it, largest team", 300, "lead", [f"/coaching/say-you-see-it/?team={team['id']}"]),
        Row("weekly report, all teams", 500, "manager", ["/reports/weekly/"]),
        Row("weekly report, one team", 500, "manager", [f"/reports/weekly/?team={team['id']}"]),
        Row("where it chafes, all teams, 12 weeks", 500, "manager", ["/reports/chafes/?weeks=12"]),
        Row("where it chafes, one team, 4 weeks", 500, "manager", [f"/reports/chafes/?weeks=4&team={team['id']}"]),
        Row("where it chafes: repeat contacts by phone, 12 weeks", 300, "manager",
            ["/reports/chafes/contacts/?figure=repeat&channel=phone&weeks=12",
             "/reports/chafes/contacts/?figure=repeat&channel=phone&weeks=12&page=5"]),
        Row("where it chafes: broken promises' contacts, 12 weeks", 300, "manager",
            ["/reports/chafes/contacts/?figure=broken&weeks=12"]),
        Row("customer list, by name", 100, "desk", ["/customers/"]),
        Row("customer list, newest contact first", 100, "desk", ["/customers/?sort=last_contact"]),
        Row("customer list, one team, newest first", 100, "desk", [f"/customers/?team={team['id']}&sort=last_contact"]),
        Row("customer list, with open promises", 100, "desk", ["/customers/?open_promises=on"]),
        Row("customer list, with overdue check-ins", 100, "desk", ["/customers/?overdue_checkins=on"]),
        Row("customer list, next page", 100, "desk", ["NEXT_PAGE"]),
        Row("weekly report CSV, all teams", 500, "manager", ["/reports/weekly.csv"], ratio=False),
        Row("weekly report XLSX, all teams", 500, "manager", ["/reports/weekly.xlsx"], ratio=False),
        Row("contacts CSV of a week, all teams", None, "manager", ["/reports/contacts.csv"], export="csv",
            ratio=False, min_rows_per_s=50_000),
    ]  # fmt: skip


def run_pages(server: Server, who: dict, args) -> list[dict]:
    from bench import dataset
    from bench.pages import Client, RssSampler, time_row

    logins = {
        "desk": who["median"]["username"],
        "median": who["median"]["username"],
        "busiest": who["busiest"]["username"],
        "lead": who["team"]["lead"],
        "manager": "manager1",
    }
    clients = {}
    for role, username in logins.items():
        clients[role] = Client(HOST, server.port)
        clients[role].login(username, dataset.PASSWORD)
    sampler = RssSampler(server.process.pid)
    results = []
    for row in rows_for(who):
        if args.only and not re.search(args.only, row.name, re.IGNORECASE):
            continue
        if row.paths == ["NEXT_PAGE"]:
            _, _, body, _ = clients["desk"].request("GET", "/customers/")
            match = re.search(rb'href="(\?[^"]*after=[^"]+)"', body)
            if not match:
                continue
            row.paths = ["/customers/" + match.group(1).decode().replace("&amp;", "&")]
        result = time_row(row, clients, requests=args.requests, warmup=args.warmup, max_seconds=args.max_seconds,
                          sql_log=server.sql_log, sampler=sampler)  # fmt: skip
        results.append(result)
        log(f"{row.name:<56} p50 {result['p50_ms']} p95 {result['p95_ms']} ms, {result['queries']} queries, "
            f"SQL {result['sql_ms']} ms (n={result['n']}) {result['verdict']} "
            f"{' '.join(result['errors'])}")  # fmt: skip
    return results


def explain(results: list[dict]) -> None:
    """EXPLAIN ANALYZE the slowest statement of every page over budget: the plan's first lines go into the JSON."""
    from django.db import connection

    for result in results:
        if result.get("verdict", "ok") == "ok" or not result.get("slowest_sql"):
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = '15s'")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + result["slowest_sql"], result["slowest_params"] or None)
                result["plan"] = [line for (line,) in cursor.fetchall()][:40]
                cursor.execute("RESET statement_timeout")
        except Exception as error:  # noqa: BLE001 - a plan is a help, not a result
            result["plan"] = [f"no plan: {type(error).__name__}: {str(error)[:200]}"]
            connection.close()


def run_sweeps(db: str, backlog: int, max_seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as mail_dir:
        # One statement may not run for ever: past the limit it fails, and the row says so.
        limit = f"-c statement_timeout={round(max_seconds * 2000)}"
        env = django_env(db, DJANGO_SETTINGS_MODULE="bench.settings", BENCH_MAIL_DIR=mail_dir, PGOPTIONS=limit)
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "sweeps.py"), "--backlog", str(backlog), "--max-seconds",
             str(max_seconds)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
    if done.returncode != 0:
        log("the sweeps failed:\n" + done.stderr[-3000:])
        return {"error": done.stderr[-1000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def sweep_rows(sweeps: dict) -> list[dict]:
    stopped = {"seconds": float("inf"), "finished": False, "runs": 0}
    missing = dict.fromkeys(
        ["marked", "notices", "emails", "recipients", "max_per_person", "pending_left", "written", "write_seconds",
         "send_seconds", "largest_body_kb"], 0,
    ) | stopped  # fmt: skip
    if "backlog" not in sweeps:
        return [{"name": "sweeps", "verdict": "over: ERROR", "note": sweeps.get("error", "")[-300:]}]
    backlog = sweeps["backlog"]
    broken, dispatch, digest = (missing | (sweeps.get(part) or {}) for part in ("broken", "dispatch", "digest"))

    def seconds(part):
        return part["seconds"] if part["finished"] else part.get("estimated_seconds") or float("inf")

    def ms(value: float) -> int | None:
        return None if value == float("inf") else round(value * 1000)

    rows = []
    marked = seconds(broken)
    rows.append({
        "name": f"broken promises: {backlog:,} newly broken marked + noticed",
        "p50_ms": ms(marked), "budget_ms": 2000,
        "note": f"{broken['marked']:,} marked, {broken['notices']:,} notices in {broken['runs']} runs"
                + ("" if broken["finished"] else f"; stopped after {broken['seconds']} s, estimate for all"),
        "verdict": "ok" if marked <= 2 else "over: time",
    })  # fmt: skip
    sent = seconds(dispatch)
    over = [] if dispatch["max_per_person"] <= 1 else ["e-mails per person"]
    over += [] if sent <= 60 else ["time"]
    rows.append({
        "name": "…and e-mailed, at most one e-mail per person",
        "p50_ms": ms(sent), "budget_ms": 60_000,
        "note": f"stopped after {dispatch['seconds']} s: {dispatch['error']}" if dispatch.get("error") else
                f"{dispatch['emails']:,} e-mails to {dispatch['recipients']} people (max {dispatch['max_per_person']}"
                f" per person) in {dispatch['runs']} runs"
                + ("" if dispatch["finished"]
                   else f"; {dispatch['pending_left']:,} still pending after {dispatch['seconds']} s"),
        "verdict": "over: " + ", ".join(over) if over else "ok",
    })  # fmt: skip
    rows.append({
        "name": "morning digest, all staff (written + sent)",
        "p50_ms": ms(digest["seconds"]), "budget_ms": 2000,
        "note": f"{digest['written']} digests ({digest['write_seconds']} s) and {digest['emails']} e-mails "
                f"({digest['send_seconds']} s); largest body {digest['largest_body_kb']} kB",
        "verdict": "ok" if digest["seconds"] <= 2 and digest["finished"] else "over: time",
    })  # fmt: skip
    if sweeps.get("error"):
        rows.append({"name": "sweeps stopped", "verdict": "over: ERROR", "note": sweeps["error"]})
    return rows


# --- The table --------------------------------------------------------------------------------------


def _fmt(value, digits=0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value == float("inf"):
        return "∞"
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else str(value)


def table(rows: list[dict]) -> str:
    head = ["what", "n", "p50 ms", "p95 ms", "queries", "SQL ms", "page÷SQL", "budget ms", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            r["name"],
            _fmt(r.get("n")),
            _fmt(r.get("p50_ms"), 1 if (r.get("p50_ms") or 0) < 100 else 0),
            _fmt(r.get("p95_ms"), 1 if (r.get("p95_ms") or 0) < 100 else 0),
            _fmt(r.get("queries")),
            _fmt(r.get("sql_ms"), 1),
            _fmt(r.get("page_to_sql"), 1),
            _fmt(r.get("budget_ms")),
            r.get("verdict", ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {r['name']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(lines + (["", *notes] if notes else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE") or 1))
    parser.add_argument("--db", default=os.environ.get("BENCH_DB") or "")
    parser.add_argument("--rebuild", action="store_true", help="build the dataset even if it matches")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="time the dataset that is there even if its fingerprint is stale"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per row: stop timing a slow page after this")
    parser.add_argument("--only", default="", help="only the rows whose name matches this (a regex)")
    parser.add_argument("--no-sweeps", action="store_true")
    parser.add_argument("--sweep-seconds", type=float, default=120.0, help="per sweep phase; then it is stopped")
    parser.add_argument("--no-explain", action="store_true", help="no EXPLAIN of the rows over budget")
    parser.add_argument("--backlog", type=int, default=0, help="newly broken promises (100,000 × scale)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    db = args.db or ("contactcare_bench" if args.scale == 1 else "cc_bench_small")

    os.environ.update(django_env(db))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bench import dataset

    wanted = fingerprint(args.scale)
    info = None if args.rebuild else database_ready(db, None if args.reuse else wanted)
    if info is None:
        info = database_build(db, args.scale, wanted)
    else:
        log(f"reusing the dataset in {db} (built {info.get('built_at')}): {info['counts']}")
    if args.build_only:
        return
    dataset.sweep_backlog_restore()  # an interrupted run's backlog, if any
    with connection.cursor() as cursor:  # the scheduler is up, as in production: no "reminders delayed" banner
        cursor.execute("SELECT to_regclass('contactcare_sweeprun'), to_regclass('followups_sweeprun')")
        table_name = next(t for t in cursor.fetchone() if t)
        for name in ("promises-broken", "notifications-dispatch", "daily-digests", "weekly-report"):
            cursor.execute(
                f"UPDATE {table_name} SET last_started_at = now(), last_finished_at = now() WHERE name = %s",  # noqa: S608
                [name],
            )
            if not cursor.rowcount:
                cursor.execute(
                    f"INSERT INTO {table_name} (name, last_started_at, last_finished_at, last_result, runs)"  # noqa: S608
                    " VALUES (%s, now(), now(), 0, 1)",
                    [name],
                )
    who = subjects(timezone.now())
    who["desk_user_id"] = next(p["id"] for p in dataset.staff_at_work(now=timezone.now())
                               if p["username"] == who["median"]["username"])  # fmt: skip
    host = machine(db)
    connection.close()
    log(f"machine: {host['cores']} cores, PostgreSQL {host['postgresql']}, {host['postgresql_settings']}")

    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("sql.jsonl",):
        (work / stale).unlink(missing_ok=True)
    started = time.perf_counter()
    with Server(db, work, args.workers) as server:
        results = run_pages(server, who, args)
    pages_seconds = time.perf_counter() - started
    host["load_average_after_pages"] = [round(x, 2) for x in os.getloadavg()]
    if not args.no_explain:
        log("EXPLAIN ANALYZE of the slowest statement of each row over budget")
        explain(results)
    sweeps = {}
    if not args.no_sweeps and not args.only:
        backlog = args.backlog or max(1000, round(100_000 * args.scale))
        log(f"sweeps with {backlog:,} newly broken promises")
        sweeps = run_sweeps(db, backlog, args.sweep_seconds)
        try:
            results += sweep_rows(sweeps)
        except (KeyError, TypeError, ValueError) as error:  # the numbers are in the JSON all the same
            results.append({"name": "sweeps", "verdict": "over: ERROR", "note": f"{type(error).__name__}: {error}"})

    text = table(results)
    print()
    print(f"ContactCare at scale {args.scale:g}: {info['counts']}")
    print(f"{host['cores']} cores ({host['cpu']}), {host['memory']}; PostgreSQL {host['postgresql']} "
          f"{host['postgresql_settings']}; gunicorn {args.workers} sync workers, DEBUG=0; "
          f"{args.requests} timed requests per page after {args.warmup} warm-up")  # fmt: skip
    load = host["load_average"][0], host["load_average_after_pages"][0]
    busy = f": busier than its {host['cores']} cores, every time is inflated" if max(load) > host["cores"] else ""
    print(f"load average (1 min) before the pages {load[0]:.1f}, after {load[1]:.1f}{busy}")
    print()
    print(text)
    over = [r["name"] for r in results if r.get("verdict", "ok") != "ok"]
    print()
    print(f"{len(results) - len(over)} of {len(results)} rows within budget" + (f"; over: {len(over)}" if over else ""))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone()
    name = f"{stamp:%Y-%m-%d}-{socket.gethostname().split('.')[0]}" + (
        "" if args.scale == 1 else f"-scale{args.scale:g}"
    )
    report = {
        "when": stamp.isoformat(timespec="seconds"),
        "scale": args.scale,
        "database": db,
        "dataset": info,
        "machine": host,
        "settings": {
            "workers": args.workers,
            "requests": args.requests,
            "warmup": args.warmup,
            "max_seconds_per_row": args.max_seconds,
            "debug": False,
        },
        "subjects": {k: v for k, v in who.items() if k != "customers"},
        "pages_seconds": round(pages_seconds, 1),
        "rows": results,
        "sweeps": sweeps,
        "table": text,
    }
    path = out / f"{name}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    log(f"written {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
