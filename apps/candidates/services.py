"""Changes to candidates and applications that go to Lever. Each checks its input and enqueues one action.

Nothing here talks to Lever: the outbox worker sends the action (apps/integrations/outbox.py) and
writes Lever's answer into the mirror. Every function returns the WritebackAction; calling one again
with the same `idempotency_key` returns the first action instead of making a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File

from apps.accounts.models import User
from apps.candidates.lever_create import (
    application_create_in_lever,
    candidate_connect_to_lever,
    candidate_create_in_lever,
)
from apps.candidates.lever_payloads import web_url
from apps.candidates.models import Application, Candidate, ReasonType, RejectionReason
from apps.integrations.lever.validation import validate_note_score
from apps.integrations.models import Connection, WritebackAction, WritebackKind, WritebackSource
from apps.integrations.outbox import WritebackBatch, batch_options
from apps.integrations.writeback_inputs import (
    check_perform_as,
    enqueue_checked,
    file_payload,
    in_lever,
    same_connection,
    text_value,
)
from apps.jobs.models import Stage

__all__ = [
    "application_add_note",
    "application_add_tag",
    "application_create_in_lever",
    "application_move_stage",
    "application_reject",
    "application_remove_tag",
    "application_unarchive",
    "attachment_add",
    "candidate_connect_to_lever",
    "candidate_create_in_lever",
    "result_link_add",
]

MAX_NOTE_LENGTH = 10_000
MAX_DETAILS = 20


def _on_application(
    application: Application, kind: str, payload: dict[str, Any], **options: Any
) -> WritebackAction:
    connection = in_lever(application, "application")
    return enqueue_checked(
        connection=connection, kind=kind, payload=payload, application=application, **options
    )


def application_add_tag(
    *,
    application: Application,
    tag: str,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Add a tag to an application in Lever (Lever creates unknown tags)."""
    payload = {"tag": text_value(tag, "tag", limit=255)}
    return _on_application(
        application,
        WritebackKind.ADD_TAG,
        payload,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def application_remove_tag(
    *,
    application: Application,
    tag: str,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Remove a tag from an application in Lever (removing an absent tag changes nothing)."""
    payload = {"tag": text_value(tag, "tag", limit=255)}
    return _on_application(
        application,
        WritebackKind.REMOVE_TAG,
        payload,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def application_add_note(
    *,
    application: Application,
    text: str,
    secret: bool = False,
    score: int | None = None,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Add a note (optionally secret, optionally scored 1–4) to an application in Lever."""
    try:
        validate_note_score(score)
    except ValueError as exc:
        raise ValidationError(str(exc), code="score") from None
    payload: dict[str, Any] = {
        "text": text_value(text, "note", limit=MAX_NOTE_LENGTH),
        "secret": bool(secret),
    }
    if score is not None:
        payload["score"] = score
    return _on_application(
        application,
        WritebackKind.ADD_NOTE,
        payload,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def application_move_stage(
    *,
    application: Application,
    stage: Stage,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Move an application to another pipeline stage in Lever."""
    connection = in_lever(application, "application")
    same_connection(stage, connection, "stage")
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.MOVE_STAGE,
        # stage_name is for people reading the outbox; the handler sends stage_id only.
        payload={"stage_id": stage.remote_id, "stage_name": stage.name},
        application=application,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def application_reject(
    *,
    application: Application,
    reason: RejectionReason,
    clean_interviews: bool = False,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Reject (archive) an application in Lever with a not-hired reason, optionally cancelling interviews."""
    connection = in_lever(application, "application")
    same_connection(reason, connection, "rejection reason")
    if reason.reason_type == ReasonType.HIRED:
        raise ValidationError(f"{reason} is a hired reason: choose a rejection reason.", code="hired")
    if not reason.is_active:
        raise ValidationError(f"{reason} is no longer in use in Lever.", code="inactive")
    payload = {
        "reason_id": reason.remote_id,
        "reason_name": reason.name,
        "clean_interviews": bool(clean_interviews),
    }
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.REJECT,
        payload=payload,
        application=application,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def application_unarchive(
    *,
    application: Application,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Bring a rejected or hired application back into the pipeline in Lever."""
    return _on_application(
        application,
        WritebackKind.UNARCHIVE,
        {},
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **batch_options(batch),
    )


def _opportunity_target(
    candidate: Candidate | None, application: Application | None
) -> tuple[Connection, dict[str, Any]]:
    """Return the connection and target of a file or link: the application, else the candidate.

    Lever keeps files per opportunity, so a candidate needs one in Lever; the worker picks their most
    recently applied one.
    """
    if application is not None:
        connection = in_lever(application, "application")
        if candidate is not None and application.candidate_id != candidate.pk:
            raise ValidationError("The application belongs to another candidate.", code="mismatch")
        return connection, {"application": application}
    if candidate is None:
        raise ValidationError("Choose a candidate or an application.", code="missing")
    connection = in_lever(candidate, "candidate")
    if not Application.objects.filter(candidate=candidate).alive().exclude(remote_id=None).exists():
        raise ValidationError(
            f"{candidate} has no opportunity in Lever: add them to a job first.", code="no_opportunity"
        )
    return connection, {"candidate": candidate}


def attachment_add(
    *,
    file: File,
    candidate: Candidate | None = None,
    application: Application | None = None,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Upload a file to an application in Lever, or to a candidate's most recent opportunity."""
    connection, target = _opportunity_target(candidate, application)
    check_perform_as(connection, requested_by)
    payload = {**file_payload(file), "on": "application" if application is not None else "candidate"}
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.ADD_ATTACHMENT,
        payload=payload,
        file=file,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **target,
        **batch_options(batch),
    )


def result_link_add(
    *,
    label: str,
    url: str,
    details: Mapping[str, Any] | None = None,
    candidate: Candidate | None = None,
    application: Application | None = None,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    batch: WritebackBatch | None = None,
) -> WritebackAction:
    """Add a result link (an assessment, a report) in Lever: a link on the person and a note with the details."""
    connection, target = _opportunity_target(candidate, application)
    details = dict(details or {})
    if len(details) > MAX_DETAILS:
        raise ValidationError(f"Give at most {MAX_DETAILS} details.", code="too_many")
    # A list of [name, value] pairs, not a dict: PostgreSQL's jsonb does not keep key order, and the
    # note should list the details in the order they were given.
    clean: list[list[str]] = []
    for key, value in details.items():
        name = text_value(key, "detail name", limit=100)
        if value is None or isinstance(value, dict | list):
            raise ValidationError(f"The detail {name!r} must be a single value.", code="invalid")
        clean.append([name, text_value(str(value), f"{name} value", limit=500)])
    payload = {
        "label": text_value(label, "label", limit=200),
        "url": web_url(url, "link"),
        "details": clean,
        "on": "application" if application is not None else "candidate",
    }
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.ADD_RESULT_LINK,
        payload=payload,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **target,
        **batch_options(batch),
    )
