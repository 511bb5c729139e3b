"""Thin views: parse the request, call a selector or service, render (a partial for htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcare import webhooks
from contactcare.formats import day
from contactcare.forms import add_service_error
from contactcare.models import Notification
from contactcare.responses import already_saved, redirect_next, safe_next
from contactcare.services import AlreadySubmitted, submission_key_new
from contacts import selectors as contact_selectors
from contacts.models import ContactMoment, Customer, Topic
from contacts.views import merged_customer_redirect

from . import access, dates, keep_informed, notifications, planning, replies, retention, rows, selectors, services
from . import my_day as my_day_reads
from .forms import (
    CancelPromiseForm,
    CheckInPolicyForm,
    ContactLogForm,
    DeskSettingsForm,
    PromiseFormSet,
    ReassignForm,
    ReplyByForm,
    RescheduleForm,
    SkipForm,
    TeamFilterForm,
)
from .losing_touch import losing_touch_days
from .models import CheckInPolicy
from .panels import FOLLOWUP_PANEL

# How many recent changes to check-ins and promises each screen shows (the customer panel's: panels.py).
TEAM_HISTORY_LIMIT = 20
PAGE_HISTORY_LIMIT = 100

# --- Logging a contact --------------------------------------------------------


def _checkin_param(request, raw) -> int | None:
    form = ContactLogForm.base_fields["checkin"]
    try:
        return form.clean(raw)
    except ValidationError as error:
        raise BadRequest(" ".join(error.messages)) from error


@permission_required(["contacts.add_contactmoment", "followups.add_promise"], raise_exception=True)
def contact_log(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:  # merged meanwhile: the contact belongs with the customer that stays
        return merged_customer_redirect(request, customer, url_name="followups:contact-log")
    teams = contact_selectors.user_teams(user=request.user)
    promise_kwargs = {
        "prefix": "promises",
        "form_kwargs": {"owners": selectors.promise_owner_choices(user=request.user), "user": request.user},
    }
    if request.method == "POST":
        form = ContactLogForm(request.POST, teams=teams, user=request.user)
        promises = PromiseFormSet(request.POST, **promise_kwargs)
        checkin_id = _checkin_param(request, request.POST.get("checkin"))
        checkin = selectors.checkin_for_call(customer=customer, checkin_id=checkin_id, user=request.user)
        if form.is_valid() and promises.is_valid():
            made = [p for p in promises if p.has_changed() and p.cleaned_data]
            try:
                moment = services.contact_log(
                    customer=customer,
                    actor=request.user,
                    promises=[p.cleaned_data for p in made],
                    checkin=checkin,
                    submission_key=form.cleaned_data["submission_key"],
                    call_id=form.cleaned_data.get("call"),
                    **form.next_fields(),
                    **form.moment_fields(),
                )
            except AlreadySubmitted:
                return already_saved(request, customer, default=customer.get_absolute_url())
            except ValidationError as error:
                index = getattr(error, "promise_index", None)
                next_step = form.cleaned_data.get("next_step", "")  # an error on the field takes it out
                add_service_error(made[index] if index is not None else form, error)
                if form.has_error("next_step", "no_next_way") and not made:
                    # A "no" without a promise or a handover: offer the promise, filled in with what happens next
                    # (with JavaScript, "Promise it" did this before saving).
                    offer = {"description": next_step, "owner": request.user.pk}
                    promises = PromiseFormSet(offer=offer, **promise_kwargs)
            else:
                if moment.direction == ContactMoment.Direction.INBOUND:
                    request.session["last_inbound_channel"] = moment.channel
                messages.success(request, _log_confirmation(moment, checkin, len(made)))
                reply = replies.reply_by_logged(moment)
                if reply is not None:  # shown with a copy button (_messages.html), for the acknowledgement
                    messages.info(request, reply.sentence, extra_tags=REPLY_BY_MESSAGE)
                if checkin_id and checkin is None:
                    messages.warning(
                        request, _("The check-in was already closed by someone else; the contact is logged.")
                    )
                return redirect(customer)
    else:
        checkin_id = _checkin_param(request, request.GET.get("checkin"))
        checkin = selectors.checkin_for_call(customer=customer, checkin_id=checkin_id, user=request.user)
        first_team = teams.first()
        # How the form was reached decides who contacted whom, never the previous contact: from a
        # search or the customer page the customer contacted us (on the channel of the user's last
        # inbound contact: a desk works one queue at a time); "Call now" is our call.
        initial = {
            "channel": request.session.get("last_inbound_channel", ContactMoment.Channel.PHONE),
            "direction": ContactMoment.Direction.INBOUND,
            "team": first_team.pk if first_team else None,
        }
        if checkin_id:  # "Call now": an outbound call, completing the check-in unless someone else closed it
            initial.update(channel=ContactMoment.Channel.PHONE, direction=ContactMoment.Direction.OUTBOUND)
        if checkin:
            initial.update(checkin=checkin.pk, team=checkin.team_id or initial["team"])
        # From the screen-pop or "Log now" on a callback: the call's channel, direction and time, and its id.
        initial.update(ContactLogForm.call_prefill(request.GET))
        form = ContactLogForm(teams=teams, initial=initial, user=request.user)
        promises = PromiseFormSet(**promise_kwargs)
    context = {
        "customer": customer,
        "form": form,
        "promises": promises,
        "checkin": checkin,
        "due_picks": dates.due_quick_picks(now=timezone.localtime(), country=dates.DESK_COUNTRY),
        "reply": _reply_preview(customer, {name: form[name].value() for name in REPLY_BY_FIELDS}),
    }
    return render(request, "followups/contact_log.html", context)


REPLY_BY_FIELDS = ("channel", "direction", "occurred_at", "team")  # what the reply-by sentence depends on
REPLY_BY_MESSAGE = "reply-by"  # the message after saving that carries the sentence (_messages.html)


def _reply_preview(customer, values) -> replies.ReplyBy | None:
    form = ReplyByForm(values)
    return replies.reply_by_preview(customer=customer, **form.preview_fields()) if form.is_valid() else None


@permission_required("contacts.add_contactmoment", raise_exception=True)
def reply_by(request, pk):
    """The log form's reply-by sentence for the channel, direction, time and team it sends (htmx, on a change)."""
    customer = get_object_or_404(Customer, pk=pk)
    context = {"reply": _reply_preview(customer, request.GET), "customer": customer}
    return render(request, "followups/_reply_by.html", context)


