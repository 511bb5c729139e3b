"""What a new user reads: dates with a year when it matters, names instead of usernames, natural Dutch,
and a quiet development console (issue 9, items 6, 8, 9 and 13)."""

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from contactcare import roles
from contacts.models import ContactMoment
from followups.forms import PromiseForm, ReassignForm
from reports.weeks import IsoWeek

from ..factories import CheckInFactory, ContactMomentFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "nl" / "LC_MESSAGES" / "django.po"
EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load contactcare %}" + source).render(Context(context))


# --- item 6: dates with a year when the year is not the current one -----------


@pytest.mark.parametrize(("language", "expected"), [("en", "Thu 31 Dec 2099 10:00"), ("nl", "do 31 dec 2099 10:00")])
def test_a_due_time_in_another_year_shows_the_year(language, expected):
    due = datetime(2099, 12, 31, 10, 0, tzinfo=AMSTERDAM)

    assert render("{{ due|when }}", language, due=due) == expected
    assert render("{{ due|day }}", language, due=due) == expected.removesuffix(" 10:00")


def test_a_due_time_this_year_leaves_the_year_out():
    this_year = timezone.localdate().year
    due = datetime(this_year, 1, 1, 10, 0, tzinfo=AMSTERDAM)

    shown = render("{{ due|when }} / {{ due|day }}", "en", due=due)

    assert str(this_year) not in shown
    assert shown == f"{due:%a} 1 Jan 10:00 / {due:%a} 1 Jan"


def test_dutch_month_and_day_abbreviations_are_lower_case():
    shown = render("{{ day|day }}", "nl", day=date(2099, 10, 21))

    assert shown == "wo 21 okt 2099"


def test_messages_built_in_python_write_dutch_dates_in_lower_case(client, db):
    # given a check-in of Anna's, moved to a business day next week
    anna = UserFactory(username="anna", first_name="Anna")
    checkin = CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna)
    client.force_login(anna)
    to = timezone.localdate() + timedelta(days=8)

    # when she reschedules it in Dutch
    response = client.post(
        reverse("followups:checkin-reschedule", args=[checkin.pk]),
        {"due_date": to.isoformat(), "reason": "Klant belt zelf terug", "anyway": "on"},
        headers=NL,
    )

    # then the confirmation names the day as Dutch writes it
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    with translation.override("nl"):
        assert dateformat.format(to, "D j b") in message
        assert dateformat.format(to, "j M") not in message  # "Okt", "Nov": capitalised


def test_a_promise_due_in_2099_shows_its_year_on_the_customer_page(staff_client):
    promise = PromiseFactory(due_at=datetime(2099, 12, 31, 10, 0, tzinfo=AMSTERDAM))

    page = staff_client.get(reverse("followups:customer-panel", args=[promise.customer.pk]), headers=EN)

    assert "Thu 31 Dec 2099 10:00" in page.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "(31 Dec 2029 – 6 Jan 2030)"), ("nl", "(31 dec 2029 – 6 jan 2030)")]
)
def test_the_report_week_across_new_year_shows_both_years(manager_client, language, expected):
    headers = {"Accept-Language": language}

    across = manager_client.get(reverse("reports:weekly"), {"week": "2030-W01"}, headers=headers)
    within = manager_client.get(reverse("reports:weekly"), {"week": "2030-W02"}, headers=headers)

    assert expected in across.content.decode()
    assert ("(7 Jan – 13 Jan 2030)" if language == "en" else "(7 jan – 13 jan 2030)") in within.content.decode()


# --- item 8: names where people expect names ------------------------------------


