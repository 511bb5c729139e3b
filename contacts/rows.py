"""A customer as a row: found by search (the top bar's dropdown, the search page: `{% search_hit %}`) and in
the customer list (`{% customer_row %}`).

The search is the screen staff use most (a caller on the line). As a template
loop each hit cost some 15 variable lookups, two filters and a `reverse()`;
the top bar's 10 hits were a third of its time (issue 11). Written with
`format_html`, as followups.rows writes the follow-up rows; the words are the
template's msgids, so the translations stay.
"""

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from contactcare.formats import day
from contactcare.html import format_html
from contactcare.id_urls import id_url, id_urls
from contacts.normalize import phone_display


def search_hit(customer) -> SafeString:
    """One customer (with `last_contact_at`) found by search: name, number, phone, e-mail, last contact, and a
    link to log a contact with them."""
    link = id_urls()
    reach = ""
    if customer.phone:
        reach = format_html('<span class="search-hit-phone">{}</span>', phone_display(customer.phone))
    if customer.email:
        reach = format_html('{}\n<span class="search-hit-email text-break">{}</span>', reach, customer.email)
    if customer.last_contact_at:
        last = format_html("{}: {}", gettext("Last contact"), day(customer.last_contact_at))
    else:
        last = gettext("No contacts yet")
    return format_html(
        '<li class="list-group-item d-flex justify-content-between align-items-center gap-2">\n'
        '<a class="search-hit stretched-link-none flex-grow-1 text-decoration-none" href="{}" data-hit>\n'
        '<span class="fw-semibold">{}</span>\n<span class="text-body-secondary small">{}</span>\n'
        '<span class="d-block small text-body-secondary search-hit-reach">\n{}\n</span>\n'
        '<span class="d-block small text-body-secondary">\n{}\n</span>\n</a>\n'
        '<a class="btn btn-sm btn-outline-primary" href="{}" title="{}">{}</a>\n</li>\n',
        link("contacts:customer-detail", customer.pk), customer.full_name, customer.customer_number,
        reach, last,
        link("followups:contact-log", customer.pk), gettext("Log a contact with this customer"), gettext("Log contact"),
    )  # fmt: skip


def customer_row(customer) -> SafeString:
    """A customer in the customer list (with `last_contact_team` selected and the list's `has_open_promises`
    and `has_overdue_checkins` read): 25 a page."""
    last = day(customer.last_contact_at) if customer.last_contact_at else gettext("No contacts yet")
    badges = ""
    if customer.has_open_promises:
        badges = format_html('<span class="badge text-bg-info">{}</span>', gettext("open promises"))
    if customer.has_overdue_checkins:
        badges = format_html('{}\n<span class="badge text-bg-warning">{}</span>', badges, gettext("overdue check-ins"))
    return format_html(
        '<tr class="customer-row">\n<td><a href="{}">{}</a></td>\n<td>{}</td>\n<td>{}</td>\n<td>{}</td>\n'
        "<td>{}</td>\n<td>\n{}\n</td>\n</tr>\n",
        id_url("contacts:customer-detail", customer.pk), customer.full_name, customer.customer_number,
        phone_display(customer.phone) if customer.phone else "", last,
        customer.last_contact_team.name if customer.last_contact_team_id else "", badges,
    )  # fmt: skip
