"""Shapes of the API's input and output. Input: types, choices and outer bounds only; the services hold the
rules (lengths, dates, who may own a promise) and their ValidationErrors come back as 400 with field errors."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcare.forms import BIGINT_MAX
from contacts.models import ContactMoment, Customer, CustomerDetail, Topic
from followups.models import CheckIn, Handover, Promise
from followups.my_day import SECTIONS

# An outer bound on any text, far above every real limit: the service then says the real one ("keep it to 2000
# characters, it has 2400"); this stops a megabyte before it is normalised.
TEXT_MAX = 10_000
PROMISES_MAX = 10  # as the log form's formset


def _text(**kwargs) -> serializers.CharField:
    kwargs.setdefault("max_length", TEXT_MAX)
    kwargs.setdefault("trim_whitespace", False)  # the services normalise (text_normalize)
    return serializers.CharField(**kwargs)


class IdField(serializers.IntegerField):
    """A database id: a positive 64-bit integer (an id past 2**63 is a 400, not a driver overflow)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class RelatedIdField(serializers.IntegerField):
    """An id that must name a row of `queryset` (called with the request's user for rows per person)."""

    default_error_messages = {"does_not_exist": _("Choose one from the list; this one cannot be chosen.")}

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        pk = super().to_internal_value(data)
        if not 1 <= pk <= BIGINT_MAX:  # checked here: the min/max validators would run on the row found
            self.fail("does_not_exist")
        queryset = self.queryset(self.context["request"].user) if callable(self.queryset) else self.queryset
        found = queryset.filter(pk=pk).first()
        if found is None:
            self.fail("does_not_exist")
        return found


# --- Output -----------------------------------------------------------------------


class CustomerSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="Lower-case; empty when not known.")
    phone = serializers.CharField(read_only=True, help_text="E.164 (+31612345678); empty when not known.")
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "customer_number",
            "full_name",
            "preferred_address",
            "phone",
            "email",
            "language",
            "created_at",
            "updated_at",
            "last_contact_at",
            "merged_into",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer):
    """Create (full_name required) or PATCH (any of them): the same fields as the customer form."""

    full_name = _text()
    preferred_address = _text(required=False, allow_blank=True)
    customer_number = _text(required=False, allow_blank=True, max_length=200)
    phone = _text(required=False, allow_blank=True, max_length=200)
    email = _text(required=False, allow_blank=True, max_length=1000)
    language = serializers.ChoiceField(choices=Customer.Language.choices, required=False)


class CustomerDetailSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)

    class Meta:
        model = CustomerDetail
        fields = ["id", "customer", "text", "is_pinned", "created_at"]
        read_only_fields = fields


class CustomerDetailWriteSerializer(serializers.Serializer):
    text = _text()
    is_pinned = serializers.BooleanField(required=False, default=False)


class ContactMomentSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    logged_by = serializers.IntegerField(source="logged_by_id", read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    topic = serializers.IntegerField(source="topic_id", read_only=True, allow_null=True)

    class Meta:
        model = ContactMoment
        fields = [
            "id",
            "customer",
            "channel",
            "direction",
            "occurred_at",
            "logged_by",
            "team",
            "topic",
            "summary",
            "outcome",
            "sentiment_start",
            "sentiment_end",
            "is_complaint",
            "is_compliment",
            "fully_helped",
            "is_repeat",
            "created_at",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    origin = serializers.IntegerField(source="origin_id", read_only=True)
    assignee = serializers.IntegerField(source="assignee_id", read_only=True, allow_null=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    done_moment = serializers.IntegerField(source="done_moment_id", read_only=True, allow_null=True)
    # The open promise a keep-informed check-in (kind "update", issue 13) is about; null for the others.
    promise = serializers.IntegerField(source="promise_id", read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "customer",
            "origin",
            "kind",
            "due_date",
            "assignee",
            "team",
            "status",
            "is_overdue",
            "done_moment",
            "done_date",
            "closed_at",
            "skip_reason",
            "promise",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, checkin) -> bool:
        return checkin.status == CheckIn.Status.OPEN and checkin.due_date < timezone.localdate()


def _promise_has(name: str) -> bool:
    """Whether Promise has the field (`kind` and `number` come with the callbacks of issue 12)."""
    return any(field.name == name for field in Promise._meta.get_fields())


class PromiseSerializer(serializers.ModelSerializer):
    # Nullable: a callback for a missed call has no customer (unknown number), contact or owner (the team's).
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)
    moment = serializers.IntegerField(source="moment_id", read_only=True, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    is_broken = serializers.SerializerMethodField()
    # When it broke (its due time), or null: derived, `Promise.broken_at`.
    broken_at = serializers.DateTimeField(read_only=True, allow_null=True)
    if _promise_has("kind"):
        kind = serializers.CharField(read_only=True)
    if _promise_has("number"):
        number = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Promise
        fields = [
            "id",
            *(["kind"] if _promise_has("kind") else []),
            "customer",
            *(["number"] if _promise_has("number") else []),
            "moment",
            "description",
            "owner",
            "team",
            "due_at",
            "status",
            "is_broken",
            "kept_at",
            "cancelled_at",
            "cancel_reason",
            "broken_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_broken(self, promise) -> bool:
        return promise.is_broken()


# --- Logging a contact ---------------------------------------------------------------


def _owner_choices(user):
    from followups.selectors import promise_owner_choices

    return promise_owner_choices(user=user)


def _user_teams(user):
    from contacts.selectors import user_teams

    return user_teams(user=user)


class PromiseWriteSerializer(serializers.Serializer):
    description = _text()
    due_at = serializers.DateTimeField()
    owner = RelatedIdField(queryset=_owner_choices, required=False, help_text="Default: you.")


class ContactLogSerializer(serializers.Serializer):
    """The log form's fields; `promises` as its promise rows; `checkin` as its "Call now" check-in."""

    channel = serializers.ChoiceField(choices=ContactMoment.Channel.choices, default=ContactMoment.Channel.PHONE)
    direction = serializers.ChoiceField(
        choices=ContactMoment.Direction.choices, default=ContactMoment.Direction.INBOUND
    )
    topic = RelatedIdField(queryset=Topic.objects.filter(is_active=True), required=False, allow_null=True)
    # The form's bound (a TextField's max_length is the form's check, not the model's): refused, never cut.
    summary = _text(max_length=ContactMoment._meta.get_field("summary").max_length)
    outcome = serializers.ChoiceField(choices=ContactMoment.Outcome.choices, default=ContactMoment.Outcome.RESOLVED)
    fully_helped = serializers.BooleanField(required=False, allow_null=True, default=None)
    sentiment_start = serializers.ChoiceField(
        choices=ContactMoment.Sentiment.choices, default=ContactMoment.Sentiment.NEUTRAL
    )
    sentiment_end = serializers.ChoiceField(
        choices=ContactMoment.Sentiment.choices, default=ContactMoment.Sentiment.NEUTRAL
    )
    is_complaint = serializers.BooleanField(default=False)
    is_compliment = serializers.BooleanField(default=False)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    team = RelatedIdField(queryset=_user_teams, required=False, allow_null=True, help_text="One of your teams.")
    promises = PromiseWriteSerializer(many=True, required=False, max_length=PROMISES_MAX)
    next_step = _text(
        required=False,
        default="",
        allow_blank=True,
        help_text='What happens next. Required with "fully_helped": false, which also needs a promise.',
    )


class ContactLogWithCheckinSerializer(ContactLogSerializer):
    checkin = IdField(
        required=False, allow_null=True, help_text="The open check-in this contact completes (as “Call now”)."
    )


class CheckinDoneSerializer(ContactLogSerializer):
    """The contact that does the check-in: an outbound phone call unless said otherwise."""

    channel = serializers.ChoiceField(choices=ContactMoment.Channel.choices, default=ContactMoment.Channel.PHONE)
    direction = serializers.ChoiceField(
        choices=ContactMoment.Direction.choices, default=ContactMoment.Direction.OUTBOUND
    )


class ContactLoggedSerializer(serializers.Serializer):
    contact = ContactMomentSerializer()
    promises = PromiseSerializer(many=True)
    checkins_planned = CheckInSerializer(many=True)
    checkin_done = CheckInSerializer(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())


# --- Actions on check-ins and promises ---------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = _text()


class RescheduleSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    reason = _text()
    non_business_day_ok = serializers.BooleanField(
        default=False, help_text="Move to a weekend day or public holiday anyway (the service warns otherwise)."
    )


# --- Filters ---------------------------------------------------------------------------


class PromiseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Promise.Status.choices, required=False)
    due_before = serializers.DateTimeField(required=False, help_text="Due before this moment.")
    due_after = serializers.DateTimeField(required=False, help_text="Due at or after this moment.")
    team = IdField(required=False)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only those you own.")
    kind = serializers.ChoiceField(choices=Promise.Kind.values, required=False)  # promise, callback, reply


class CheckInFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CheckIn.Status.choices, required=False)
    due_before = serializers.DateField(required=False, help_text="Due before this day.")
    due_after = serializers.DateField(required=False, help_text="Due on or after this day.")
    team = IdField(required=False)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only those assigned to you.")
    kind = serializers.CharField(
        required=False, max_length=10, help_text="A policy's offset: 3d, 6w, ...; update: keep the customer informed"
    )


class CustomerQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, allow_blank=True, trim_whitespace=False)


class MyDayQuerySerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=list(SECTIONS), required=False)
    after = serializers.CharField(required=False, max_length=100)


