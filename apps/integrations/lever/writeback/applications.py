"""Put a person who is already in Lever on another job: a new opportunity on their contact (§9.1)."""

from __future__ import annotations

from typing import Any

from apps.candidates.models import Application
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.parsing import parse_int
from apps.integrations.lever.writeback.base import (
    Handler,
    PlannedCall,
    WritebackRefused,
    perform_as,
    reflect_opportunity,
)
from apps.integrations.lever.writeback.common import is_for, since_ms, with_posting
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter


def ids(action: WritebackAction) -> tuple[str, str]:
    """Return (contact id, posting id), refusing when either side is not in Lever."""
    candidate, job = action.candidate, action.job
    if candidate is None or not candidate.remote_id or candidate.remote_deleted_at is not None:
        raise WritebackRefused("The candidate is not in Lever: create them in Lever first.")
    if job is None or not job.remote_id or job.remote_deleted_at is not None:
        raise WritebackRefused("The job is not in Lever (any more).")
    return candidate.remote_id, job.remote_id


def existing_application(action: WritebackAction) -> Application | None:
    """Return the mirror's alive application of the candidate to the job, if there is one."""
    if action.candidate is None or action.job is None:
        return None
    return (
        Application.objects.filter(candidate=action.candidate, job=action.job).alive().order_by("-pk").first()
    )


class CreateApplication(Handler):
    kind = WritebackKind.CREATE_APPLICATION

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        contact, posting = ids(action)
        if existing_application(action) is not None:
            return []  # already on this job: nothing to send
        body: dict[str, Any] = {"contact": contact, "postings": [posting]}
        if action.payload.get("stage_id"):
            body["stage"] = action.payload["stage_id"]
        if action.payload.get("origin"):
            body["origin"] = action.payload["origin"]
        return [PlannedCall("POST", "/opportunities", perform_as(action), json=body, idempotent=False)]

    def dedupe(self, action: WritebackAction) -> dict[str, Any] | None:
        existing = existing_application(action)
        if existing is None:
            return None
        return {"existing_application": existing.pk, "result": "already on this job: nothing to create"}

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        existing = existing_application(action)
        if existing is not None:
            return {"deduped": True, "application": existing.remote_id}
        return {"deduped": False, "opportunity": super().execute(action, client)}

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Find an opportunity an earlier attempt created on the contact for this posting."""
        contact, posting = ids(action)
        since = since_ms(action)
        for opportunity in client.iter_opportunities(contact_id=contact, created_at_start=since):
            if (parse_int(opportunity.get("createdAt")) or 0) >= since and is_for(opportunity, posting):
                return {"deduped": False, "recovered": True, "opportunity": opportunity}
        return None

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        if isinstance(answer, dict) and answer.get("opportunity"):
            posting = action.job.remote_id if action.job else None
            reflect_opportunity(with_posting(answer["opportunity"], posting), writer)
