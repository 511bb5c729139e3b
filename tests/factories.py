"""factory_boy factories: one per model, realistic defaults, no services bypassed silently.

Customers get their search name the way `contacts.services` would give it.
"""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from contactcare import roles
from contacts.models import ContactMoment, Customer, CustomerDetail, Team, Topic
from contacts.normalize import name_normalize
from contacts.repeats import contact_counted_change
from contacts.services import customer_last_contact_refresh
from followups.models import CheckIn, CheckInPolicy, Promise

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """`UserFactory(role=roles.MANAGER)`; staff by default, `role=""` for none."""
        role = roles.STAFF if extracted is None else extracted
        if create and role:
            obj.groups.add(Group.objects.get(name=role))


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.add(*extracted)


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    customer_number = factory.Sequence(lambda n: f"T{n:07d}")
    full_name = factory.Faker("name", locale="nl_NL")
    preferred_address = ""
    phone = factory.Sequence(lambda n: f"+3161{n:07d}")
    email = factory.LazyAttribute(lambda c: f"{name_normalize(c.full_name).replace(' ', '.')}@example.com")
    search_name = factory.LazyAttribute(lambda c: name_normalize(c.full_name))


class CustomerDetailFactory(DjangoModelFactory):
    class Meta:
        model = CustomerDetail

    customer = factory.SubFactory(CustomerFactory)
    text = "Prefers mornings"


class ContactMomentFactory(DjangoModelFactory):
    class Meta:
        model = ContactMoment
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    logged_by = factory.SubFactory(UserFactory, username="desk")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    channel = ContactMoment.Channel.PHONE
    direction = ContactMoment.Direction.INBOUND
    summary = "Asked about the invoice"
    outcome = ContactMoment.Outcome.RESOLVED

    @factory.post_generation
    def last_contact(moment, create, extracted, **kwargs):
        """The customer's last-contact columns, as contacts.services keeps them."""
        if create:
            customer_last_contact_refresh(customer_id=moment.customer_id)

    @factory.post_generation
    def counted(moment, create, extracted, **kwargs):
        """The repeat flags and the report's summary, as contacts.services keeps them when logging."""
        if create:
            contact_counted_change(moment)


class CheckInPolicyFactory(DjangoModelFactory):
    """The default policy (the data migration's values): day 3 and week 6 after an inbound contact."""

    class Meta:
        model = CheckInPolicy
        django_get_or_create = ("name",)

    name = "Dag 3 en week 6"
    offsets = "3d, 6w"
    day_type = CheckInPolicy.DayType.BUSINESS
    holiday_country = "NL"
    directions = factory.LazyFunction(lambda: ["in"])


class CheckInFactory(DjangoModelFactory):
    class Meta:
        model = CheckIn

    origin = factory.SubFactory(ContactMomentFactory)
    customer = factory.SelfAttribute("origin.customer")
    kind = "3d"
    due_date = factory.LazyFunction(timezone.localdate)
    assignee = factory.SelfAttribute("origin.logged_by")
    team = factory.SelfAttribute("origin.team")


class PromiseFactory(DjangoModelFactory):
    class Meta:
        model = Promise

    moment = factory.SubFactory(ContactMomentFactory)
    customer = factory.SelfAttribute("moment.customer")
    description = "Call back with the repair date"
    owner = factory.SelfAttribute("moment.logged_by")
    created_by = factory.SelfAttribute("moment.logged_by")
    team = factory.SelfAttribute("moment.team")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    made_at = factory.SelfAttribute("moment.occurred_at")  # as promise_make stores it
