"""Benchmark: importing a customer file of N lines on PostgreSQL (goal: 100,000 in under 60 s).

Generates a Dutch CSV (`;`, a BOM, mixed phone spellings, a few bad lines, a tenth without a
customer number), then times the two halves of the service a manager runs: the dry run at upload
and the real import the Celery task runs (called here in this process, in batches, as the worker
would). A second import of the same file is timed too: it must create nothing.

    createdb -h 127.0.0.1 -U postgres contactcare_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactcare_bench_import \\
        .venv/bin/python bench/import.py --customers 100000

Each run starts from an empty customer table in that database (it is the benchmark's own).
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # the import runs in this process; no worker needed

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from contactcare.services import system_user  # noqa: E402
from contacts import imports  # noqa: E402
from contacts.models import Customer, CustomerDetail, CustomerImport  # noqa: E402

FIRST = ["Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Noah", "Sanne", "Emma", "Julia", "Sophie", "Lotte"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer"]
PHONES = ["06 {a:04d}{b:04d}", "+31 6 {a:04d} {b:04d}", "0031 6{a:04d}{b:04d}", "06-{a:04d}{b:04d}"]


def generate(count: int, *, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    lines = ["Klantnummer;Naam;Aanspreekvorm;Telefoon;E-mail;Taal;Bijzonderheden"]
    for n in range(1, count + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        number = "" if n % 10 == 0 else f"B{n:07d}"
        phone = rng.choice(PHONES).format(a=1000 + n // 10000, b=n % 10000)
        email = f"klant{n}@example.com"
        if n % 20 == 0:  # 5% bad: an impossible phone number
            phone = "12345"
        detail = "belt graag 's ochtends" if n % 7 == 0 else ""
        lines.append(f"{number};{name};;{phone};{email};{'nl' if n % 3 else 'en'};{detail}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this on PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    CustomerDetail.objects.all().delete()
    CustomerImport.objects.all().delete()
    Customer.history.all().delete()
    Customer.objects.filter(contact_moments__isnull=True).delete()
    actor = system_user()
    content = generate(args.customers)
    print(f"file: {args.customers:,} lines, {len(content) / 1024 / 1024:.1f} MB")

    for round_ in ("first import", "same file again"):
        started = time.perf_counter()
        customer_import = imports.customer_import_upload(
            actor=actor, file_name="bench.csv", content=content, language="nl"
        )
        checked = time.perf_counter()
        imports.customer_import_start(customer_import=customer_import, actor=actor)  # publishes after commit
        customer_import = imports.customer_import_run(import_id=customer_import.pk)
        done = time.perf_counter()
        print(
            f"{round_}: dry run {checked - started:.1f} s, import {done - checked:.1f} s, "
            f"total {done - started:.1f} s — created {customer_import.created:,}, updated {customer_import.updated:,}, "
            f"unchanged {customer_import.unchanged:,}, refused {customer_import.failed:,}"
        )


if __name__ == "__main__":
    main()
