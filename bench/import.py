"""Benchmark: importing a customer file of N lines on PostgreSQL (goal: 100,000 in under 60 s), then a
contact-history file of M lines for those customers.

Generates a Dutch CSV (`;`, a BOM, mixed phone spellings, a few bad lines, a tenth without a
customer number), then times what a manager sets off: the upload (reading the file; a file above
IMPORT_DRY_RUN_INLINE_MAX_LINES is only read and queued), the dry run the worker's check task runs,
and the real import the import task runs (both called here in this process, in batches, as the
worker would). A second import of the same file is timed too: it must create nothing. The same for
a contact-history file (`--contacts`, 0 to skip), whose every line goes through the log service.

    createdb -h 127.0.0.1 -U postgres contactcare_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactcare_bench_import \\
        .venv/bin/python bench/import.py --customers 100000 --contacts 20000

Each run starts from empty customer and contact tables in that database (it is the benchmark's own).
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
from contacts.models import ContactMoment, Customer, CustomerDetail, CustomerImport, Topic  # noqa: E402

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


CHANNELS = ["telefoon", "E-mail", "chat", "balie", "social media", "brief", "phone", "email"]
TOPICS = ["Factuur", "Storing", "Verhuizing", "Klacht"]


def generate_contacts(count: int, customers: int, *, seed: int = 11) -> bytes:
    """Contact history for the customers above (those with a number): Dutch and ISO dates, 5% unknown topics."""
    rng = random.Random(seed)
    lines = ["Datum;Kanaal;Richting;Onderwerp;Samenvatting;Klantnummer"]
    numbered = [n for n in range(1, customers + 1) if n % 10]
    for n in range(1, count + 1):
        day, minute = rng.randrange(1, 28), rng.randrange(8 * 60, 18 * 60)
        month = rng.randrange(1, 13)
        when = (
            f"{day:02d}-{month:02d}-2024 {minute // 60:02d}:{minute % 60:02d}"
            if n % 2
            else f"2024-{month:02d}-{day:02d} {minute // 60:02d}:{minute % 60:02d}"
        )
        topic = "Onbekend onderwerp" if n % 20 == 0 else rng.choice(TOPICS)
        direction = rng.choice(["in", "inkomend", "uit", "uitgaand"])
        lines.append(f"{when};{rng.choice(CHANNELS)};{direction};{topic};Contact {n};B{rng.choice(numbered):07d}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _rounds(actor, content: bytes, *, name: str, kind: str) -> None:
    for round_ in ("first import", "same file again"):
        started = time.perf_counter()
        customer_import = imports.customer_import_upload(
            actor=actor, file_name=name, content=content, language="nl", kind=kind
        )
        uploaded = time.perf_counter()
        if customer_import.status == CustomerImport.Status.CHECKING:
            customer_import = imports.customer_import_check(import_id=customer_import.pk)  # the worker's dry run
        checked = time.perf_counter()
        imports.customer_import_start(customer_import=customer_import, actor=actor)  # publishes after commit
        customer_import = imports.customer_import_run(import_id=customer_import.pk)
        done = time.perf_counter()
        print(
            f"  {round_}: upload {uploaded - started:.1f} s, dry run {checked - uploaded:.1f} s, "
            f"import {done - checked:.1f} s, total {done - started:.1f} s — created {customer_import.created:,}, "
            f"updated {customer_import.updated:,}, unchanged {customer_import.unchanged:,}, "
            f"refused {customer_import.failed:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=20_000, help="lines of contact history; 0 skips it")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run this on PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    ContactMoment.history.filter(imported_by_import__isnull=False).delete()
    ContactMoment.objects.imported().delete()
    CustomerDetail.objects.all().delete()
    CustomerImport.objects.all().delete()
    Customer.history.all().delete()
    Customer.objects.filter(contact_moments__isnull=True).delete()
    actor = system_user()
    content = generate(args.customers)
    print(f"customer file: {args.customers:,} lines, {len(content) / 1024 / 1024:.1f} MB")
    _rounds(actor, content, name="bench.csv", kind=CustomerImport.Kind.CUSTOMERS)
    if args.contacts:
        for name in TOPICS:
            Topic.objects.get_or_create(name=name)
        content = generate_contacts(args.contacts, args.customers)
        print(f"contact-history file: {args.contacts:,} lines, {len(content) / 1024 / 1024:.1f} MB")
        _rounds(actor, content, name="bench-contacts.csv", kind=CustomerImport.Kind.CONTACTS)


if __name__ == "__main__":
    main()
