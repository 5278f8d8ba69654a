"""Create people and applications in Lever, and connect a local candidate to the Lever person it became.

Public through `apps.candidates.services`. The worker checks the mirror and Lever for the person
before creating (apps/integrations/lever/writeback/people.py); these functions refuse what cannot
work before anything is queued.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from apps.accounts.models import User
from apps.candidates.identity import normalize_linkedin_url
from apps.candidates.lever_payloads import candidate_data, candidate_payload
from apps.candidates.models import Application, Candidate
from apps.integrations.lever.validation import OPPORTUNITY_ORIGINS
from apps.integrations.models import (
    AtsUser,
    Connection,
    ConnectionStatus,
    WritebackAction,
    WritebackKind,
    WritebackSource,
)
from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES
from apps.integrations.writeback_inputs import (
    check_connection,
    check_perform_as,
    enqueue_checked,
    file_payload,
    in_lever,
    person_key,
    same_connection,
)
from apps.jobs.models import Job, Stage


def _connection_for(
    connection: Connection | None, candidate: Candidate | None, job: Job | None
) -> Connection:
    """Return the Lever connection a create goes to: the given one, the job's, the row's, the workspace's."""
    if connection is None and job is not None:
        connection = job.connection
    if connection is None and candidate is not None:
        connection = candidate.connection or (
            Connection.objects.for_workspace(candidate.workspace_id)
            .exclude(status=ConnectionStatus.DISCONNECTED)
            .order_by("pk")
            .first()
        )
    return check_connection(connection)


def candidate_create_in_lever(
    *,
    requested_by: User | None,
    candidate: Candidate | None = None,
    data: Mapping[str, Any] | None = None,
    connection: Connection | None = None,
    job: Job | None = None,
    stage: Stage | None = None,
    sourced_by: AtsUser | None = None,
    resume: File | None = None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
) -> WritebackAction:
    """Create a person in Lever: a lead, or an application to `job` (at `stage`).

    The person comes from a local candidate row and/or `data` (name, emails, phones, links,
    linkedin_url, location, headline or title + company, sources, origin, tags); `data` wins.

    A person Lever already has (same email or LinkedIn profile) gets a new opportunity instead of a
    second contact, or nothing if they already have one for the job.
    """
    connection = _connection_for(connection, candidate, job)
    if candidate is not None:
        if candidate.remote_id is not None:
            raise ValidationError(
                f"{candidate} is already in Lever: add them to a job instead.", code="in_lever"
            )
        if candidate.workspace_id != connection.workspace_id or candidate.connection_id not in (
            None,
            connection.pk,
        ):
            raise ValidationError("This candidate belongs to another workspace.", code="workspace")
    given = {**(candidate_data(candidate) if candidate else {}), **(data or {})}
    payload = candidate_payload(given)
    if job is not None:
        if in_lever(job, "job").pk != connection.pk:
            raise ValidationError("This job belongs to another Lever account.", code="workspace")
        payload["posting_id"] = job.remote_id
    if stage is not None:
        same_connection(stage, connection, "stage")
        payload["stage_id"] = stage.remote_id
    if sourced_by is not None:
        same_connection(sourced_by, connection, "Lever user")
        if not sourced_by.is_active:
            raise ValidationError(f"{sourced_by} is deactivated in Lever.", code="inactive")
        payload["sourced_by"] = sourced_by.remote_id
    else:
        check_perform_as(connection, requested_by)
    if resume is not None:
        payload.update(file_payload(resume))
    person = None
    if candidate is None:
        # Two creates of one person must not race each other into two Lever contacts.
        identity = next(iter(payload.get("emails") or []), "") or normalize_linkedin_url(
            payload.get("linkedin_url")
        )
        person = person_key(identity or payload["name"].lower())
    action = enqueue_checked(
        connection=connection,
        kind=WritebackKind.CREATE_CANDIDATE,
        payload=payload,
        candidate=candidate,
        job=job,
        file=resume,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        target_key=person,
    )
    return action


def application_create_in_lever(
    *,
    candidate: Candidate,
    job: Job,
    stage: Stage | None = None,
    origin: str | None = None,
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
) -> WritebackAction:
    """Put a candidate who is in Lever on another job: a new opportunity on their Lever contact."""
    connection = in_lever(candidate, "candidate")
    if candidate.is_anonymized:
        raise ValidationError(f"{candidate} was anonymised in Lever.", code="anonymized")
    same_connection(job, connection, "job")
    if job.remote_id is None:
        raise ValidationError("This job is not in Lever yet.", code="not_in_lever")
    if Application.objects.filter(candidate=candidate, job=job).alive().exists():
        raise ValidationError(f"{candidate} already has an application to {job}.", code="duplicate")
    payload: dict[str, Any] = {}
    if stage is not None:
        same_connection(stage, connection, "stage")
        payload["stage_id"] = stage.remote_id
    if origin is not None:
        if origin not in OPPORTUNITY_ORIGINS:
            raise ValidationError(f"Unknown origin {origin!r}.", code="origin")
        payload["origin"] = origin
    check_perform_as(connection, requested_by)
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.CREATE_APPLICATION,
        payload=payload,
        candidate=candidate,
        job=job,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def candidate_connect_to_lever(
    *, candidate: Candidate, connection: Connection, contact_id: str
) -> dict[str, Any]:
    """Connect a local candidate row to the Lever contact it was created as (or matched).

    When the mirror has no row for the contact, the local row becomes it (keeping its id); when it
    has one, the local row's applications, attachments and actions move there and the local row is
    deleted. Returns what happened, for the action's record.
    """
    mirrored = Candidate._base_manager.filter(connection=connection, remote_id=contact_id).first()
    if mirrored is None:
        candidate.connection, candidate.remote_id = connection, contact_id
        candidate.save(update_fields=["connection", "remote_id", "updated_at"])
        return {"result": "connected", "candidate": candidate.pk}
    for relation in Candidate._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            relation.related_model._base_manager.filter(**{relation.field.name: candidate}).update(
                **{relation.field.name: mirrored}
            )
    # Actions still waiting on the local row now wait in line with the person's other actions.
    WritebackAction.objects.filter(
        target_key=f"candidate:{candidate.pk}", status__in=OPEN_WRITEBACK_STATUSES
    ).update(target_key=f"candidate:{mirrored.pk}")
    merged = candidate.pk
    candidate.delete()
    return {"result": "merged", "candidate": merged, "into": mirrored.pk}
