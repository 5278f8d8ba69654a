"""What a write-back handler is: it plans the Lever calls of one action, sends them, checks whether an
uncertain earlier attempt already landed, and writes Lever's answer into the mirror.

`plan()` is the single source of truth: the preview shows exactly the calls that `execute()` sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.parsing import unwrap
from apps.integrations.models import WritebackAction
from apps.integrations.upsert import MirrorWriter


class WritebackRefused(Exception):
    """The action cannot be sent as it stands (missing data, nothing to act on); never retried."""


@dataclass(frozen=True)
class PlannedCall:
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)  # perform_as travels here (LEVER_API.md §2.5)
    json: Any = None
    form: list[tuple[str, str]] | None = None  # multipart fields, when a file goes with the call
    file_field: str = ""  # the multipart name of the action's file ("file", "resumeFile")
    idempotent: bool = True  # repeating it is harmless (tags, stage PUT); creates are not

    def describe(self) -> dict[str, Any]:
        """Return the call as a preview shows it (no file content)."""
        described: dict[str, Any] = {"method": self.method, "path": self.path, "params": self.params}
        if self.json is not None:
            described["body"] = self.json
        if self.form is not None:
            described["form"] = self.form
        if self.file_field:
            described["file"] = self.file_field
        return described


class Handler:
    """Base of the handlers in this package; subclasses set `kind` and implement `plan`."""

    kind: str = ""

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        raise NotImplementedError

    def dedupe(self, action: WritebackAction) -> dict[str, Any] | None:
        """Return what already exists and makes the action unnecessary or different (creates)."""
        return None

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        """Send the planned calls in order; return Lever's answer to the last one (unwrapped)."""
        answer: Any = None
        for call in self.plan(action):
            answer = unwrap(send(client, call, action))
        return answer

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Return Lever's current object if an uncertain earlier attempt already did the work, else None.

        Only non-idempotent actions need this: sending an idempotent one again is harmless.
        """
        return None

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        """Write Lever's answer into the mirror at once (default: an updated opportunity)."""
        reflect_opportunity(answer, writer)


def send(client: LeverClient, call: PlannedCall, action: WritebackAction) -> Any:
    files = None
    if call.file_field:
        action.file.open("rb")
        try:
            content = action.file.read()
        finally:
            action.file.close()
        files = {
            call.file_field: (
                action.payload.get("file_name") or action.file.name,
                content,
                action.payload.get("content_type") or "application/octet-stream",
            )
        }
    return client.request(
        call.method,
        call.path,
        idempotent=call.idempotent,
        params=call.params,
        json=call.json,
        data=call.form,
        files=files,
    )


def reflect_opportunity(answer: Any, writer: MirrorWriter) -> None:
    """Mirror an updated (or created) opportunity Lever returned: its person and application."""
    if not isinstance(answer, dict) or not answer.get("id") or not answer.get("contact"):
        return
    from apps.candidates.models import ReasonType, RejectionReason

    hired = set(
        RejectionReason.objects.for_connection(writer.connection)
        .filter(reason_type=ReasonType.HIRED)
        .values_list("remote_id", flat=True)
    )
    # Lever creates unknown tags and sources on the fly (LEVER_API.md §9.2): mirror them first.
    labels = [mapping.map_tag({"text": t}) for t in answer.get("tags") or [] if isinstance(t, str) and t]
    labels += [
        mapping.map_source({"text": s}) for s in answer.get("sources") or [] if isinstance(s, str) and s
    ]
    writer.write([*labels, *mapping.map_opportunity(answer, hired_reason_ids=hired)])


def perform_as(action: WritebackAction) -> dict[str, str]:
    if not action.perform_as_remote_id:
        raise WritebackRefused(
            "No Lever user to attribute this to: link your Recruitdesk email to a Lever user or choose "
            "the connection's default write-back user."
        )
    return {"perform_as": action.perform_as_remote_id}
