from django import template

from contacts.imports import field_label

register = template.Library()


@register.filter
def import_field_label(name: str) -> str:
    """A field of an import error (`phone`) as the user reads it (`telefoon`)."""
    return field_label(name)
