"""contactcare.prepared: a read compiled once per process gives what the ORM gives, for every set of values."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contactcare.prepared import PreparedRead
from contacts.models import Customer

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _customers(*, name: str, since: datetime, day: date, number: int):
    return (
        Customer.objects.filter(Q(full_name=name) | Q(created_at__gte=since) | Q(pk=number))
        .exclude(created_at__date__lt=day)
        .values_list("full_name")
        .annotate(n=Count("pk"))
        .order_by("full_name")
    )


def test_each_call_binds_its_own_values_and_matches_the_orm():
    ann, bob = CustomerFactory(full_name="Ann Smit"), CustomerFactory(full_name="Bob de Vries")
    read = PreparedRead(_customers)
    later = datetime(2999, 1, 1, tzinfo=UTC)
    today = timezone.localdate() - timedelta(days=1)

    calls = [
        {"name": "Ann Smit", "since": later, "day": today, "number": 0},
        {"name": "nobody", "since": later, "day": today, "number": bob.pk},
        {"name": "nobody", "since": ann.created_at, "day": today, "number": 0},
        {"name": "Ann Smit", "since": later, "day": date(9999, 12, 31), "number": bob.pk},
    ]
    for values in calls:
        assert read.rows(**values) == list(_customers(**values)), values
    assert read.rows(**calls[0]) == [("Ann Smit", 1)]
    assert read.rows(**calls[1]) == [("Bob de Vries", 1)]


def test_after_the_first_call_no_queryset_is_compiled(django_assert_num_queries):
    CustomerFactory(full_name="Ann Smit")
    built = []

    def build(**values):
        built.append(values)
        return _customers(**values)

    read = PreparedRead(build)
    read.rows(name="Ann Smit", since=datetime(2999, 1, 1, tzinfo=UTC), day=date(2000, 1, 1), number=0)
    before = len(built)
    with CaptureQueriesContext(connection) as captured:
        rows = read.rows(name="Ann Smit", since=datetime(2999, 1, 1, tzinfo=UTC), day=date(2000, 1, 1), number=0)

    assert rows == [("Ann Smit", 1)] and len(captured.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert len(built) == before  # the SQL was reused
    else:
        assert len(built) == before + 1  # SQLite: the ORM each time


def test_a_value_the_orm_rewrites_falls_back_to_the_orm_every_time():
    """`contains` wraps the value in %…%: its stand-in is nowhere among the parameters, so nothing is prepared."""
    CustomerFactory(full_name="Ann Smit")
    read = PreparedRead(lambda *, part: Customer.objects.filter(full_name__contains=part).values_list("full_name"))

    assert read.rows(part="Smit") == [("Ann Smit",)]
    assert read.rows(part="Vries") == []


def test_values_of_an_unsupported_type_are_refused():
    read = PreparedRead(lambda *, flag: UserFactory._meta.model.objects.filter(is_active=flag).values_list("pk"))

    with pytest.raises(TypeError):
        read.rows(flag=True)


def test_a_parameter_worked_out_from_a_value_is_not_frozen_at_its_first_value():
    """The build turns `day` into the next day: that parameter moves with the values without being one of
    them, so the read is not prepared and every call gets its own answer."""
    ann = CustomerFactory(full_name="Ann Smit")
    created = timezone.localtime(ann.created_at).date()

    def build(*, day: date):
        return Customer.objects.filter(created_at__date__lt=day + timedelta(days=1)).values_list("full_name")

    read = PreparedRead(build)

    assert read.rows(day=created) == [("Ann Smit",)]
    assert read.rows(day=created - timedelta(days=1)) == []
    assert read.rows(day=created - timedelta(days=2)) == []
    assert read.rows(day=created + timedelta(days=5)) == [("Ann Smit",)]
