"""Notes on an application (§9.5). A create is not idempotent, so an uncertain attempt is checked first."""

from __future__ import annotations

from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.validation import validate_note_score
from apps.integrations.lever.writeback.base import Handler, PlannedCall
from apps.integrations.lever.writeback.pipeline import opportunity_path, optional_perform_as
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter


class AddNote(Handler):
    kind = WritebackKind.ADD_NOTE

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        body: dict[str, Any] = {"value": action.payload["text"], "secret": bool(action.payload.get("secret"))}
        if action.payload.get("score") is not None:
            validate_note_score(action.payload["score"])
            body["score"] = action.payload["score"]
        return [
            PlannedCall(
                "POST",
                opportunity_path(action, "notes"),
                optional_perform_as(action),
                json=body,
                idempotent=False,
            )
        ]

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Find the note an earlier attempt may have created: same text, written after the action was made."""
        text = action.payload["text"]
        since_ms = int(action.created_at.timestamp() * 1000) - 60_000  # clocks drift
        for note in client.iter_notes(action.application.remote_id):
            comments = note.get("fields") or []
            if any(c.get("value") == text and (c.get("createdAt") or 0) >= since_ms for c in comments):
                return note
        return None

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        if isinstance(answer, dict) and (answer.get("fields") or answer.get("value")):
            note = answer if answer.get("fields") else {**answer, "fields": [answer]}
            note.setdefault("id", answer.get("noteId") or answer.get("id"))
            writer.write(mapping.map_notes(action.application.remote_id, [note]))