class ReportQuerySerializer(serializers.Serializer):
    week = serializers.CharField(required=False, max_length=20, help_text="An ISO week, like 2026-W47.")
    team = IdField(required=False)


# --- My day and the report (output, for the schema) ---------------------------------------------


class HandoverSerializer(serializers.ModelSerializer):
    """A customer handed over to a colleague (`to_user`) or a team (`to_team`), with its note (issue 13)."""

    customer = serializers.IntegerField(source="customer_id", read_only=True)
    from_user = serializers.IntegerField(source="from_user_id", read_only=True)
    to_user = serializers.IntegerField(source="to_user_id", read_only=True, allow_null=True)
    to_team = serializers.IntegerField(source="to_team_id", read_only=True, allow_null=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    previous = serializers.IntegerField(source="previous_id", read_only=True, allow_null=True)
    answered_by = serializers.IntegerField(source="answered_by_id", read_only=True, allow_null=True)
    is_waiting_too_long = serializers.BooleanField(source="too_long", read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "customer",
            "from_user",
            "to_user",
            "to_team",
            "team",
            "note",
            "status",
            "created_at",
            "accept_by",
            "is_waiting_too_long",
            "answered_at",
            "answered_by",
            "previous",
        ]
        read_only_fields = fields


class MyDaySectionSerializer(serializers.Serializer):
    section = serializers.CharField(help_text="The section's key: `section` in the query asks for its next page.")
    kind = serializers.ChoiceField(choices=["checkin", "promise", "handover"], help_text="What its items are.")
    count = serializers.IntegerField(help_text="Every item of the section, not only this page's.")
    checkins = CheckInSerializer(many=True, help_text="This page's items of a check-in section (else empty).")
    promises = PromiseSerializer(many=True, help_text="This page's items of a promise section (else empty).")
    handovers = HandoverSerializer(many=True, help_text="This page's items of the handovers section (else empty).")
    next = serializers.CharField(allow_null=True, help_text="The `after` of the next page; null: no more.")


class MyDaySerializer(serializers.Serializer):
    today = serializers.DateField()
    sections = MyDaySectionSerializer(many=True)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number", "nullable": True}})
class FiguresField(serializers.DictField):
    pass


@extend_schema_field({"type": "number", "nullable": True})
class NumberField(serializers.Field):
    """A figure as counted: a whole number for a count, a decimal for a share or average, null for "no data"."""

    def to_representation(self, value):
        return value


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()
    section = serializers.CharField()
    unit = serializers.CharField()
    value = NumberField(allow_null=True)
    previous = NumberField(allow_null=True)


class ScopeFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    figures = FiguresField()


class WeeklyReportSerializer(serializers.Serializer):
    week = serializers.CharField()
    previous_week = serializers.CharField()
    team = serializers.IntegerField(allow_null=True)
    figures = FigureSerializer(many=True)
    teams = ScopeFiguresSerializer(many=True)
    people = ScopeFiguresSerializer(many=True)
