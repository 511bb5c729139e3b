"""Signals the follow-ups send for side concerns of other apps (never to drive the domain flow).

`contact_logged` is sent once a contact was logged and its transaction committed, with
`moment` (the ContactMoment), `actor` (who logged it) and `call_id` (the id of the telephone
call the log form was opened for, as the form carried it: an int, or None). The `cti` app
links its call to the contact in a receiver; the id is not checked here, the receiver decides.
"""

from django.dispatch import Signal

contact_logged = Signal()
