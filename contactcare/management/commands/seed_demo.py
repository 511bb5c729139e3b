"""Demo data: two teams, a login per role, a few hundred customers with six months of history.

Idempotent: users, teams and topics are looked up by name; a customer is
only created (with its history) when its customer number is new. Random
choices come from a fixed seed, so every run builds the same world.
"""

import io
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contactcare import roles
from contacts.models import ContactMoment, Customer, CustomerDetail, Team, Topic
from contacts.normalize import name_normalize, phone_normalize
from followups.models import CheckIn, Promise
from followups.services import checkins_plan, contact_log

DEMO_PASSWORD = "contactcare-demo"  # noqa: S105 - printed on purpose: these are demo logins
CUSTOMER_COUNT = 300
HISTORY_DAYS = 182

USERS = [
    # username, first, last, role, team, leads the team
    ("anna", "Anna", "de Vries", roles.STAFF, "Team Noord", False),
    ("bram", "Bram", "Jansen", roles.STAFF, "Team Noord", False),
    ("chris", "Chris", "Bakker", roles.STAFF, "Team Zuid", False),
    ("dewi", "Dewi", "Visser", roles.STAFF, "Team Zuid", False),
    ("lotte", "Lotte", "Smit", roles.TEAM_LEAD, "Team Noord", True),
    ("sem", "Sem", "Meijer", roles.TEAM_LEAD, "Team Zuid", True),
    ("maria", "Maria", "van Dijk", roles.MANAGER, None, False),
]
TOPICS = ["Factuur en betaling", "Storing", "Verhuizing", "Contract", "Levering", "Informatie", "Opzeggen"]
FIRST_NAMES = [
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Noah",
    "Jesse",
    "Bram",
    "Thijs",
    "Luuk",
    "Ruben",
    "Sanne",
    "Emma",
    "Julia",
    "Sophie",
    "Lisa",
    "Anna",
    "Eva",
    "Fleur",
    "Lotte",
    "Noor",
    "Tess",
    "Sara",
    "Iris",
    "Femke",
    "Anouk",
    "Mohammed",
    "Yusuf",
    "Fatima",
    "Aylin",
    "Priya",
    "Joost",
    "Hendrik",
    "Willem",
    "Marieke",
    "Ingrid",
    "Gerrit",
    "Kees",
    "Johanna",
    "Annelies",
    "Pieter",
    "Dirk",
    "Wouter",
    "Esther",
    "Ilse",
    "Marloes",
    "Jeroen",
    "Bas",
    "Niels",
]
SURNAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "Yılmaz",
    "Öztürk",
    "El Amrani",
    "Bouzid",
]
DETAILS = [
    "Heeft net een baby gekregen",
    "Belt liefst 's ochtends",
    "Slechthorend: rustig en duidelijk praten",
    "Spreekt liever Engels",
    "Is aan het verhuizen",
    "Werkt in ploegendienst",
    "Mantelzorger voor haar moeder",
    "Heeft een hond die Bobbie heet",
]
PROMISES = [
    "Bel terug met de datum van de monteur",
    "Stuur de gecorrigeerde factuur",
    "Laat weten of de terugbetaling is gedaan",
    "Mail de voorwaarden van het nieuwe abonnement",
    "Controleer of de verhuizing goed is verwerkt",
]
SUMMARIES = {
    "Factuur en betaling": ["Vraag over dubbele afschrijving", "Betalingsregeling besproken", "Factuur uitgelegd"],
    "Storing": ["Internet valt 's avonds weg", "Storing gemeld, monteur ingepland", "Modem opnieuw opgestart"],
    "Verhuizing": ["Verhuizing doorgegeven per 1e van de maand", "Nieuw adres gecontroleerd"],
    "Contract": ["Wil overstappen naar een ander abonnement", "Contractduur nagevraagd"],
    "Levering": ["Pakket niet ontvangen", "Levering vertraagd, nieuwe datum gegeven"],
    "Informatie": ["Vraag over openingstijden", "Informatie over tarieven gestuurd"],
    "Opzeggen": ["Wil opzeggen, reden: te duur", "Opzegging teruggedraaid na aanbod"],
}


