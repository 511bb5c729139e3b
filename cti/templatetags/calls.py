from django import template

register = template.Library()


@register.filter
def talk_time(delta) -> str:
    """A duration as the caller log shows it: `4:07`, `1:02:30`; empty for none."""
    if delta is None:
        return ""
    seconds = max(int(delta.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.simple_tag
def call_log_url(call, customer) -> str:
    """The log form for `customer`, pre-filled with this call: the same link as the screen-pop's (cti.pop)."""
    from cti.pop import call_log_url as url

    return url(call=call, customer=customer)