def test_who_keeps_a_promise_lists_full_names_and_a_username_only_without_a_name(db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    nameless = UserFactory(username="lotte", first_name="", last_name="")

    form = PromiseForm(owners=get_user_model().objects.filter(pk__in=[anna.pk, nameless.pk]), user=anna)

    assert sorted(label for _, label in form.fields["owner"].choices) == ["Anna de Vries", "lotte"]


def test_the_team_reassign_choice_lists_full_names(db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    team = TeamFactory(members=[anna])

    form = ReassignForm(team=team)

    assert [label for value, label in form.fields["assignee"].choices if value] == ["Anna de Vries"]


def _contacts_csv(client, language: str) -> list[list[str]]:
    week = IsoWeek.containing(timezone.localdate())
    response = client.get(reverse("reports:contacts-csv"), {"week": week.label}, headers={"Accept-Language": language})
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # with a BOM, for Excel
    delimiter = ";" if language == "nl" else ","  # what Excel expects in each language (issue 14)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Letter", "Outbound", "Transferred", "Very negative", "Very positive", "Yes", "No", "Not asked", "No"]),
        (
            "nl",
            [
                "Brief",
                "Uitgaand",
                "Doorverbonden",
                "Zeer negatief",
                "Zeer positief",
                "Ja",
                "Nee",
                "Niet gevraagd",
                "Nee",
            ],
        ),
    ],
)
def test_the_contacts_export_shows_names_and_labels_not_usernames_and_codes(manager_client, language, expected):
    ContactMomentFactory(
        occurred_at=timezone.now(),
        logged_by=UserFactory(username="lotte", first_name="Lotte", last_name="Bakker"),
        channel=ContactMoment.Channel.LETTER,
        direction=ContactMoment.Direction.OUTBOUND,
        outcome=ContactMoment.Outcome.TRANSFERRED,
        sentiment_start=ContactMoment.Sentiment.VERY_NEGATIVE,
        sentiment_end=ContactMoment.Sentiment.VERY_POSITIVE,
        is_complaint=True,
        fully_helped=None,
    )

    _header, row = _contacts_csv(manager_client, language)

    assert row[-2:] == ["Lotte Bakker", {"en": "No", "nl": "Nee"}[language]]  # logged by; imported
    assert [row[2], row[3], row[6], *row[7:13]] == expected


# --- item 9: Dutch --------------------------------------------------------------


