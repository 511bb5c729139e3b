"""The rows rendered in Python (followups.rows): escaped like a template, and the Keep form carries its CSRF token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups import rows

from ..factories import CheckInFactory, CustomerFactory, PromiseFactory, UserFactory

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(\"x\")</script> & 'Riet'"


def test_every_row_escapes_what_people_typed():
    customer = CustomerFactory(full_name=HOSTILE)
    owner = UserFactory(first_name="<b>Anna</b>", last_name="")
    checkin = CheckInFactory(customer=customer, origin__summary=HOSTILE, assignee=owner)
    promise = PromiseFactory(moment=checkin.origin, owner=owner, description=HOSTILE)
    today, now = timezone.localdate(), timezone.now()

    html = "".join(
        [
            rows.checkin_row(checkin, today=today, next_url='/my-day/?"x'),
            rows.promise_row(promise, now=now, next_url='/my-day/?"x', csrf_token="t0k3n"),
            rows.team_item(checkin, kind="checkin", today=today + timedelta(days=9), can_reassign=True),
            rows.team_item(promise, kind="promise", today=today + timedelta(days=9), can_reassign=True),
        ]
    )

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;Riet&#x27;" in html
    assert "&lt;b&gt;Anna&lt;/b&gt;" in html
    assert 'value="/my-day/?&quot;x"' in html  # the Keep form's next, as an attribute


def test_the_keep_form_carries_the_csrf_token_only_when_there_is_one():
    promise = PromiseFactory()
    now = timezone.now()

    with_token = rows.promise_row(promise, now=now, next_url="/my-day/", csrf_token="t0k3n")
    without = rows.promise_row(promise, now=now, next_url="/my-day/", csrf_token="NOTPROVIDED")

    assert '<input type="hidden" name="csrfmiddlewaretoken" value="t0k3n">' in with_token
    assert "csrfmiddlewaretoken" not in without
