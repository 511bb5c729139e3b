"""The morning digest: an owned callback like any promise, the team's queue counted for its members."""

from datetime import timedelta

from django.utils import timezone

from contactcare.models import Notification
from followups import notifications
from followups.services import callback_for_missed_call
from tests.factories import UserFactory


def test_the_digest_lists_an_owned_callback_and_counts_the_teams_queue(settings, team, anna, bram, system, customer):
    settings.LANGUAGE_CODE = "en"
    settings.DIGEST_TIME = "00:00"
    ago = timezone.now() - timedelta(days=3)
    callback_for_missed_call(team=team, number="", customer=customer, person=anna, missed_at=ago, actor=system)
    for number in ("+31201234567", "+31301234567"):
        callback_for_missed_call(team=team, number=number, customer=None, person=None, missed_at=ago, actor=system)
    UserFactory(username="outsider")  # not in the team: nothing due, no digest

    notifications.digests_create(now=timezone.now())

    digests = {n.recipient.username: n.body for n in Notification.objects.filter(kind="digest")}
    assert set(digests) == {anna.username, bram.username, team.lead.username}
    assert "Broken promises (1)" in digests[anna.username]
    assert "Fenna Bakker: call back (missed call" in digests[anna.username]
    assert "2 missed calls wait in your team's queue to be called back" in digests[bram.username]
    assert "Broken promises" not in digests[bram.username]
