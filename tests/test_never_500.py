"""No request gets a server error, however hostile (issue #8).

Two halves:

- a property-based sweep (Hypothesis): every URL pattern of the project, for
  every role, with hostile values in the path, in every query parameter the
  views read and in every form field they post. A 5xx fails, and so does an
  exception the view lets through (the test client re-raises it). After a
  POST that saved something, the pages that show the data are read back: what
  one request stored must not break a page later.
- the requests of the issue's "Server errors (500)" list, each with the exact
  answer it must get (a form error, 400, 404 or a safe redirect).

Each Hypothesis example runs in a savepoint that is rolled back, so examples
do not depend on each other and a failure shrinks to one request.
`NEVER_500_EXAMPLES` sets the examples per URL pattern (a deeper probe: 200).
"""

import importlib
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from contactcare import roles
from contacts.models import ContactMoment, Customer, CustomerDetail, Team, Topic
from followups.handovers import Receiver, handover_accept, handover_create
from followups.models import CheckIn, CheckInPolicy, Handover, Notification, Promise
from reports.models import ReportDownload

from .dates import business_day_ahead
from .factories import (
    PASSWORD,
    CheckInFactory,
    CheckInPolicyFactory,
    ContactMomentFactory,
    CustomerDetailFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from .forms import contact_log_data

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("NEVER_500_EXAMPLES", "12"))
LONG = "x" * 5000

# --- What a hostile desk (or a script) sends ----------------------------------

HOSTILE = [
    # unicode digits: str.isdigit() says yes, int() may not
    "²",
    "٣",
    "１",
    "¹²³",
    # NUL
    "a\x00b",
    "\x00",
    # huge and tiny numbers
    "99999999999999999999999",
    str(2**63),
    str(2**63 - 1),
    "-1",
    "0",
    "1e309",
    "NaN",
    "-0",
    "1.5",
    # dates and datetimes at the edges
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0001-01-01",
    "9999-12-31",
    "01/01/1900",
    "2026-02-30",
    "2026-02-30T10:00",
    "1900-01-01T00:00",
    # weeks
    "0001-W01",
    "9999-W52",
    "2026-W99",
    "2026-W00",
    # long strings, RTL, emoji, whitespace, formulas
    LONG,
    "x" * 201,
    "x" * 2001,
    "مرحبا بالعالم",
    "\u202eevil\u202c",
    "שלום",
    "😀👍🏽🇳🇱",
    " ",
    "\t\r\n",
    "=1+2",
    "+31 6 1234 5678",
    "-2+3",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "../",
    # next values
    "abc",
    "//evil.example",
    "javascript:alert(1)",
    "/\\evil",
    "https://evil.example/",
    # plausible values, so that a request gets past the first check
    "",
    "1",
    "2",
    "3",
    "on",
    "true",
    "false",
    "unknown",
    "promise",
    "3d",
    "6w",
    "8+",
    "1-2",
    "3 days",
    "0d",
    "9999w",
    "3d, 3d",
    "XX",
    "phone",
    "in",
    "out",
    "resolved",
    "nl",
    "en",
]

# The query parameters the views read (and the admin changelists).
QUERY_PARAMS = [
    "q",
    "go",
    "page",
    "cpage",
    "ppage",
    "person",
    "kind",
    "topic",
    "age",
    "week",
    "team",
    "checkin",
    "next",
]
QUERY_PARAMS += ["name", "queue", "pinned"]
QUERY_PARAMS += ["section", "after"]  # My day's "Show more" (issue 11); "after" is the Customers page's too
QUERY_PARAMS += ["day", "call", "channel", "direction", "at", "phone"]  # caller log, call prefill (issue 12)
QUERY_PARAMS += ["occurred_at"]  # the log form's reply-by sentence (issue 13)
QUERY_PARAMS += ["figure", "weeks"]  # a coaching card's drill-down (issue 14)
ADMIN_PARAMS = [
    "q",
    "o",
    "p",
    "e",
    "all",
    "_changelist_filters",
    "_popup",
    "_to_field",
    "occurred_at__year",
    "occurred_at__month",
    "occurred_at__day",
    "due_date__year",
    "due_date__month",
    "due_at__year",
    "channel__exact",
    "status__exact",
    "team__id__exact",
    "topic__id__exact",
    "is_active__exact",
]

FORM_MODULES = ["contacts.forms", "followups.forms", "reports.forms", "contactcare.forms", "contactcare.login"]
FORM_MODULES += ["cti.forms", "api.token_views", "contactcare.webhook_views"]  # issue 12
FORM_MODULES += ["coaching.forms"]  # issue 14: the cards' scope, the thank-you note
FORMSET_PREFIXES = {"promises"}  # the promise rows on the log form


