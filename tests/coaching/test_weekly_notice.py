"""Say you see it reaches the lead each week (issue 14): from Monday WEEKLY_REPORT_TIME, one notice per lead, team
and week with last week's compliments and turned-around contacts, counted by hand from the desk in conftest."""

import pytest
from django.urls import reverse
from django.utils import translation

from coaching import services
from contactcare.celery import app
from contactcare.models import Notification, SweepRun
from followups.sweeps import SAY_YOU_SEE_IT

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, UserFactory
from .conftest import at

MONDAY_0700 = at(11, 9, 7, 0)  # week 46 begins; week 45 (2–8 November) is last week


def _notices():
    return {n.recipient.username: n for n in Notification.objects.filter(kind=Notification.Kind.SAY_YOU_SEE_IT)}


@pytest.mark.django_db
def test_not_before_monday_at_the_report_time(desk, settings):
    settings.WEEKLY_REPORT_TIME = "07:00"

    assert services.say_you_see_it_notices(now=at(11, 9, 6, 59)) == 0
    assert _notices() == {}


@pytest.mark.django_db
def test_each_lead_hears_once_what_there_is_to_see_in_their_team(desk, settings):
    settings.WEEKLY_REPORT_TIME = "07:00"
    with translation.override("en"):
        settings.LANGUAGE_CODE = "en"
        written = services.say_you_see_it_notices(now=MONDAY_0700)

    notices = _notices()
    # By hand, week 45: Noord has Anna's compliment that also turned 2 → 4 (Bram's 3 → 4 is neither);
    # Zuid has Anna's compliment that turned 1 → 5 and Dirk's turn-around 2 → 5: two people.
    assert written == 2
    assert set(notices) == {"lies", "lex"}
    lies, lex = notices["lies"], notices["lex"]
    assert lies.key == f"seen:{desk.north.pk}:2026-W45"
    assert lies.subject == "Say you see it: Noord, 2026-W45"
    assert "customers gave 1 compliment" not in lies.body  # singular, and a sentence of its own
    assert "Last week a customer gave 1 compliment, and 1 conversation turned from negative to positive" in lies.body
    assert "(1 colleague)" in lies.body
    assert "Last week customers gave 1 compliment" not in lex.body
    assert "and 2 conversations turned from negative to positive (2 colleagues)" in lex.body
    assert lies.link == f"{reverse('coaching:say-you-see-it')}?team={desk.north.pk}"
    assert "Klant" not in lies.body + lex.body  # no customer in a notice about colleagues

    # A second run, later that day, writes nothing more
    assert services.say_you_see_it_notices(now=at(11, 9, 16)) == 0
    assert Notification.objects.filter(kind=Notification.Kind.SAY_YOU_SEE_IT).count() == 2


@pytest.mark.django_db
def test_no_notice_without_anything_to_see_or_without_an_active_lead(desk, settings):
    settings.WEEKLY_REPORT_TIME = "07:00"
    gone = UserFactory(username="gone", is_active=False)
    quiet_lead = UserFactory(username="quiet")
    TeamFactory(name="Stil", lead=quiet_lead)  # nothing last week
    leaderless = TeamFactory(name="Zonder", lead=gone)
    ContactMomentFactory(
        customer=CustomerFactory(), team=leaderless, occurred_at=at(11, 5), is_compliment=True, logged_by=gone
    )

    services.say_you_see_it_notices(now=MONDAY_0700)

    assert set(_notices()) == {"lies", "lex"}


@pytest.mark.django_db
def test_the_sweep_records_its_run_and_beat_runs_it(desk, settings, django_capture_on_commit_callbacks):
    settings.WEEKLY_REPORT_TIME = "00:00"  # whatever the hour the test runs at

    with django_capture_on_commit_callbacks():
        services.say_you_see_it_sweep()

    run = SweepRun.objects.get(name=SAY_YOU_SEE_IT)
    assert run.runs == 1
    task = "coaching.tasks.say_you_see_it_task"
    assert task in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()
    assert task in app.tasks
