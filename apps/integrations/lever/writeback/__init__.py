"""Lever handlers of the write-back outbox, one per WritebackKind (see base.py for the contract)."""

from __future__ import annotations

from apps.integrations.lever.writeback.base import Handler
from apps.integrations.lever.writeback.notes import AddNote
from apps.integrations.lever.writeback.pipeline import AddTag, MoveStage, Reject, RemoveTag, Unarchive

HANDLERS: dict[str, Handler] = {
    handler.kind: handler
    for handler in (AddTag(), RemoveTag(), AddNote(), MoveStage(), Reject(), Unarchive())
}