def _form_field_names() -> list[str]:
    """Every field name of every form the apps define (plus auth's), and the formsets' names."""
    names: set[str] = set()
    for module_name in FORM_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                names |= set(getattr(value, "base_fields", {}))
            elif isinstance(value, type) and issubclass(value, forms.BaseFormSet) and hasattr(value, "form"):
                for prefix in FORMSET_PREFIXES | {value.get_default_prefix()}:
                    names |= {f"{prefix}-{name}" for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MAX_NUM_FORMS")}
                    names |= {f"{prefix}-{i}-{name}" for i in (0, 1) for name in value.form.base_fields}
    names |= set(AuthenticationForm.base_fields) | set(PasswordChangeForm.base_fields)
    names |= {"next", "confirm", "pinned", "language", "checkin", "details-TOTAL_FORMS", "details-INITIAL_FORMS"}
    names |= {f"reply_{channel}" for channel in ContactMoment.Channel.values}  # the desk settings' terms (issue 13)
    names |= {"to", "handover_to"}  # issue 13: receiver fields added per user in the forms' __init__
    return sorted(names)


FORM_FIELDS = _form_field_names()

# --- Every URL pattern ---------------------------------------------------------

# The admin's own pages are Django's; these are the ones that show ContactCare's data.
ADMIN_MODELS = {"contacts_contactmoment", "contacts_customer", "followups_checkin", "followups_promise"}
ADMIN_MODELS |= {"followups_checkinpolicy", "followups_handover"}
ADMIN_KEPT = {f"admin:{model}_{page}" for model in ADMIN_MODELS for page in ("changelist", "change")}
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    name: str  # "followups:checkin-skip"
    route: str  # "checkins/<int:pk>/skip/"
    converters: dict = field(hash=False, compare=False)

    def __str__(self):
        return self.name


def _walk(patterns, prefix="", namespace="", converters=None):
    for pattern in patterns:
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner, found)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else route
            yield Route(name=name, route=route, converters=found)


def project_routes() -> list[Route]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.name.startswith("admin:") or route.route.startswith("admin/"):
            if route.name not in ADMIN_KEPT:
                continue
        elif "^" in route.route or "(?P" in route.route:
            raise AssertionError(f"a regex URL pattern this test cannot fill in: {route.route}")
        routes.append(route)
    return routes


ROUTES = project_routes()


def test_the_sweep_sees_every_part_of_the_project():
    names = {route.name for route in ROUTES}
    assert {"home", "healthz", "login", "contacts:customer-search", "followups:contact-log"} <= names
    assert {"reports:weekly-csv", "admin:contacts_contactmoment_changelist", "admin:followups_promise_change"} <= names
    assert not any(name.startswith("admin:auth") for name in names)


# --- The world every example runs in ------------------------------------------

ROLES = ["anonymous", "staff", "lead", "manager", "admin"]


@dataclass
class World:
    users: dict
    customers: list
    details: list
    moments: list
    checkins: list
    promises: list
    teams: list
    notifications: list
    policies: list
    handovers: list = field(default_factory=list)
    clients: dict = field(default_factory=dict)

    def all_ids(self) -> list[int]:
        objects = [*self.customers, *self.details, *self.moments, *self.checkins, *self.promises]
        objects += [*self.teams, *self.notifications, *self.policies, *self.users.values(), *self.handovers]
        return sorted({obj.pk for obj in objects if obj is not None})

    def ids_for(self, route: Route, param: str) -> list[int]:
        """Real ids for a path argument: the kind of object the URL names."""
        name = route.name
        by_model = {
            "contactmoment": self.moments,
            "customer_": self.customers,
            "checkinpolicy": self.policies,
            "checkin_": self.checkins,
            "promise": self.promises,
            "handover": self.handovers,
        }
        if name.startswith("admin:"):
            return [obj.pk for key, objs in by_model.items() if key in name + "_" for obj in objs]
        if param == "detail_pk":
            return [d.pk for d in self.details]
        for prefix, objs in (
            ("contacts:", self.customers),
            ("followups:contact-log", self.customers),
            ("followups:customer-", self.customers),
            ("followups:checkin-", self.checkins),
            ("followups:promise-", self.promises),
            ("followups:handover-", self.handovers),
            ("followups:team-", self.teams),
            ("followups:notification-", self.notifications),
            ("followups:policy-", self.policies),
        ):
            if name.startswith(prefix):
                return [obj.pk for obj in objs]
        return self.all_ids()


