"""Lever handlers of the write-back outbox, one per WritebackKind (see base.py for the contract)."""

from __future__ import annotations

from apps.integrations.lever.writeback.applications import CreateApplication
from apps.integrations.lever.writeback.base import Handler
from apps.integrations.lever.writeback.files import AddAttachment
from apps.integrations.lever.writeback.links import AddResultLink
from apps.integrations.lever.writeback.notes import AddNote
from apps.integrations.lever.writeback.people import CreateCandidate
from apps.integrations.lever.writeback.pipeline import AddTag, MoveStage, Reject, RemoveTag, Unarchive
from apps.integrations.lever.writeback.postings import UpdateJob

HANDLERS: dict[str, Handler] = {
    handler.kind: handler
    for handler in (
        AddTag(),
        RemoveTag(),
        AddNote(),
        MoveStage(),
        Reject(),
        Unarchive(),
        AddAttachment(),
        AddResultLink(),
        CreateCandidate(),
        CreateApplication(),
        UpdateJob(),
    )
}
