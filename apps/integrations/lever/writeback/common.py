"""Helpers the attachment, result-link and create handlers share: targets, timestamps, reflection."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from apps.candidates.models import Application
from apps.integrations.lever import mapping
from apps.integrations.lever.mapping.values import ref_id
from apps.integrations.lever.writeback.base import WritebackRefused
from apps.integrations.models import WritebackAction
from apps.integrations.upsert import MirrorWriter

CLOCK_SLACK_MS = 60_000  # Lever's clock and ours drift; an object this much "older" may still be ours


def since_ms(action: WritebackAction) -> int:
    """Return the epoch ms from which an object an earlier attempt of `action` created may date."""
    return int(action.created_at.timestamp() * 1000) - CLOCK_SLACK_MS


def target_application(action: WritebackAction) -> Application:
    """Return the application the action acts on: its own, else its candidate's most recently applied one.

    Lever keeps files, notes and links per opportunity, so a candidate-level action lands on one of
    the person's opportunities. Once sent, the choice is pinned on the action (`pin_application`).
    """
    application = action.application
    if application is None:
        if action.payload.get("on") == "application":
            raise WritebackRefused("The application this was for no longer exists in Recruitdesk.")
        candidate = action.candidate
        if candidate is None:
            raise WritebackRefused("The candidate this was for no longer exists in Recruitdesk.")
        application = (
            Application.objects.filter(candidate=candidate)
            .alive()
            .exclude(remote_id=None)
            .order_by(
                F("applied_at").desc(nulls_last=True), F("remote_created_at").desc(nulls_last=True), "-pk"
            )
            .first()
        )
        if application is None:
            raise WritebackRefused(
                f"{candidate} has no opportunity in Lever to put this on: Lever stores files, notes and "
                "links per opportunity. Add them to a job or create them in Lever first."
            )
    if not application.remote_id or application.remote_deleted_at is not None:
        raise WritebackRefused("This application is not in Lever (any more).")
    return application


def pin_application(action: WritebackAction) -> Application:
    """Record the chosen application on the action before sending, so a retry checks the same opportunity."""
    application = target_application(action)
    if action.application_id != application.pk:
        WritebackAction.objects.filter(pk=action.pk).update(application=application)
        action.application = application
    return application


def with_posting(opportunity: Any, posting_id: str | None) -> Any:
    """Return the opportunity with its application expanded to the posting it was created for.

    A create answers with application ids only; mapped as they are, the new application would have
    no job until the next sync. The only application of a new opportunity is to the posting we sent.
    """
    if not isinstance(opportunity, dict) or not posting_id:
        return opportunity
    applications = opportunity.get("applications")
    if not isinstance(applications, list) or len(applications) != 1 or isinstance(applications[0], dict):
        return opportunity
    expanded = {"id": applications[0], "posting": posting_id, "createdAt": opportunity.get("createdAt")}
    return {**opportunity, "applications": [expanded]}


def applied_postings(opportunity: dict[str, Any]) -> set[str]:
    """Return the posting ids of an opportunity's (expanded) applications."""
    applications = (
        opportunity.get("applications") if isinstance(opportunity.get("applications"), list) else []
    )
    return {
        posting
        for application in applications
        if isinstance(application, dict) and (posting := ref_id(application.get("posting")))
    }


def is_for(opportunity: Any, posting_id: str | None) -> bool:
    """Tell whether an opportunity is an application to `posting_id` (or, for None, a lead)."""
    if not isinstance(opportunity, dict):
        return False
    postings = applied_postings(opportunity)
    return posting_id in postings if posting_id else not postings and not opportunity.get("applications")


def find_note(notes: Any, text: str, since: int) -> dict[str, Any] | None:
    """Return the note thread with a comment of exactly `text` written at or after `since` (epoch ms)."""
    for note in notes:
        comments = (note.get("fields") or []) if isinstance(note, dict) else []
        if any(c.get("value") == text and (c.get("createdAt") or 0) >= since for c in comments):
            return note
    return None


def reflect_note(opportunity_id: str, answer: Any, writer: MirrorWriter) -> None:
    """Mirror a note Lever returned (a thread, or the bare comment of older answers)."""
    if isinstance(answer, dict) and (answer.get("fields") or answer.get("value")):
        note = answer if answer.get("fields") else {**answer, "fields": [answer]}
        note.setdefault("id", answer.get("noteId") or answer.get("id"))
        writer.write(mapping.map_notes(opportunity_id, [note]))