def _admin_user():
    user = UserFactory(username="root", role=roles.MANAGER)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def world(db):
    """Two teams, each with staff and a lead; customers with contacts, check-ins, promises and details."""
    topic = TopicFactory(name="Factuur")
    policy = CheckInPolicyFactory()
    staff_a, staff_b = UserFactory(username="anna", role=roles.STAFF), UserFactory(username="bram", role=roles.STAFF)
    lead_a, lead_b = (
        UserFactory(username="lies", role=roles.TEAM_LEAD),
        UserFactory(username="lex", role=roles.TEAM_LEAD),
    )
    manager, admin = UserFactory(username="mila", role=roles.MANAGER), _admin_user()
    north = TeamFactory(name="Noord", members=[staff_a, lead_a], lead=lead_a)
    south = TeamFactory(name="Zuid", members=[staff_b, lead_b], lead=lead_b)
    now, today = timezone.now(), timezone.localdate()
    customers, moments, checkins, promises = [], [], [], []
    for team, user in ((north, staff_a), (south, staff_b)):
        customer = CustomerFactory()
        customers.append(customer)
        for hours in (2, 30, 24 * 9):
            moments.append(
                ContactMomentFactory(
                    customer=customer, team=team, logged_by=user, topic=topic, occurred_at=now - timedelta(hours=hours)
                )
            )
        checkins.append(
            CheckInFactory(origin=moments[-1], assignee=user, kind="3d", due_date=today - timedelta(days=4))
        )
        checkins.append(CheckInFactory(origin=moments[-1], assignee=None, kind="6w", due_date=today))
        promises.append(PromiseFactory(moment=moments[-1], due_at=now + timedelta(days=1)))
        promises.append(PromiseFactory(moment=moments[-2], due_at=now - timedelta(days=2)))  # broken
    details = [CustomerDetailFactory(customer=customers[0], created_by=staff_a)]
    notifications = [
        Notification.objects.create(
            recipient=staff_a,
            kind=Notification.Kind.PROMISE_BROKEN,
            key=f"promise:{promises[1].pk}",
            subject="Broken promise",
            body="A promise broke.",
            status=Notification.Status.FAILED,
        )
    ]
    users = {"staff": staff_a, "lead": lead_a, "manager": manager, "admin": admin, "staff_b": staff_b}
    # Issue 13: a handover to team Noord, one to Anna in person, one accepted
    handovers = [
        handover_create(customer=customers[1], actor=staff_b, to=Receiver(team=north), note="Needs Noord"),
        handover_create(customer=customers[1], actor=staff_b, to=Receiver(user=staff_a), note="For Anna"),
        handover_create(customer=customers[0], actor=staff_a, to=Receiver(team=south), note="Needs Zuid"),
    ]
    handover_accept(handover=handovers[2], actor=staff_b)
    built = World(
        users=users,
        customers=customers,
        details=details,
        moments=moments,
        checkins=checkins,
        promises=promises,
        teams=[north, south],
        notifications=notifications,
        policies=[policy],
        handovers=handovers,
    )
    for role in [*ROLES, "staff_b"]:
        client = Client()
        if role in users:
            client.force_login(users[role])
        built.clients[role] = client
    return built


# --- Requests -------------------------------------------------------------------


def _baseline(route: Route, world: World, role: str) -> dict:
    """A valid POST for the route, so that hostile values in some fields meet the rules behind the form."""
    name = route.name
    user = world.users.get(role)
    tomorrow = business_day_ahead(1).isoformat()
    key = str(uuid.uuid4())
    if name in {"contacts:customer-create", "contacts:customer-update"} or "customer_" in name:
        data = {"full_name": "Ann Example", "preferred_address": "", "customer_number": "", "phone": "06 12345678"}
        return data | {"email": "ann@example.com", "language": "nl", "submission_key": key, "details-TOTAL_FORMS": "0"}
    if name == "contacts:customer-detail-add":
        return {"text": "Prefers mornings", "is_pinned": ""}
    if name == "contacts:customer-detail-pin":
        return {"pinned": "1"}
    if name == "followups:contact-log":
        due = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        promises = [{"description": "Call back", "due_at": due, "owner": user}] if user else []
        return contact_log_data(promises=promises, submission_key=key, team=str(world.teams[0].pk))
    if name in {"followups:checkin-skip", "followups:promise-cancel"}:
        return {"reason": "The customer is on holiday"}
    if name == "followups:checkin-reschedule":
        return {"due_date": tomorrow, "reason": "Asked to be called later"}
    if name == "followups:team-reassign":
        team = world.teams[0]
        return {
            "checkins": [str(c.pk) for c in world.checkins if c.team_id == team.pk],
            "promises": [str(p.pk) for p in world.promises if p.team_id == team.pk],
            "assignee": str(world.users["staff"].pk),
            "confirm": "1",
            "submission_key": key,
        }
    if name in {"followups:customer-handover", "followups:handover-pass-on"}:
        return {"to": f"team:{world.teams[1].pk}", "note": "What the customer needs", "submission_key": key}
    if name == "followups:handover-accept":
        return {"checkins": [str(c.pk) for c in world.checkins], "promises": [str(p.pk) for p in world.promises]}
    if "policy" in name:
        data = {"name": "Alleen e-mail", "is_active": "on", "offsets": "3d, 6w", "day_type": "business"}
        return data | {"holiday_country": "NL", "directions": ["in"], "channels": ["email"]}
    if name == "followups:desk-settings":  # issue 13: opening hours, reply terms, keeping customers informed
        data = {"opening_hours": "08:30-17:00", "keep_informed_days": "3", "reply_email": "1d", "reply_letter": "5d"}
        data |= {"losing_touch_days": "14"}  # issue 14
        return data | {"reply_social": "4h", "reply_chat": "", "reply_phone": "", "reply_desk": ""}
    if name == "followups:reply-by":
        return {"channel": "email", "direction": "in", "occurred_at": "2026-11-24T10:12"}
    if name == "coaching:thank-you":  # issue 14: a lead thanks a person of their team
        return {"team": str(world.teams[0].pk), "text": "Dank je wel!"}
    if name == "login":
        return {"username": "anna", "password": "not the password"}
    if name == "password_change":
        return {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        }
    if name == "set_language":
        return {"language": "en", "next": "/"}
    return {}


