"""Benchmark: customer search with many customers on PostgreSQL.

Fills a database of its own with N customers (names, normalised phones,
e-mail addresses, numbers) and a contact for every fifth of them, then times
the search the top bar runs, for each kind of query, and prints the query
plan's index use. A benchmark, not a test: timings depend on the machine.

    createdb -h 127.0.0.1 -U postgres contactcare_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactcare_bench \\
        .venv/bin/python bench/search.py --customers 1000000

(`make bench` does exactly this.) Filling is idempotent: a second run reuses the rows.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from contacts.selectors import customer_search  # noqa: E402

FIRST = ["daan", "sem", "lucas", "levi", "finn", "milan", "noah", "jesse", "bram", "thijs",
         "sanne", "emma", "julia", "sophie", "lisa", "anna", "eva", "fleur", "lotte", "noor"]  # fmt: skip
LAST = ["jong", "jansen", "vries", "berg", "dijk", "bakker", "janssen", "visser", "smit",
        "meijer", "boer", "mulder", "groot", "bos", "vos", "peters", "hendriks", "dekker"]  # fmt: skip
QUERIES = {
    "name fragment (4 letters)": "jans",
    "first and last name": "lotte de vries",
    "surname first": "vries lotte",
    "typo": "jansn",
    "rare fragment": "ulder",
    "phone, 06 spelling": "06 1004 2424",
    "phone, +31 spelling": "+31 6 1004 2424",
    "phone, last digits": "1004 2424",
    "e-mail address": "c42424@example.com",
    "customer number": "B00042424",
    "no hit": "qqxz",
}


def fill(customers: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_customer WHERE customer_number LIKE 'B%%'")
        have = cursor.fetchone()[0]
        if have >= customers:
            print(f"{have} bench customers present")
            return
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO contacts_customer
                (customer_number, full_name, preferred_address, phone, email, language, search_name,
                 created_at, updated_at)
            SELECT 'B' || lpad(i::text, 8, '0'),
                   initcap(f) || ' de ' || initcap(l), '', '+316' || (10000000 + i)::text,
                   'c' || i || '@example.com', 'nl', f || ' de ' || l, now(), now()
            FROM generate_series(%s + 1, %s) AS i,
                 LATERAL (SELECT (%s::text[])[1 + i %% %s] AS f, (%s::text[])[1 + (i / %s) %% %s] AS l) AS names
            """,
            [have, customers, FIRST, len(FIRST), LAST, len(FIRST), len(LAST)],
        )
        cursor.execute(
            "INSERT INTO auth_user (username, password, first_name, last_name, email, is_staff, is_superuser,"
            " is_active, date_joined) VALUES ('bench', '!', 'Bench', 'User', '', false, false, true, now())"
            " ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            """
            INSERT INTO contacts_contactmoment
                (customer_id, channel, direction, occurred_at, logged_by_id, summary, outcome,
                 sentiment_start, sentiment_end, is_complaint, is_compliment, created_at)
            SELECT c.id, 'phone', 'in', now() - (c.id %% 180) * interval '1 day',
                   (SELECT id FROM auth_user WHERE username = 'bench'), 'bench', 'resolved', 3, 3, false, false, now()
            FROM contacts_customer c WHERE c.customer_number LIKE 'B%%' AND c.id %% 5 = 0
              AND c.customer_number > 'B' || lpad(%s::text, 8, '0')
            """,
            [have],
        )
        cursor.execute("ANALYZE contacts_customer")
        cursor.execute("ANALYZE contacts_contactmoment")
    print(f"filled {customers - have} customers in {time.perf_counter() - started:.1f} s")


def measure(query: str, runs: int) -> tuple[float, float, int, list[str]]:
    customer_search(query=query)  # warm the cache, as a desk that searches all day has it
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        hits = customer_search(query=query)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        customer_search(query=query)
    plan = []
    if captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
            lines = [row[0] for row in cursor.fetchall()]
        scans = r"Seq Scan on \w+|Index (?:Only )?Scan using \w+|Bitmap Index Scan on \w+"
        plan = sorted({match for line in lines for match in re.findall(scans, line)})
    return statistics.median(timings), max(timings), len(hits), plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the search benchmark needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    fill(args.customers)
    print(f"\n{'query':<28} {'median ms':>10} {'max ms':>8} {'hits':>5}  indexes and tables scanned")
    for label, query in QUERIES.items():
        median, worst, hits, plan = measure(query, args.runs)
        print(f"{label:<28} {median:>10.1f} {worst:>8.1f} {hits:>5}  {', '.join(plan)}")


if __name__ == "__main__":
    main()