def _log_confirmation(moment, checkin, promise_count: int) -> str:
    parts = [_("Contact logged.")]
    if checkin:
        parts.append(_("Check-in %(kind)s done.") % {"kind": checkin.kind_label})
    planned = list(moment.planned_checkins.order_by("due_date"))
    if planned:
        when = ", ".join(f"{c.kind_label} ({day(c.due_date)})" for c in planned)
        parts.append(_("Check-ins planned: %(when)s.") % {"when": when})
    if promise_count:
        parts.append(_("Promises recorded: %(count)s.") % {"count": promise_count})
    return " ".join(parts)


# --- My day and the customer panel --------------------------------------------


def _my_day_position(request) -> tuple[my_day_reads.Section | None, my_day_reads.Cursor | None]:
    """The section and cursor a "Show more" link carried: (None, None) for the plain page, 400 when unreadable."""
    raw_section, raw_after = request.GET.get("section", ""), request.GET.get("after", "")
    if not raw_section and not raw_after:
        return None, None
    section = my_day_reads.SECTIONS.get(raw_section)
    if section is None:
        raise BadRequest(_("This list cannot be read; open My day again."))
    if not raw_after:
        return section, None
    try:
        return section, my_day_reads.cursor_decode(section, raw_after)
    except ValueError as error:
        raise BadRequest(_("This page link cannot be read; open My day again.")) from error


@permission_required("followups.view_checkin", raise_exception=True)
def my_day(request):
    """The whole page; for htmx's "Show more", only the next rows of one section (and the next "Show more")."""
    now = timezone.now()
    section, after = _my_day_position(request)
    if section is not None and request.htmx and not request.htmx.boosted:
        page = my_day_reads.section_page(section, user=request.user, now=now, after=after)
        if section.kind == my_day_reads.CHECKIN:
            keep_informed.recent_updates_attach(page.items)
        context = {"page": page, "today": timezone.localdate(now), "now": now}
        return render(request, "followups/_my_day_more.html", context)
    day = my_day_reads.my_day(user=request.user, now=now, section=section, after=after)
    return render(request, "followups/my_day.html", {"day": day, "now": now})


@permission_required(list(FOLLOWUP_PANEL.permissions), raise_exception=True)
def customer_panel(request, pk):
    """The customer page's follow-up panel alone: the page renders it itself; htmx refreshes it here."""
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer, url_name="followups:customer-panel")
    context = FOLLOWUP_PANEL.context(request=request, customer=customer)
    return render(request, FOLLOWUP_PANEL.template, context)


@permission_required(["followups.view_checkin", "followups.view_promise"], raise_exception=True)
def customer_followup_history(request, pk):
    """The follow-up part of the customer's History page (loaded into its slot, like the panel)."""
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer, url_name="followups:customer-followup-history")
    changes = selectors.followup_history(customer=customer, limit=PAGE_HISTORY_LIMIT)
    return HttpResponse(rows.history_list(changes, show_customer=False, limit=PAGE_HISTORY_LIMIT))


# --- Working on check-ins and promises ----------------------------------------