VALUE = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=30), st.integers(min_value=-(2**64), max_value=2**64).map(str)
)


def _path_values(route: Route, world: World, param: str) -> list[str]:
    converter = route.converters.get(param)
    regex = getattr(converter, "regex", "[^/]+")
    hostile = [0, -1, 2**63, 2**63 - 1, 10**30, "abc", "²", "a\x00b", " ", "%", "😀", LONG[:300]]
    candidates = [*world.ids_for(route, param), *hostile]
    return [str(value) for value in candidates if re.fullmatch(regex, str(value))]


def _url(route: Route, values: dict) -> str:
    def fill(match):
        safe = "/" if match.group("converter") == "path" else ""
        return quote(values[match.group("name")], safe=safe)

    return "/" + PARAM.sub(fill, route.route)


def _consume(response) -> None:
    """Streamed downloads fail while streaming: read them to the end (the test client closes them then)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def _request(client, method: str, url: str, *, query=None, data=None, headers=None):
    if method == "GET":
        response = client.get(url, query or {}, headers=headers or {})
    else:
        target = f"{url}?{urlencode(query, doseq=True)}" if query else url
        response = client.post(target, data or {}, headers=headers or {})
    _consume(response)
    return response


def _no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def _read_back(world: World, after: str) -> None:
    """The pages that show what was stored: none of them may break because of it."""
    admin = world.clients["admin"]
    customers = {*world.customers, *Customer.objects.order_by("-pk")[:1]}
    pages = []
    for customer in customers:
        for suffix in ("?page=999", "history/"):
            pages.append(f"{customer.get_absolute_url()}{suffix}")
        pages.append(reverse("followups:customer-panel", args=[customer.pk]))
    latest = ContactMoment.objects.order_by("-pk").first()
    pages += [
        reverse("followups:my-day"),
        reverse("followups:team-board", args=[world.teams[0].pk]),
        reverse("followups:policy-list"),
        reverse("followups:desk-settings"),
        reverse("followups:losing-touch"),  # issue 14
        reverse("followups:status"),
        reverse("admin:contacts_contactmoment_changelist"),
        reverse("admin:contacts_contactmoment_change", args=[latest.pk]),
        reverse("admin:contacts_customer_changelist"),
        reverse("admin:followups_checkin_changelist"),
        reverse("admin:followups_promise_changelist"),
        reverse("admin:followups_checkinpolicy_changelist"),
        reverse("reports:weekly") + "?week=" + _this_week(),
        reverse("reports:contacts-csv") + "?week=" + _this_week(),
        reverse("coaching:cards"),  # issue 14
        reverse("coaching:say-you-see-it"),
        reverse("reports:chafes") + "?weeks=12&week=" + _this_week(),
        reverse("reports:chafe-contacts") + "?figure=contacts&week=" + _this_week(),
    ]
    for page in pages:
        _no_server_error(_request(admin, "GET", page), f"{page}, read back after {after},")
    staff = world.clients["staff"]
    _no_server_error(_request(staff, "GET", reverse("followups:my-day")), f"My day after {after}")
    _no_server_error(_request(staff, "GET", reverse("coaching:my-notes")), f"My day's thank-you notes after {after}")
    _no_server_error(_request(staff, "GET", reverse("coaching:my-card")), f"My card after {after}")
    if "policy" in after:  # a saved policy must never break logging
        log = reverse("followups:contact-log", args=[world.customers[0].pk])
        data = contact_log_data(submission_key=str(uuid.uuid4()))
        _no_server_error(_request(staff, "POST", log, data=data), f"logging a contact after {after}")


def _stored_something(queries) -> bool:
    """Whether the request wrote ContactCare's data (sessions and login attempts do not count)."""
    return any(
        query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in query["sql"]
        and "axes_" not in query["sql"]
        for query in queries.captured_queries
    )


