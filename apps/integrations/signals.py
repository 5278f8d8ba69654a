"""Signals other apps listen to, so the mirror does not import them (automation reacts to changes)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by MirrorWriter inside the transaction that wrote the changes, once per model and batch:
# sender=the model, writer=the MirrorWriter, changes=[(pk, remote_id, kind, {"field": [old, new]})].
records_changed = Signal()