def _row_or_redirect(request, row_template: str, context: dict, row_id: str, default_next: str):
    """After an action: the updated row for htmx (replacing the whole row), else back where the user was.

    The htmx answer also carries the new My day numbers as out-of-band swaps:
    the top bar's badge on every page, the section badges when the action
    was taken on My day itself. The row stays where it was, showing what
    was done; the numbers count only what is still to do today.
    """
    if request.htmx:
        now = timezone.now()
        on_my_day = request.htmx.current_url_abs_path is not None and (
            request.htmx.current_url_abs_path.split("?")[0] == reverse("followups:my-day")
        )
        counts = my_day_reads.my_day_counts(user=request.user, now=now)
        context = {**context, "now": now, "today": timezone.localdate(now), "counts": counts, "on_my_day": on_my_day}
        response = render(request, row_template, context)
        response.write(render_to_string("followups/_my_day_counts.html", context, request=request))
        response["HX-Retarget"] = f"#{row_id}"
        response["HX-Reswap"] = "outerHTML"
        return response
    return redirect_next(request, default_next)


def _action(request, *, obj, row_name: str, form_class, perform, title: str, submit: str, row_template: str, done=None):
    """A small form that acts on one row: inline for htmx, a page of its own otherwise.

    GET shows the form; a valid POST calls `perform(obj, cleaned_data)` (a
    service) and answers with the updated row, or redirects back to `next`
    with the message `done(obj)` when given (the row itself shows it for htmx).
    """
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            obj = perform(obj, form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if done is not None and not request.htmx:
                messages.success(request, done(obj))
            if row_name == "checkin":
                keep_informed.recent_updates_attach([obj])
            context = {row_name: obj, "next": safe_next(request, "")}
            return _row_or_redirect(request, row_template, context, f"{row_name}-{obj.pk}", obj.get_absolute_url())
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "object": obj,
        "action": request.path,
        "next": safe_next(request, obj.get_absolute_url()),
    }
    return render(request, "followups/_action_form.html" if request.htmx else "followups/action_form.html", context)


@permission_required("followups.change_checkin", raise_exception=True)
def checkin_skip(request, pk):
    return _action(
        request,
        obj=get_object_or_404(access.checkins_for(user=request.user).for_display(), pk=pk),
        row_name="checkin",
        form_class=SkipForm,
        perform=lambda checkin, data: services.checkin_skip(checkin=checkin, reason=data["reason"], actor=request.user),
        title=_("Skip check-in"),
        submit=_("Skip"),
        row_template="followups/_checkin_row.html",
    )


@permission_required("followups.change_checkin", raise_exception=True)
def checkin_reschedule(request, pk):
    return _action(
        request,
        obj=get_object_or_404(access.checkins_for(user=request.user).for_display(), pk=pk),
        row_name="checkin",
        form_class=RescheduleForm,
        perform=lambda checkin, data: services.checkin_reschedule(
            checkin=checkin,
            due=data["due_date"],
            reason=data["reason"],
            actor=request.user,
            non_business_day_ok=data["anyway"],
        ),
        title=_("Reschedule check-in"),
        submit=_("Reschedule"),
        row_template="followups/_checkin_row.html",
        done=lambda checkin: _("Check-in moved to %(date)s.") % {"date": day(checkin.due_date)},
    )


@permission_required("followups.change_promise", raise_exception=True)
def promise_cancel(request, pk):
    return _action(
        request,
        obj=get_object_or_404(access.promises_for(user=request.user).for_display(), pk=pk),
        row_name="promise",
        form_class=CancelPromiseForm,
        perform=lambda promise, data: services.promise_cancel(
            promise=promise, reason=data["reason"], actor=request.user
        ),
        title=_("Cancel promise"),
        submit=_("Cancel the promise"),
        row_template="followups/_promise_row.html",
    )