def _this_week() -> str:
    year, week, _ = timezone.localdate().isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize("route", ROUTES, ids=str)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI; NEVER_500_EXAMPLES digs deeper
    database=None,
    phases=[Phase.explicit, Phase.generate],  # report the first failing request as drawn: shrinking costs minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_request_gets_a_server_error(route, world, data):
    # given: who asks, for what
    role = data.draw(st.sampled_from(ROLES), label="role")
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    values = {
        param: data.draw(st.sampled_from(_path_values(route, world, param)), label=param)
        for param in (m.group("name") for m in PARAM.finditer(route.route))
    }
    params = QUERY_PARAMS + (ADMIN_PARAMS if route.name.startswith("admin:") else [])
    query = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(params, VALUE)), label="query")
    body = {}
    if method == "POST":
        overrides = st.fixed_dictionaries({}, optional=dict.fromkeys(FORM_FIELDS, VALUE))
        body = _baseline(route, world, role) | data.draw(overrides, label="form")
    headers = {"HX-Request": "true", "HX-Target": "timeline"} if data.draw(st.booleans(), label="htmx") else {}
    headers["Accept-Language"] = data.draw(st.sampled_from(["en", "nl", "de", ""]), label="language")
    url = _url(route, values)
    note(f"{role} {method} {url}")
    client = world.clients[role]
    if route.name in {"logout", "login", "password_change"}:
        client = Client()  # these change who is logged in
        if role in world.users:
            client.force_login(world.users[role])
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)  # restored below: the rolled-back session stays the valid one
    try:
        with transaction.atomic():
            # when
            with CaptureQueriesContext(connection) as queries:
                response = _request(client, method, url, query=query, data=body, headers=headers)
            # then
            _no_server_error(response, f"{role} {method} {url} {query} {body}")
            if _stored_something(queries):
                _read_back(world, after=f"{role} {method} {url}")
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies


# --- The requests of the list, each with its exact answer ---------------


def _hidden_fields(html: str) -> dict:
    """The hidden inputs of a page's forms (the submit-once key among them), as a browser would post them."""
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


def _log_form(client, customer, **fields) -> dict:
    """The log form as a browser posts it after opening the page: its hidden fields, then `fields`."""
    page = client.get(reverse("followups:contact-log", args=[customer.pk]))
    assert page.status_code == 200
    return _hidden_fields(page.content.decode()) | contact_log_data(**fields)


def _counts() -> dict:
    models = [ContactMoment, Customer, CustomerDetail, CheckIn, Promise, CheckInPolicy, ReportDownload]
    return {model.__name__: model.objects.count() for model in models}


def _field_error_shown(response, form_name: str, field_name: str) -> None:
    assert response.status_code == 200
    form = response.context[form_name]
    assert field_name in form.errors, form.errors
    html = unescape(response.content.decode())
    assert form.errors[field_name][0] in html


@pytest.mark.parametrize(
    "occurred_at", ["0001-01-01T00:00", "01/01/1900", "1900-01-01T00:00", "2026-02-30T10:00", "9999-12-31T23:59"]
)
def test_a_contact_at_an_impossible_time_is_a_form_error_and_nothing_is_stored(world, occurred_at):
    # given
    staff, customer = world.clients["staff"], world.customers[0]
    data = _log_form(staff, customer, occurred_at=occurred_at)
    before = _counts()
    # when
    response = staff.post(reverse("followups:contact-log", args=[customer.pk]), data, headers={"Accept-Language": "en"})
    # then
    _field_error_shown(response, "form", "occurred_at")
    assert _counts() == before
    # and the pages that broke on such a contact still answer
    admin = world.clients["admin"]
    for page in (
        f"{customer.get_absolute_url()}?page=5",
        reverse("admin:contacts_contactmoment_changelist"),
        reverse("admin:contacts_contactmoment_change", args=[world.moments[0].pk]),
    ):
        assert admin.get(page).status_code == 200, page


@pytest.mark.parametrize(
    ("route", "field_name", "data"),
    [
        ("followups:contact-log", "summary", {"summary": LONG}),
        ("followups:checkin-skip", "reason", {"reason": LONG}),
        ("contacts:customer-create", "full_name", {"full_name": LONG}),
    ],
    ids=["log-summary", "skip-reason", "customer-name"],
)
def test_too_long_text_is_a_form_error_never_cut(world, route, field_name, data):
    staff = world.clients["staff"]
    if route == "followups:contact-log":
        url = reverse(route, args=[world.customers[0].pk])
        data = _log_form(staff, world.customers[0], **data)
    elif route == "followups:checkin-skip":
        url = reverse(route, args=[world.checkins[0].pk])
    else:
        url = reverse(route)
        page = staff.get(url)
        data = _hidden_fields(page.content.decode()) | {"phone": "06 12345678", "language": "nl"} | data
    before = _counts()

    response = staff.post(url, data, headers={"Accept-Language": "en"})

    _field_error_shown(response, "form", field_name)
    assert _counts() == before
    world.checkins[0].refresh_from_db()
    assert world.checkins[0].status == CheckIn.Status.OPEN


def _team_board(world, query):
    return reverse("followups:team-board", args=[world.teams[0].pk]) + query