@pytest.fixture
def dutch(settings, tmp_path):
    """The Dutch catalogue as it is in the .po now, compiled to a temporary copy (the committed .mo may lag)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        target = tmp_path / "nl" / "LC_MESSAGES"
        target.mkdir(parents=True)
        subprocess.run([msgfmt, "-o", str(target / "django.mo"), str(CATALOGUE)], check=True)
        settings.LOCALE_PATHS = [tmp_path]  # setting_changed resets Django's translation caches
    return NL


def test_report_definitions_inflect_in_dutch_and_say_the_repeat_window_in_days(manager_client, dutch, settings):
    settings.REPEAT_CONTACT_WINDOW_DAYS = 5

    html = manager_client.get(reverse("reports:weekly"), headers=dutch).content.decode()

    assert "Inkomende contacten via balie." in html
    assert "Uitgaande contacten via telefoon." in html
    assert "Inkomend contacten" not in html and "Uitgaand contacten" not in html
    assert "ten hoogste 5 dagen eerder op de klok van de servicedesk" in html
    assert "REPEAT_CONTACT_WINDOW_DAYS" not in html
    assert "Check-ins te doen" in html and "Check-ins gepland" not in html


def test_the_status_page_names_sweeps_and_says_what_the_numbers_mean(client, dutch):
    from followups import sweeps

    client.force_login(UserFactory(role=roles.MANAGER))
    sweeps.broken_promises_sweep()
    sweeps.digests_sweep()

    html = client.get(reverse("followups:status"), headers=dutch).content.decode()

    assert "Gebroken beloftes" in html and "Ochtendoverzichten" in html
    assert "promises-broken" not in html and "daily-digests" not in html
    assert "0 beloftes gebroken gevonden" in html and "0 overzichten gemaakt" in html
    assert "(0 minuten)" not in html
    assert "(nu)" in html  # when it last ran: just now


@pytest.mark.parametrize(
    ("language", "greetings"),
    [
        ("nl", {7: "Goedemorgen Anna,", 14: "Goedemiddag Anna,", 19: "Goedenavond Anna,"}),
        ("en", {7: "Good morning Anna,", 14: "Good afternoon Anna,", 19: "Good evening Anna,"}),
    ],
)
def test_the_digest_greets_by_the_local_time_it_is_sent(settings, dutch, language, greetings):
    from followups import notifications
    from followups.models import Notification

    settings.LANGUAGE_CODE = language
    anna = UserFactory(first_name="Anna")
    for day_offset, hour in enumerate(greetings):
        # given something due on a day whose digest goes out at `hour` (a late start, a catch-up)
        sent_at = datetime(2026, 11, 23 + day_offset, hour, 50, tzinfo=AMSTERDAM)
        PromiseFactory(owner=anna, due_at=sent_at + timedelta(minutes=5))

        notifications.digests_create(now=sent_at)

        body = Notification.objects.get(kind="digest", key=f"digest:{sent_at.date().isoformat()}").body
        assert body.startswith(greetings[hour]), body.splitlines()[0]


# --- item 13: development output ----------------------------------------------


def _database_set_up(ago: timedelta) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.update(applied=timezone.now() - ago)


def test_a_fresh_start_is_not_reported_as_delayed_reminders(staff_client):
    from followups import sweeps

    # given a database set up a minute ago, before the scheduler's first sweep could run
    _database_set_up(ago=timedelta(minutes=1))

    page = staff_client.get(reverse("followups:my-day"), headers=EN).content.decode()
    health = staff_client.get("/healthz").json()

    assert "Reminders are delayed" not in page
    assert health["reminders"] == "ok"
    # and once the database is older than the threshold, the silence is a delay
    assert sweeps.reminders_delayed(now=timezone.now() + timedelta(minutes=16))


def _make_run_environment(port: int) -> dict[str, str]:
    """The variables `make run PORT=…` starts honcho with (without running it)."""
    root = Path(__file__).resolve().parents[2]
    lines = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    (start,) = [line for line in lines if "honcho start" in line]
    prefix = start.split(" .venv/bin/honcho")[0]
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    shown = subprocess.run(["sh", "-c", f"{prefix} env"], env=env, capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in shown.stdout.splitlines() if "=" in line)


@pytest.mark.worker
def test_the_development_worker_prints_mail_once_quietly_with_links_to_the_port_served(transactional_db, tmp_path):
    from contactcare.celery import app

    from ..celery_utils import broker, wait_for
    from .test_logs import _celery_environment, _json_lines, _running

    # given `make run PORT=8123`: honcho gives the worker its own PORT (base + 100)
    site_url = _make_run_environment(8123).get("SITE_URL")
    env, options = _celery_environment(tmp_path)
    env.update(
        SITE_URL=site_url or "",
        PORT="8223",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        SWEEP_INTERVAL_SECONDS="1",
    )
    if not site_url:
        env.pop("SITE_URL")
    PromiseFactory(
        owner=UserFactory(username="lotte", first_name="Lotte", email="lotte@example.com"),
        due_at=timezone.now() - timedelta(hours=1),
    )
    args = [
        sys.executable, "-m", "celery", "-A", "contactcare", "worker", "-B", "--concurrency=1", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--schedule", str(tmp_path / "beat-schedule"),
    ]  # fmt: skip
    log = tmp_path / "worker.log"

    # when the worker sends the broken promise's e-mail, and one task fails
    with _running(args, env, log) as process:
        wait_for(lambda: "Subject:" in log.read_text() or process.poll())
        with broker("filesystem://", options):
            app.send_task("followups.tasks.broken_promises_sweep_task", args=[1, 2])
        wait_for(lambda: "raised unexpected" in log.read_text() or process.poll())
        assert process.poll() is None, log.read_text()

    # then the e-mail links to the port the app is served on, no line is kombu's hostname warning,
    # the e-mail is printed (not logged at WARNING) and the failure's traceback is there once
    text = log.read_text()
    assert "http://127.0.0.1:8123/customers/" in text
    assert "No hostname was supplied" not in text
    records = _json_lines("\n".join(line for line in text.splitlines() if line.startswith("{")))
    assert not [r for r in records if r["level"] == "WARNING" and "Subject:" in r["message"]]
    assert text.count("Traceback (most recent call last)") == 1
