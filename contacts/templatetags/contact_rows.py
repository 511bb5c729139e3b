"""`{% search_hit customer %}` (a customer found by search) and `{% customer_row customer %}` (the customer
list): contacts.rows."""

from django import template

from contacts import rows

register = template.Library()


@register.simple_tag
def search_hit(customer):
    return rows.search_hit(customer)


@register.simple_tag
def customer_row(customer):
    return rows.customer_row(customer)