def _log(world, query):
    return reverse("followups:contact-log", args=[world.customers[0].pk]) + query


def _other_team_board(world, query):
    return reverse("followups:team-board", args=[world.teams[1].pk]) + query


def _report(name):
    return lambda world, query: reverse(name) + query


BAD_GETS = {
    # unicode digits
    "team-board-person-unicode-digit": ("lead", _team_board, "?person=²", 400),
    "team-board-topic-unicode-digit": ("lead", _team_board, "?topic=²", 400),
    **{
        f"{name.split(':')[1]}-team-unicode-digit": ("manager", _report(name), "?team=²", 400)
        for name in ("reports:weekly", "reports:weekly-csv", "reports:weekly-xlsx", "reports:contacts-csv")
    },
    "log-checkin-unicode-digit": ("staff", _log, "?checkin=²", 400),
    # NUL bytes
    "search-nul": ("staff", _report("contacts:customer-search"), "?q=a%00b", 400),
    "search-go-nul": ("staff", _report("contacts:customer-search"), "?q=a%00b&go=1", 400),
    "team-board-kind-nul": ("lead", _team_board, "?kind=%00", 400),
    # weeks at the edges of the calendar
    **{
        f"{name.split(':')[1]}-week-{week}": ("manager", _report(name), f"?week={week}", 400)
        for name in ("reports:weekly", "reports:weekly-csv", "reports:weekly-xlsx", "reports:contacts-csv")
        for week in ("0001-W01", "9999-W52")
    },
    # the CSV separator (issue 14): only the two the page offers; a NUL byte, 5,000 characters, a raw ";"
    **{
        f"{name.split(':')[1]}-sep-{label}": ("manager", _report(name), f"?sep={value}", 400)
        for name in ("reports:weekly", "reports:weekly-csv", "reports:contacts-csv")
        for label, value in (("nul", "semi%00colon"), ("long", "s" * 5000), ("raw", "%3B"), ("tab", "%09"))
    },
    # Losing touch (issue 14): the team filter and the page link
    "losing-touch-team-unicode-digit": ("manager", _report("followups:losing-touch"), "?team=²", 400),
    "losing-touch-team-nul": ("lead", _report("followups:losing-touch"), "?team=%00", 400),
    "losing-touch-team-huge": ("manager", _report("followups:losing-touch"), f"?team={2**63}", 400),
    "losing-touch-after-garbage": ("lead", _report("followups:losing-touch"), "?after=abc", 400),
    "losing-touch-after-year-overflow": (
        "lead",
        _report("followups:losing-touch"),
        "?after=999999999999999999.0.1",
        400,
    ),
    "losing-touch-after-long": ("lead", _report("followups:losing-touch"), "?after=" + "9" * 5000, 400),
    # another team's object
    "other-team-board": ("lead", _other_team_board, "?person=²", 404),
    "losing-touch-other-team": ("lead", _report("followups:losing-touch"), "?team={other_team}", 404),
    "report-other-team": ("lead", _report("reports:weekly"), "?team={other_team}", 404),
    # Where it chafes (issue 14): hostile periods, topics, channels, pages; another team's contacts
    **{
        f"chafes-{what}": ("manager", _report("reports:chafes"), query, 400)
        for what, query in {
            "weeks-unicode-digit": "?weeks=¹²",
            "weeks-other": "?weeks=5",
            "week-year-1": "?week=0001-W01",
            "week-year-9999": "?week=9999-W52",
            "team-nul": "?team=%00",
            "team-huge": "?team=99999999999999999999",
        }.items()
    },
    **{
        f"chafe-contacts-{what}": ("manager", _report("reports:chafe-contacts"), query, 400)
        for what, query in {
            "no-figure": "?topic=none",
            "figure-nul": "?figure=repeat%00",
            "topic-unicode-digit": "?figure=repeat&topic=²",
            "topic-long": "?figure=repeat&topic=" + "9" * 5000,
            "topic-and-channel": "?figure=repeat&topic=none&channel=phone",
            "channel-unknown": "?figure=repeat&channel=pigeon",
            "page-zero": "?figure=repeat&page=0",
            "page-huge": "?figure=repeat&page=99999999999999999999999",
        }.items()
    },
    "chafe-contacts-unknown-topic": ("manager", _report("reports:chafe-contacts"), "?figure=repeat&topic=9999999", 404),
    "chafes-other-team": ("lead", _report("reports:chafes"), "?team={other_team}", 404),
    "chafe-contacts-other-team": (
        "lead",
        _report("reports:chafe-contacts"),
        "?figure=contacts&team={other_team}",
        404,
    ),
}


@pytest.mark.parametrize(("role", "where", "query", "status"), BAD_GETS.values(), ids=BAD_GETS.keys())
def test_bad_query_parameters_get_a_clear_answer(world, role, where, query, status):
    query = query.replace("{other_team}", str(world.teams[1].pk))
    url = where(world, query)
    before = _counts()

    response = _request(world.clients[role], "GET", url)

    assert response.status_code == status, url
    assert _counts() == before  # a refused download is not recorded


