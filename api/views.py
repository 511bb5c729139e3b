"""The REST API's resources: parse, ask `followups.access` / the selectors, call the services. No rules here.

Every write goes through the same service as its screen, with `actor=request.user`.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from contacts import selectors as contact_selectors
from contacts import services as contact_services
from contacts.models import Customer, CustomerDetail
from followups import access
from followups import selectors as followup_selectors
from followups import services as followup_services
from followups.models import CheckIn

from . import serializers as s
from .base import ApiView
from .exceptions import service_error

CUSTOMER_PERMS = ["contacts.view_customer"]
LOG_PERMS = ["contacts.add_contactmoment", "followups.add_promise"]  # as the log form


def _valid(serializer_class, data, request, **kwargs):
    serializer = serializer_class(data=data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _service(call, *, prefix: str = ""):
    """Run a service; its ValidationError becomes a 400 with its field errors."""
    try:
        return call()
    except ValidationError as error:
        raise service_error(error, prefix=prefix) from error


def _not_merged(customer: Customer) -> None:
    """A merged customer takes no new data, as on the screens (its page leads to the survivor)."""
    if customer.merged_into_id:
        raise service_error(
            ValidationError(_("This customer was merged into another customer; change that one."), code="merged")
        )


@api_view(["GET", "POST", "PATCH", "PUT", "DELETE"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
@schema(None)
def not_found(request, rest):
    raise NotFound


# --- Customers -----------------------------------------------------------------------


class CustomerList(ApiView):
    """Customers. `?q=` searches as the top bar does (name, phone in any spelling, e-mail, customer number), best
    hit first: one page of at most `page_size`, no further pages. Without `q`: every customer (merged ones
    left out), oldest first, by cursor."""

    required_permissions = {"GET": CUSTOMER_PERMS, "POST": ["contacts.add_customer"]}
    serializer_class = s.CustomerSerializer
    queryset = Customer.objects.filter(merged_into__isnull=True)

    def idempotency_customer(self, data):
        return data.get("id") if isinstance(data, dict) else None

    @extend_schema(parameters=[s.CustomerQuerySerializer], responses=s.CustomerSerializer(many=True))
    def get(self, request):
        query = _valid(s.CustomerQuerySerializer, request.query_params, request).get("q")
        if query is None:
            page = self.paginate_queryset(self.get_queryset())
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        size = self.paginator.get_page_size(request)
        hits = contact_selectors.customer_search(query=query, limit=size)
        return Response({"next": None, "previous": None, "results": self.get_serializer(hits, many=True).data})

    @extend_schema(request=s.CustomerWriteSerializer, responses={201: s.CustomerSerializer})
    def post(self, request):
        data = _valid(s.CustomerWriteSerializer, request.data, request)
        customer = _service(lambda: contact_services.customer_create(actor=request.user, **data))
        return Response(s.CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerItem(ApiView):
    """One customer. A merged customer says which one it was merged into (`merged_into`) and cannot be changed."""

    required_permissions = {"GET": CUSTOMER_PERMS, "PATCH": ["contacts.change_customer"]}
    serializer_class = s.CustomerSerializer
    queryset = Customer.objects.all()
    http_method_names = ["get", "patch", "options"]

    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=s.CustomerWriteSerializer, responses={200: s.CustomerSerializer})
    def patch(self, request, pk):
        customer = self.get_object()
        data = _valid(s.CustomerWriteSerializer, request.data, request, partial=True)
        customer = _service(lambda: contact_services.customer_update(customer=customer, actor=request.user, **data))
        return Response(s.CustomerSerializer(customer).data)


# --- Details to remember ---------------------------------------------------------------


class DetailList(ApiView):
    """A customer's details to remember (newest first), and adding one."""

    required_permissions = {
        "GET": [*CUSTOMER_PERMS, "contacts.view_customerdetail"],
        "POST": [*CUSTOMER_PERMS, "contacts.add_customerdetail"],
    }
    serializer_class = s.CustomerDetailSerializer
    pagination_class = type("DetailPages", (ApiView.pagination_class,), {"ordering": ("-id",)})

    def idempotency_customer(self, data):
        return self.kwargs.get("pk")

    def get_queryset(self):
        return CustomerDetail.objects.filter(customer=self.customer)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.customer = get_object_or_404(Customer, pk=kwargs["pk"])

    @extend_schema(responses=s.CustomerDetailSerializer(many=True))
    def get(self, request, pk):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.CustomerDetailWriteSerializer, responses={201: s.CustomerDetailSerializer})
    def post(self, request, pk):
        _not_merged(self.customer)
        data = _valid(s.CustomerDetailWriteSerializer, request.data, request)
        detail = _service(
            lambda: contact_services.customer_detail_add(customer=self.customer, actor=request.user, **data)
        )
        return Response(s.CustomerDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


class DetailItem(ApiView):
    """Remove a detail to remember."""

    required_permissions = {"DELETE": [*CUSTOMER_PERMS, "contacts.delete_customerdetail"]}
    serializer_class = s.CustomerDetailSerializer
    http_method_names = ["delete", "options"]

    def get_queryset(self):
        return CustomerDetail.objects.filter(customer_id=self.kwargs["pk"])

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["detail_pk"])

    @extend_schema(responses={204: None})
    def delete(self, request, pk, detail_pk):
        contact_services.customer_detail_remove(detail=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DetailPin(DetailItem):
    """Pin a detail (shown first, and in the caller's card) or unpin it."""

    required_permissions = {"POST": [*CUSTOMER_PERMS, "contacts.change_customerdetail"]}
    http_method_names = ["post", "options"]
    pinned = True

    def idempotency_customer(self, data):
        return self.kwargs.get("pk")

    @extend_schema(request=None, responses={200: s.CustomerDetailSerializer})
    def post(self, request, pk, detail_pk):
        detail = contact_services.customer_detail_set_pinned(
            detail=self.get_object(), actor=request.user, is_pinned=self.pinned
        )
        return Response(s.CustomerDetailSerializer(detail).data)


# --- Contact moments --------------------------------------------------------------------


def _logged(moment, *, checkin: CheckIn | None, warnings: list[str]) -> dict:
    """What logging wrote: the contact, its promises, the check-ins it planned or the one it completed."""
    return s.ContactLoggedSerializer(
        {
            "contact": moment,
            "promises": list(moment.promises.order_by("pk")),
            "checkins_planned": list(moment.planned_checkins.order_by("due_date", "pk")),
            "checkin_done": CheckIn.objects.get(pk=checkin.pk) if checkin is not None else None,
            "warnings": warnings,
        }
    ).data


def _contact_log(request, *, customer: Customer, data: dict, checkin: CheckIn | None):
    """`followups.services.contact_log` called as the log form calls it; a refused promise names its row."""
    data = dict(data)
    data.pop("checkin", None)
    promises = [
        {"description": p["description"], "due_at": p["due_at"], "owner": p.get("owner") or request.user}
        for p in data.pop("promises", [])
    ]
    data = {
        name: value for name, value in data.items() if value is not None or name in ("fully_helped", "topic", "team")
    }
    try:
        return followup_services.contact_log(
            customer=customer, actor=request.user, promises=promises, checkin=checkin, **data
        )
    except ValidationError as error:
        index = getattr(error, "promise_index", None)
        raise service_error(error, prefix=f"promises.{index}." if index is not None else "") from error


class ContactList(ApiView):
    """A customer's logged contacts, newest first (deleted ones left out), and logging one with its promises."""

    required_permissions = {
        "GET": [*CUSTOMER_PERMS, "contacts.view_contactmoment"],
        "POST": [*CUSTOMER_PERMS, *LOG_PERMS],
    }
    serializer_class = s.ContactMomentSerializer
    pagination_class = type("ContactPages", (ApiView.pagination_class,), {"ordering": ("-occurred_at", "-id")})

    def idempotency_customer(self, data):
        return self.kwargs.get("pk")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.customer = get_object_or_404(Customer, pk=kwargs["pk"])

    def get_queryset(self):
        return self.customer.contact_moments.alive()

    @extend_schema(responses=s.ContactMomentSerializer(many=True))
    def get(self, request, pk):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.ContactLogWithCheckinSerializer, responses={201: s.ContactLoggedSerializer})
    def post(self, request, pk):
        data = _valid(s.ContactLogWithCheckinSerializer, request.data, request)
        checkin_id = data.get("checkin")
        # As the form: a check-in that is not open, not this customer's or not the user's to act on is left alone.
        checkin = followup_selectors.checkin_for_call(customer=self.customer, checkin_id=checkin_id, user=request.user)
        moment = _contact_log(request, customer=self.customer, data=data, checkin=checkin)
        warnings = []
        if checkin_id and checkin is None:
            warnings.append(_("The check-in was already closed by someone else; the contact is logged."))
        return Response(_logged(moment, checkin=checkin, warnings=warnings), status=status.HTTP_201_CREATED)


