"""`{% push_url %}`: where the browser opens its screen-pop socket (settings.PUSH_URL; empty = the page's host)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def push_url() -> str:
    return settings.PUSH_URL
