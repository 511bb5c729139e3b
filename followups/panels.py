"""The follow-up panel of the customer page: open promises, check-ins, recent changes.

Registered with `contacts.panels` when the app starts (FollowupsConfig.ready),
so the customer page renders it in its own response; the `customer-panel`
URL renders the same panel alone, for htmx to refresh it after an action.
"""

from django.utils import timezone

from contacts.panels import CustomerPanel

from . import handovers, selectors

# How many recent changes to check-ins and promises the panel shows.
PANEL_HISTORY_LIMIT = 5


def customer_panel_context(*, request, customer) -> dict:
    """Five queries: open promises, check-ins, the recent changes (one per history table), and the handovers."""
    now = timezone.now()
    return {
        "customer": customer,
        "followups": selectors.customer_followups(customer=customer),
        "changes": selectors.followup_history(customer=customer, limit=PANEL_HISTORY_LIMIT),
        "handover_chains": handovers.customer_handover_chains(customer=customer, user=request.user, now=now),
        "now": now,
        "today": timezone.localdate(now),
    }


FOLLOWUP_PANEL = CustomerPanel(
    name="customer-followups",
    template="followups/_customer_panel.html",
    context=customer_panel_context,
    permissions=("followups.view_checkin", "followups.view_promise"),
    refresh_url_name="followups:customer-panel",
)