# --- Check-ins and promises -----------------------------------------------------------------


def _filtered(queryset, params: dict, *, user, owner: str, due: str):
    if "status" in params:
        queryset = queryset.filter(status=params["status"])
    if "due_before" in params:
        queryset = queryset.filter(**{f"{due}__lt": params["due_before"]})
    if "due_after" in params:
        queryset = queryset.filter(**{f"{due}__gte": params["due_after"]})
    if "team" in params:
        queryset = queryset.filter(team_id=params["team"])
    if params.get("mine"):
        queryset = queryset.filter(**{owner: user})
    if params.get("kind"):
        queryset = queryset.filter(kind=params["kind"])
    return queryset


class CheckInList(ApiView):
    """The check-ins you may act on (yours, your teams'; every team's for managers), in the order they were
    planned. Filters: status, due_before / due_after (days), team, mine, kind ("3d", "6w", "update")."""

    required_permissions = {"GET": ["followups.view_checkin"]}
    serializer_class = s.CheckInSerializer

    @extend_schema(parameters=[s.CheckInFilterSerializer], responses=s.CheckInSerializer(many=True))
    def get(self, request):
        params = _valid(s.CheckInFilterSerializer, request.query_params, request)
        rows = _filtered(
            access.checkins_for(user=request.user), params, user=request.user, owner="assignee", due="due_date"
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CheckInItem(ApiView):
    required_permissions = {"GET": ["followups.view_checkin"], "POST": ["followups.change_checkin"]}
    serializer_class = s.CheckInSerializer

    def get_queryset(self):
        return access.checkins_for(user=self.request.user)

    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


class CheckInSkip(CheckInItem):
    """Skip a check-in, with a reason (as the screen's Skip)."""

    http_method_names = ["post", "options"]

    @extend_schema(request=s.ReasonSerializer, responses={200: s.CheckInSerializer})
    def post(self, request, pk):
        checkin = self.get_object()
        data = _valid(s.ReasonSerializer, request.data, request)
        checkin = _service(
            lambda: followup_services.checkin_skip(checkin=checkin, reason=data["reason"], actor=request.user)
        )
        return Response(s.CheckInSerializer(checkin).data)


class CheckInReschedule(CheckInItem):
    """Move a check-in to another day, with a reason. A weekend day or public holiday is refused (code
    `non_business_day`) unless `non_business_day_ok`."""

    http_method_names = ["post", "options"]

    @extend_schema(request=s.RescheduleSerializer, responses={200: s.CheckInSerializer})
    def post(self, request, pk):
        checkin = self.get_object()
        data = _valid(s.RescheduleSerializer, request.data, request)
        checkin = _service(
            lambda: followup_services.checkin_reschedule(
                checkin=checkin,
                due=data["due_date"],
                reason=data["reason"],
                actor=request.user,
                non_business_day_ok=data["non_business_day_ok"],
            )
        )
        return Response(s.CheckInSerializer(checkin).data)


class CheckInDone(CheckInItem):
    """Do a check-in: log the contact that did it (an outbound phone call unless said otherwise), as the
    screen's "Call now" does. A check-in no longer open is refused, and nothing is logged."""

    required_permissions = {"POST": ["followups.change_checkin", *LOG_PERMS]}
    http_method_names = ["post", "options"]

    @extend_schema(request=s.CheckinDoneSerializer, responses={201: s.ContactLoggedSerializer})
    def post(self, request, pk):
        checkin = get_object_or_404(self.get_queryset().select_related("customer"), pk=pk)
        data = _valid(s.CheckinDoneSerializer, request.data, request)
        moment = _contact_log(request, customer=checkin.customer, data=data, checkin=checkin)
        return Response(_logged(moment, checkin=checkin, warnings=[]), status=status.HTTP_201_CREATED)


class PromiseList(ApiView):
    """The promises you may act on (yours, your teams'; every team's for managers), in the order they were
    made. Filters: status, due_before / due_after (moments), team, mine, kind (promise, callback or reply)."""

    required_permissions = {"GET": ["followups.view_promise"]}
    serializer_class = s.PromiseSerializer

    @extend_schema(parameters=[s.PromiseFilterSerializer], responses=s.PromiseSerializer(many=True))
    def get(self, request):
        params = _valid(s.PromiseFilterSerializer, request.query_params, request)
        if params.get("kind") and not s._promise_has("kind"):
            params.pop("kind")
        rows = _filtered(access.promises_for(user=request.user), params, user=request.user, owner="owner", due="due_at")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PromiseItem(ApiView):
    required_permissions = {"GET": ["followups.view_promise"], "POST": ["followups.change_promise"]}
    serializer_class = s.PromiseSerializer

    def get_queryset(self):
        return access.promises_for(user=self.request.user)

    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


class PromiseKeep(PromiseItem):
    """Record a promise as kept (on time or late, by its due time)."""

    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses={200: s.PromiseSerializer})
    def post(self, request, pk):
        promise = self.get_object()
        promise = _service(lambda: followup_services.promise_keep(promise=promise, actor=request.user))
        return Response(s.PromiseSerializer(promise).data)


class PromiseCancel(PromiseItem):
    """Cancel a promise, with a reason."""

    http_method_names = ["post", "options"]

    @extend_schema(request=s.ReasonSerializer, responses={200: s.PromiseSerializer})
    def post(self, request, pk):
        promise = self.get_object()
        data = _valid(s.ReasonSerializer, request.data, request)
        promise = _service(
            lambda: followup_services.promise_cancel(promise=promise, reason=data["reason"], actor=request.user)
        )
        return Response(s.PromiseSerializer(promise).data)
