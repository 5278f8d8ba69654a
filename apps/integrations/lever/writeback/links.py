"""A result link (an assessment, a scorecard elsewhere): a link on the contact plus a note with the details.

Lever links are bare URLs (§9.2), so the label and the key/value details travel in a note (§9.5).
Adding a link is set-like and harmless to repeat; the note is not, so an uncertain attempt looks for it.
"""

from __future__ import annotations

from typing import Any

from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.parsing import unwrap
from apps.integrations.lever.wire import segment
from apps.integrations.lever.writeback.base import Handler, PlannedCall, reflect_opportunity, send
from apps.integrations.lever.writeback.common import (
    find_note,
    pin_application,
    reflect_note,
    since_ms,
    target_application,
)
from apps.integrations.lever.writeback.pipeline import optional_perform_as
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter


def result_note_text(payload: dict[str, Any]) -> str:
    """Return the note of a result link: the label, the URL, then one "key: value" line per detail."""
    lines = [str(payload["label"]).strip(), str(payload["url"]).strip()]
    details = payload.get("details") or []
    pairs = details.items() if isinstance(details, dict) else details  # pairs keep their order on any DB
    lines += [f"{key}: {value}" for key, value in pairs]
    return "\n".join(lines)


class AddResultLink(Handler):
    kind = WritebackKind.ADD_RESULT_LINK

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        opportunity = f"/opportunities/{segment(target_application(action).remote_id)}"
        params = optional_perform_as(action)
        return [
            PlannedCall("POST", f"{opportunity}/addLinks", params, json={"links": [action.payload["url"]]}),
            PlannedCall(
                "POST",
                f"{opportunity}/notes",
                params,
                json={"value": result_note_text(action.payload), "secret": False},
                idempotent=False,
            ),
        ]

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        """Add the link, then the note; return both answers (the updated opportunity and the note)."""
        pin_application(action)
        link, note = self.plan(action)
        return {
            "opportunity": unwrap(send(client, link, action)),
            "note": unwrap(send(client, note, action)),
        }

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Find the note an earlier attempt may have written; the link went first, so it is there too."""
        opportunity_id = target_application(action).remote_id
        note = find_note(
            client.iter_notes(opportunity_id), result_note_text(action.payload), since_ms(action)
        )
        if note is None:
            return None
        return {"opportunity": client.get_opportunity(opportunity_id), "note": note}

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        if not isinstance(answer, dict):
            return
        reflect_opportunity(answer.get("opportunity"), writer)
        reflect_note(target_application(action).remote_id, answer.get("note"), writer)