@require_POST
@permission_required("followups.change_promise", raise_exception=True)
def promise_keep(request, pk):
    promise = get_object_or_404(access.promises_for(user=request.user).for_display(), pk=pk)
    try:
        promise = services.promise_keep(promise=promise, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if not request.htmx:
            messages.success(request, _("Promise kept."))
    context = {"promise": promise, "next": safe_next(request, "")}
    return _row_or_redirect(
        request, "followups/_promise_row.html", context, f"promise-{promise.pk}", promise.get_absolute_url()
    )


# --- Team leads -----------------------------------------------------------------


@permission_required("followups.view_team_dashboard", raise_exception=True)
def team_list(request):
    teams = list(selectors.teams_for(user=request.user))
    if len(teams) == 1:
        return redirect("followups:team-board", pk=teams[0].pk)
    return render(request, "followups/team_list.html", {"teams": teams})


def _team_filters(request) -> selectors.TeamFilters:
    form = TeamFilterForm(request.GET, age_keys=[key for key, *_ in selectors.AGE_BUCKETS])
    if not form.is_valid():
        raise BadRequest(_("These filters cannot be read; choose them again from the lists."))
    data = form.cleaned_data
    queue = data["person"] == TeamFilterForm.QUEUE
    return selectors.TeamFilters(
        person=None if queue or data["person"] == "" else data["person"],
        queue=queue,
        kind=data["kind"],
        topic=data["topic"],
        age=data["age"],
    )


@permission_required("followups.view_team_dashboard", raise_exception=True)
def team_board(request, pk):
    team = get_object_or_404(selectors.teams_for(user=request.user), pk=pk)
    board = selectors.team_board(
        team=team,
        filters=_team_filters(request),
        now=timezone.now(),
        page_checkins=request.GET.get("cpage"),
        page_promises=request.GET.get("ppage"),
    )
    context = {
        "board": board,
        "teams": selectors.teams_for(user=request.user),
        "topics": Topic.objects.filter(is_active=True),
        "age_buckets": selectors.AGE_BUCKETS,
        "reassign_form": ReassignForm(team=team),
        "changes": selectors.followup_history(team=team, limit=TEAM_HISTORY_LIMIT),
    }
    return render(request, "followups/team_board.html", context)


@require_POST
@permission_required("followups.reassign_checkin", raise_exception=True)
def team_reassign(request, pk):
    """Bulk reassign, in two steps: the selection is shown for confirmation, then moved."""
    team = get_object_or_404(selectors.teams_for(user=request.user), pk=pk)
    back = safe_next(request, reverse("followups:team-board", args=[team.pk]))
    form = ReassignForm(request.POST, team=team)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    if "confirm" not in request.POST:
        count = len(data["checkins"]) + len(data["promises"])
        context = {"team": team, "form": form, "next": back, "count": count, "submission_key": submission_key_new()}
        return render(request, "followups/team_reassign_confirm.html", context)
    try:
        moved_checkins, moved_promises = services.followups_reassign(
            team=team,
            checkin_ids=[c.pk for c in data["checkins"]],
            promise_ids=[p.pk for p in data["promises"]],
            to_user=data["assignee"],
            actor=request.user,
            submission_key=data["submission_key"],
        )
    except AlreadySubmitted:
        messages.info(request, _("This was already saved; nothing was saved twice."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(checkins)s check-ins and %(promises)s promises now go to %(name)s.")
            % {"checkins": moved_checkins, "promises": moved_promises, "name": data["assignee"].get_full_name()},
        )
    return redirect(back)


# --- Notifications and status -------------------------------------------------


@permission_required("contactcare.view_notification", raise_exception=True)
def notification_list(request):
    page = selectors.notifications_page(user=request.user, page=request.GET.get("page"))
    response = render(request, "followups/notification_list.html", {"page": page})
    notifications.notifications_mark_read(user=request.user, now=timezone.now())
    return response


@permission_required("contactcare.view_followup_status", raise_exception=True)
def status(request):
    status = selectors.followup_status()
    context = {"status": status, "now": timezone.now(), "webhooks": webhooks.webhook_status(sweeps=status.sweeps)}
    if request.user.has_perm(retention.ERASE_PERMISSION):  # the month's retention list, while it waits
        context["retention_waiting"] = retention.retention_review_waiting()
    return render(request, "followups/status.html", context)


@require_POST
@permission_required("contactcare.change_notification", raise_exception=True)
def notification_retry(request, pk):
    notification = get_object_or_404(Notification, pk=pk)
    notifications.notification_retry(notification=notification)
    messages.success(request, _("The notification will be sent again."))
    return redirect("followups:status")


# --- The desk's settings: opening hours, reply terms, keeping customers informed (managers) ------


@permission_required("followups.change_desksettings", raise_exception=True)
def desk_settings(request):
    form = DeskSettingsForm(request.POST or None, desk=planning.desk(), losing_touch_days=losing_touch_days())
    if request.method == "POST" and form.is_valid():
        try:
            services.desk_settings_save(actor=request.user, **form.desk_fields())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Desk settings saved. They apply to contacts logged from now on."))
            return redirect("followups:desk-settings")
    return render(request, "followups/desk_settings.html", {"form": form})


# --- Check-in policies (managers) --------------------------------------------


@permission_required("followups.view_checkinpolicy", raise_exception=True)
def policy_list(request):
    return render(request, "followups/policy_list.html", {"policies": selectors.policies()})


@permission_required("followups.change_checkinpolicy", raise_exception=True)
def policy_edit(request, pk=None):
    policy = get_object_or_404(CheckInPolicy, pk=pk) if pk else None
    form = CheckInPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_save(actor=request.user, policy=policy, **form.policy_fields())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Check-in policy saved. It applies to contacts logged from now on."))
            return redirect("followups:policy-list")
    return render(request, "followups/policy_form.html", {"form": form, "policy": policy})
