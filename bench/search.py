"""Benchmark: customer search in-process, query by query, with the indexes each plan uses.

Runs the top bar's search function (no HTTP) against the dataset `bench/run.py`
builds, for each kind of query, and prints the median and the indexes and
tables scanned: the close-up of the search rows of `make bench`.

    .venv/bin/python bench/run.py --build-only          # the dataset, once (contactcare_bench)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactcare_bench \\
        .venv/bin/python bench/search.py

A benchmark, not a test: timings depend on the machine.
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

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from contacts.selectors import customer_search  # noqa: E402

QUERIES = {
    "name fragment (4 letters)": "jans",
    "first and last name": "lotte de vries",
    "surname first": "vries lotte",
    "typo": "jansn",
    "rare fragment": "hoekst",
    "two letters": "ja",
    "no hit": "qqxz",
}


def exact_queries() -> dict[str, str]:
    """A customer's number, phone (as typed, two ways) and e-mail address, taken from the dataset."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_number, phone, email FROM contacts_customer"
            " WHERE phone LIKE '+316%%' AND email <> '' ORDER BY id LIMIT 1"
        )
        number, phone, email = cursor.fetchone()
    return {
        "phone, 06 spelling": f"06 {phone[4:]}",
        "phone, +31 spelling": f"+31 6 {phone[4:8]} {phone[8:]}",
        "phone, last digits": f"{phone[4:8]} {phone[8:]}",
        "e-mail address": email,
        "customer number": number,
    }


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
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the search benchmark needs PostgreSQL: set DATABASE_URL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_dataset')")
        if cursor.fetchone()[0] is None:
            sys.exit("no bench dataset in this database: run `.venv/bin/python bench/run.py --build-only` first")
    print(f"\n{'query':<28} {'median ms':>10} {'max ms':>8} {'hits':>5}  indexes and tables scanned")
    for label, query in (QUERIES | exact_queries()).items():
        median, worst, hits, plan = measure(query, args.runs)
        print(f"{label:<28} {median:>10.1f} {worst:>8.1f} {hits:>5}  {', '.join(plan)}")


if __name__ == "__main__":
    main()
