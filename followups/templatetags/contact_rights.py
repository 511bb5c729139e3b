"""The timeline's *Correct* / *Delete…* links: `{% with rights=moment|contact_rights:user %}`.

Asks `followups.access.contact_rights`, the same rule the views' 404 uses;
no query per row (the row's team is selected, the user's permissions cached).
"""

from django import template

from followups.access import ContactRights
from followups.access import contact_rights as rights_of

register = template.Library()


@register.filter
def contact_rights(moment, user) -> ContactRights:
    return rights_of(user=user, moment=moment)
