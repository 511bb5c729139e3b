"""Receivers: the side concerns of other apps' events that touch calls."""

from . import services


def contact_logged_link_call(sender, *, moment, actor, call_id=None, **kwargs) -> None:
    """A contact logged from a call's "Log now" (the log form carried `?call=`): remember it on the call."""
    if call_id is None:
        return
    services.call_contact_link(call_id=call_id, moment=moment, actor=actor)