def test_a_nul_byte_in_a_search_from_htmx_is_a_400(world):
    response = world.clients["staff"].get(
        reverse("contacts:customer-search"), {"q": "a\x00b"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("field_name", ["summary", "checkin", "promises-0-description", "next_step"])
def test_a_nul_byte_or_unicode_digit_in_the_log_form_is_a_400_and_nothing_is_stored(world, field_name):
    staff, customer = world.clients["staff"], world.customers[0]
    due = timezone.now() + timedelta(days=1)
    data = _log_form(
        staff, customer, promises=[{"description": "Bel terug", "due_at": due, "owner": world.users["staff"]}]
    )
    data[field_name] = "²" if field_name == "checkin" else "a\x00b"
    before = _counts()

    response = staff.post(reverse("followups:contact-log", args=[customer.pk]), data)

    assert response.status_code == 400
    assert _counts() == before


@pytest.mark.parametrize(
    ("route", "field_name"),
    [
        ("followups:customer-handover", "note"),
        ("followups:handover-pass-on", "note"),
        ("followups:contact-log", "next_step"),
    ],
)
def test_a_5000_character_handover_note_is_a_form_error_never_cut(world, route, field_name):
    """Issue 13: a handover's note (and what happens next, which may become one) is refused with its length."""
    staff = world.clients["staff"]
    target = world.handovers[0] if route == "followups:handover-pass-on" else world.customers[0]
    url = reverse(route, args=[target.pk])
    data = _hidden_fields(staff.get(url).content.decode()) | {"to": f"team:{world.teams[1].pk}", field_name: LONG}
    if route == "followups:contact-log":
        data |= contact_log_data(fully_helped="false", handover_to=f"team:{world.teams[1].pk}", next_step=LONG)
    before = (Handover.objects.count(), _counts())

    response = staff.post(url, data, headers={"Accept-Language": "en"})

    _field_error_shown(response, "form", field_name)
    assert "(it has 5000)" in unescape(response.content.decode())
    assert (Handover.objects.count(), _counts()) == before


NEXT_VALUES = ["abc", "//evil.example", "javascript:alert(1)", "/\\evil", "https://evil.example/"]


def _act(world, action: str):
    """(url, data, check) for one action on team Noord's items, posted with `next`."""
    checkin, promise = world.checkins[0], world.promises[0]
    tomorrow = business_day_ahead(1)
    if action == "keep":
        return reverse("followups:promise-keep", args=[promise.pk]), {}, lambda: _status(promise) == "kept"
    if action == "cancel":
        url = reverse("followups:promise-cancel", args=[promise.pk])
        return url, {"reason": "Not needed"}, lambda: _status(promise) == "cancelled"
    if action == "skip":
        url = reverse("followups:checkin-skip", args=[checkin.pk])
        return url, {"reason": "On holiday"}, lambda: _status(checkin) == "skipped"
    if action == "reschedule":
        url = reverse("followups:checkin-reschedule", args=[checkin.pk])
        data = {"due_date": tomorrow.isoformat(), "reason": "Later"}
        return url, data, lambda: CheckIn.objects.get(pk=checkin.pk).due_date == tomorrow
    url = reverse("followups:team-reassign", args=[world.teams[0].pk])
    data = {"checkins": [checkin.pk], "assignee": world.users["lead"].pk, "confirm": "1"}
    return url, data, lambda: CheckIn.objects.get(pk=checkin.pk).assignee_id == world.users["lead"].pk


def _status(obj) -> str:
    return type(obj).objects.get(pk=obj.pk).status


@pytest.mark.parametrize("next_value", NEXT_VALUES)
@pytest.mark.parametrize("action", ["keep", "cancel", "skip", "reschedule", "reassign"])
def test_an_unsafe_next_redirects_to_a_safe_place(world, action, next_value):
    # given
    client = world.clients["lead"]
    url, data, done = _act(world, action)
    # when
    response = client.post(url, {**data, "next": next_value})
    # then
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
    assert "evil" not in location and location != next_value
    assert done()


def test_a_5000_character_login_username_is_a_form_error(world):
    client = Client()

    response = client.post(
        reverse("login"), {"username": LONG, "password": "whatever"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_policy_that_cannot_plan_is_refused_on_the_policy_page(world):
    manager = world.clients["manager"]
    policy = world.policies[0]
    data = {
        "name": policy.name,
        "is_active": "on",
        "offsets": "3 days",
        "day_type": "business",
        "holiday_country": "NL",
    }

    response = manager.post(
        reverse("followups:policy-update", args=[policy.pk]), data, headers={"Accept-Language": "en"}
    )

    _field_error_shown(response, "form", "offsets")
    policy.refresh_from_db()
    assert policy.offsets == "3d, 6w"


def test_a_stored_bad_policy_never_breaks_logging(world):
    # given: a policy saved around the form (an old admin, a shell, a migration)
    CheckInPolicy.objects.filter(pk=world.policies[0].pk).update(offsets="3 days")
    staff, customer = world.clients["staff"], world.customers[0]
    before = ContactMoment.objects.count()
    # when
    response = staff.post(reverse("followups:contact-log", args=[customer.pk]), _log_form(staff, customer))
    # then
    assert response.status_code == 302
    assert ContactMoment.objects.count() == before + 1


@pytest.mark.parametrize("huge", ["99999999999999999999", str(2**63), "-1", "0"])
def test_an_id_beyond_64_bits_in_a_choice_is_a_form_error(world, huge):
    """The probe's find: a reassign with a 20-digit check-in id overflowed the driver (a 500)."""
    team, client = world.teams[0], world.clients["manager"]
    url = reverse("followups:team-reassign", args=[team.pk])
    checkin = world.checkins[0]
    for data in (
        {"checkins": [huge], "assignee": world.users["staff"].pk},
        {"checkins": [checkin.pk], "assignee": huge},
        {"promises": [huge, checkin.pk], "assignee": huge},
    ):
        response = client.post(url, data)
        assert response.status_code in {200, 302, 400}, data
    listing = client.get(reverse("followups:customer-list"), {"team": huge})
    assert listing.status_code in {200, 400}


@pytest.mark.parametrize("total", ["99999999999999999999", "1000", "11"])
def test_a_huge_promise_count_in_the_log_form_builds_no_more_than_ten_forms(
    world, total, django_assert_max_num_queries
):
    """The probe's find: promises-TOTAL_FORMS of 10**20 made Django build and render 1,010 forms (8 s)."""
    customer = world.customers[0]
    staff = world.clients["staff"]
    data = {**_log_form(staff, customer), "promises-TOTAL_FORMS": total}
    before = ContactMoment.objects.count()
    response = staff.post(reverse("followups:contact-log", args=[customer.pk]), data)
    assert response.status_code in {200, 400}
    assert response.content.decode().count('name="promises-') < 12 * 6  # at most the ten promise rows' fields
    assert ContactMoment.objects.count() == before


@pytest.mark.parametrize("huge", ["99999999999999999999", "0001-01-01"])
def test_the_admin_refuses_ids_beyond_64_bits_in_choices_and_ticked_rows(world, huge):
    """The probe's finds: a 20-digit team member, and a date as a ticked row for an action (500s on SQLite)."""
    admin_client = world.clients["admin"]
    before = Team.objects.count()
    added = admin_client.post(reverse("admin:contacts_team_add"), {"name": "Oost", "members": [huge], "lead": huge})
    assert added.status_code == 200 and Team.objects.count() == before
    action = admin_client.post(
        reverse("admin:contacts_topic_changelist"),
        {"action": "delete_selected", "select_across": "0", "_selected_action": [huge]},
    )
    assert action.status_code in {200, 302}
    assert Topic.objects.exists()


@pytest.mark.parametrize("model", ["followups_handover", "followups_checkin", "contacts_customer"])
def test_an_empty_to_field_on_an_admin_change_page_is_no_500(world, model):
    """The probe's find (issue 13): `?_to_field=` (empty) named a field "" on the admin's change page."""
    obj = {"followups_handover": world.handovers[0], "followups_checkin": world.checkins[0]}.get(
        model, world.customers[0]
    )
    response = world.clients["admin"].get(reverse(f"admin:{model}_change", args=[obj.pk]), {"_to_field": ""})
    assert response.status_code == 200


def test_the_pages_and_downloads_of_closed_weeks_are_no_500(world):
    """Issue 14: closed weeks at the calendar's first week, and one whose figures name a team and a person that
    are gone (ids kept, not foreign keys), read back for every scope a manager and a lead may ask for."""
    from reports.closing import week_close
    from reports.models import ClosedWeek
    from reports.weeks import IsoWeek

    last, first = IsoWeek.last_complete(timezone.now()), IsoWeek.first()
    for week in (last, last.previous(), first):
        week_close(week=week, now=timezone.now(), actor=world.users["manager"], how=ClosedWeek.How.COMMAND)
    gone = ClosedWeek.objects.get(week=last.monday)
    gone.figures["teams"]["t99999999"] = {"contacts": 3, "handover_waits": [1.5]}
    gone.figures["people"][f"t{world.teams[0].pk}"] = {"99999999": {"contacts": 2}}
    gone.save()
    for role, scopes in (("manager", ["", *[f"&team={team.pk}" for team in world.teams]]), ("lead", [""])):
        for week in (last, first):
            for name in ("reports:weekly", "reports:weekly-csv", "reports:weekly-xlsx"):
                url = f"{reverse(name)}?week={week.label}"
                for scope in scopes:
                    response = _request(world.clients[role], "GET", url + scope)
                    assert response.status_code in {200, 403}, f"{url}{scope} as {role}"