def _mobile_number(rng: random.Random) -> str:
    """A Dutch mobile number the app itself accepts (not every 06 number is allocated), stored as E.164."""
    while True:
        number = phone_normalize(f"06{rng.randrange(10_000_000, 99_999_999)}")
        if number:
            return number


class Command(BaseCommand):
    help = "Create demo teams, logins (one per role) and customers with history. Safe to run again."

    def handle(self, *args, **options):
        rng = random.Random(20261123)  # noqa: S311 - demo data, not security
        with transaction.atomic():
            users = self._users()
            topics = [Topic.objects.get_or_create(name=name)[0] for name in TOPICS]
            created = self._customers(rng, users, topics)
            self._followups(rng, created)
            self._handover(users, created)
            # The contacts were written in bulk, around the services: the repeat flags, the promises'
            # contact time and the report's weekly summary are derived from them afterwards.
            call_command("report_summaries_rebuild", stdout=io.StringIO())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({len(created)} new customers)."))
        self._print_logins()

    def _users(self):
        User = get_user_model()
        users = {}
        for username, first, last, role, team_name, leads in USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
            )
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save()
            user.groups.add(Group.objects.get(name=role))
            if team_name:
                team, _ = Team.objects.get_or_create(name=team_name)
                team.members.add(user)
                if leads:
                    team.lead = user
                    team.save(update_fields=["lead"])
            users[username] = user
        admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.com"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        return users

    def _customers(self, rng, users, topics):
        teams = {team.name: team for team in Team.objects.all()}
        desk = [(users[u], teams[t]) for u, _, _, role, t, _ in USERS if t]
        now = timezone.now()
        numbers = [f"K{9000001 + i}" for i in range(CUSTOMER_COUNT)]
        existing = set(Customer.objects.filter(customer_number__in=numbers).values_list("customer_number", flat=True))
        new_customers = []
        for number in numbers:
            # Draw every random value before skipping an existing customer, so
            # that the rest of the world does not depend on what exists.
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            phone = _mobile_number(rng)
            title = "mevrouw" if rng.random() < 0.5 else "meneer"
            formal = rng.random() < 0.6
            english = rng.random() < 0.08
            if number in existing:
                continue
            full_name = f"{first} {last}"
            new_customers.append(
                Customer(
                    customer_number=number,
                    full_name=full_name,
                    preferred_address=f"{title} {last}" if formal else first,
                    phone=phone,
                    email=f"{name_normalize(full_name).replace(' ', '.')}@example.com",
                    language=Customer.Language.ENGLISH if english else Customer.Language.DUTCH,
                    search_name=name_normalize(full_name),
                )
            )
        Customer.objects.bulk_create(new_customers)
        created = list(Customer.objects.filter(customer_number__in=[c.customer_number for c in new_customers]))
        details, moments = [], []
        for customer in sorted(created, key=lambda c: c.customer_number):
            for text in rng.sample(DETAILS, k=rng.choice([0, 0, 1, 1, 2])):
                details.append(CustomerDetail(customer=customer, text=text, is_pinned=rng.random() < 0.5))
            for _ in range(rng.randint(1, 8)):
                user, team = rng.choice(desk)
                topic = rng.choice(topics)
                start = rng.choice([1, 2, 2, 3, 3, 3, 4])
                moments.append(
                    ContactMoment(
                        customer=customer,
                        channel=rng.choice(["phone"] * 5 + ["email"] * 3 + ["chat", "desk", "social", "letter"]),
                        direction="in" if rng.random() < 0.8 else "out",
                        occurred_at=now - timedelta(days=rng.uniform(0.2, HISTORY_DAYS)),
                        logged_by=user,
                        team=team,
                        topic=topic,
                        summary=rng.choice(SUMMARIES[topic.name]),
                        outcome=rng.choice(["resolved"] * 6 + ["follow_up"] * 3 + ["transferred"]),
                        sentiment_start=start,
                        sentiment_end=min(5, max(1, start + rng.choice([-1, 0, 1, 1, 2]))),
                        is_complaint=rng.random() < 0.07,
                        is_compliment=rng.random() < 0.05,
                        fully_helped=rng.choice([True, True, True, False, None]),
                    )
                )
        CustomerDetail.objects.bulk_create(details)
        ContactMoment.objects.bulk_create(moments)
        return created

    def _followups(self, rng, customers):
        """Check-ins and promises for the new customers' recent contacts, as a working desk would have them.

        Check-ins are planned by the real service, contact by contact; most of
        those already due were done (an outbound call on the due day), some
        skipped, some left overdue. Contacts that needed follow-up carry a
        promise: mostly kept, a few kept late, some broken. Promises in the
        past are written directly, as the service only accepts future ones.
        """
        now = timezone.now()
        today = timezone.localdate(now)
        recent = (
            ContactMoment.objects.filter(
                customer__in=customers, occurred_at__gte=now - timedelta(days=HISTORY_DAYS // 4)
            )
            .select_related("logged_by", "customer")
            .order_by("occurred_at")
        )
        for moment in recent:
            if moment.outcome == ContactMoment.Outcome.FOLLOW_UP:
                self._promise(rng, moment, now)
            for checkin in checkins_plan(moment=moment, actor=moment.logged_by):
                if checkin.due_date >= today:
                    continue
                fate = rng.random()
                if fate < 0.7:
                    when = timezone.make_aware(datetime.combine(checkin.due_date, time(10, rng.randint(0, 59))))
                    contact_log(
                        customer=moment.customer,
                        actor=moment.logged_by,
                        checkin=checkin,
                        channel="phone",
                        direction="out",
                        occurred_at=min(when, now),
                        logged_by=moment.logged_by,
                        team=moment.team,
                        topic=moment.topic,
                        summary=f"Check-in ({checkin.kind_label}): alles in orde",
                        outcome="resolved",
                        sentiment_start=3,
                        sentiment_end=4,
                        fully_helped=True,
                    )
                elif fate < 0.8:
                    CheckIn.objects.filter(pk=checkin.pk).update(
                        status=CheckIn.Status.SKIPPED, skip_reason="Klant wil niet gebeld worden", closed_at=now
                    )

    def _handover(self, users, created):
        """One customer waiting for Team Zuid (issue 13): Chris and Dewi see it at the top of My day."""
        if not created:
            return
        from followups.handovers import Receiver, handover_create

        handover_create(
            customer=min(created, key=lambda c: c.customer_number),
            actor=users["anna"],
            to=Receiver(team=Team.objects.get(name="Team Zuid")),
            note="Wil het geld terug voor factuur 2207: twee keer afgeschreven. Bankafschrift samen bekeken, klopt.",
        )

    def _promise(self, rng, moment, now):
        due = moment.occurred_at + timedelta(days=rng.choice([1, 1, 2, 3]))
        due = timezone.make_aware(datetime.combine(timezone.localdate(due), time(17, 0)))
        promise = Promise(
            customer=moment.customer,
            moment=moment,
            description=rng.choice(PROMISES),
            owner=moment.logged_by,
            team=moment.team,
            due_at=due,
            created_by=moment.logged_by,
            made_at=moment.occurred_at,
        )
        if due < now:
            fate = rng.random()
            if fate < 0.65:
                promise.status, promise.kept_at = Promise.Status.KEPT, due - timedelta(hours=rng.randint(1, 20))
            elif fate < 0.8:
                promise.status, promise.kept_at = Promise.Status.KEPT, due + timedelta(hours=rng.randint(1, 30))
            elif fate < 0.85:
                promise.status, promise.cancelled_at = Promise.Status.CANCELLED, due
                promise.cancel_reason = "Klant heeft het zelf opgelost"
        promise.kept_at = min(promise.kept_at, now) if promise.kept_at else None
        promise.save()

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, first, last, role, team_name, _ in USERS:
            self.stdout.write(f"  {username:<8} {role:<10} {first} {last}{f' · {team_name}' if team_name else ''}")
        self.stdout.write("  admin    superuser  (the /admin/ site)")
