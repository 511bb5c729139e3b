"""Signals of the contacts app, for side concerns that live in apps `contacts` must not import."""

from django.dispatch import Signal

# Sent inside the transaction that changed what the weekly report counts of contacts (a contact logged,
# corrected, deleted, or a repeat flag that followed). `buckets`: a set of (occurred_at, team id or None,
# logged-by id) whose counts may have moved. `reports` keeps its weekly summary from it.
contacts_counted_changed = Signal()
