"""Recruiter actions on applications, one at a time or many at once, each sent to Lever through the outbox.

`application_action_perform` runs one action on one application (the controls on a profile);
`applications_bulk_apply` runs one action on many as one WritebackBatch (the bulk bar of a list).
Both first ask `skip_reason`, which refuses what would be pointless or wrong in Lever (not in Lever,
a stage outside the job's pipeline, already in that stage, already archived, a tag it already has);
the write-back services in services.py then check the rest. Rescoring is not a write-back: it queues a
forced rescore in the background.

A form token (a uuid rendered into each form) makes double submissions harmless: the idempotency key
of an action is derived from the token, the application, the action and what was entered, so a double
click or a resubmitted form returns the first action instead of enqueuing a second.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.accounts.models import User, Workspace
from apps.candidates import services
from apps.candidates.models import Application, ReasonType, RejectionReason
from apps.integrations.models import WritebackAction, WritebackSource, WritebackStatus
from apps.integrations.outbox import WritebackBatch, waking_once
from apps.jobs.models import Job, JobStage, Stage

RESCORE_TASK = "apps.candidates.actions.rescore_applications"  # django-q2 stores this path: keep it
MAX_BULK = 500  # applications per bulk action; keeps one request short


class Action(models.TextChoices):
    MOVE = "move", "Move to stage"
    REJECT = "reject", "Reject"
    TAG_ADD = "tag_add", "Add tag"
    TAG_REMOVE = "tag_remove", "Remove tag"
    NOTE = "note", "Add note"
    ATTACHMENT = "attachment", "Add attachment"
    RESULT_LINK = "result_link", "Add result link"
    RESCORE = "rescore", "Rescore"


BULK_ACTIONS = (Action.MOVE, Action.REJECT, Action.TAG_ADD, Action.TAG_REMOVE, Action.NOTE, Action.RESCORE)


# -- what a job offers --------------------------------------------------------------------------------


def pipeline_stages(job: Job | None) -> list[Stage]:
    """Return the job's stages in pipeline order (none for a lead)."""
    if job is None:
        return []
    job_stages = (
        JobStage.objects.for_workspace(job.workspace_id)
        .alive()
        .filter(job=job, stage__remote_deleted_at__isnull=True)
        .select_related("stage")
        .order_by("position", "pk")
    )
    return [job_stage.stage for job_stage in job_stages]


def pipeline_stages_for_jobs(workspace_id: int, job_ids: Iterable[int]) -> dict[int, list[Stage]]:
    """`pipeline_stages` of several jobs of a workspace in one query: job id -> stages (every id there).

    The stages carry their pk and name only (what the action controls show).
    """
    found: dict[int, list[Stage]] = {job_id: [] for job_id in job_ids}
    job_stages = (
        JobStage.objects.for_workspace(workspace_id)
        .alive()
        .filter(job_id__in=list(found), stage__remote_deleted_at__isnull=True)
        .select_related("stage")
        .only("job", "stage__name")
        .order_by("position", "pk")
    )
    for job_stage in job_stages:
        found[job_stage.job_id].append(job_stage.stage)
    return found


def next_stage(stages: list[Stage], current: Stage | None) -> Stage | None:
    """Return the stage after `current` in `stages` (the first one when current is elsewhere)."""
    ids = [stage.pk for stage in stages]
    if current is not None and current.pk in ids:
        index = ids.index(current.pk) + 1
        return stages[index] if index < len(stages) else None
    return stages[0] if stages else None


def rejection_reasons(workspace: Workspace | int, connection_id: int | None = None) -> list[RejectionReason]:
    """Return the reasons a recruiter may reject with: alive, active, not hired (of one connection).

    Each carries its pk and name only (what the controls list and the reject form checks).
    """
    reasons = (
        RejectionReason.objects.for_workspace(workspace)
        .alive()
        .filter(is_active=True, reason_type=ReasonType.NON_HIRED)
    )
    if connection_id is not None:
        reasons = reasons.filter(connection_id=connection_id)
    return list(reasons.only("pk", "name").order_by("name", "pk"))


# -- checks -----------------------------------------------------------------------------------------------


def _pipelines(job_ids: Iterable[int | None]) -> dict[int, set[int]]:
    pairs = (
        JobStage.objects.alive()
        .filter(job_id__in=[pk for pk in job_ids if pk is not None])
        .values_list("job_id", "stage_id")
    )
    pipelines: dict[int, set[int]] = {}
    for job_id, stage_id in pairs:
        pipelines.setdefault(job_id, set()).add(stage_id)
    return pipelines


def _tag_names(application: Application) -> set[str]:
    if "tags" in getattr(application, "_prefetched_objects_cache", {}):  # a bulk action prefetched them
        return {tag.name for tag in application.tags.all()}
    return set(application.tags.values_list("name", flat=True))


def skip_reason(
    application: Application,
    action: str,
    values: Mapping[str, Any],
    *,
    pipelines: Mapping[int, set[int]] | None = None,
) -> str | None:
    """Say why `action` should not go to Lever for this application (e.g. "already in Phone Screen")."""
    if application.remote_deleted_at is not None:
        return "deleted in Lever"
    if action == Action.RESCORE:
        return "a lead: no job to score against" if application.job_id is None else None
    if application.remote_id is None:
        return "not in Lever yet"
    if action in (Action.MOVE, Action.REJECT) and not application.is_active:
        return f"already archived ({application.get_outcome_display().lower()})"
    if action == Action.MOVE:
        stage: Stage = values["stage"]
        if application.job_id is None:
            return "a lead: no job pipeline to move in"
        if application.current_stage_id == stage.pk:
            return f"already in {stage.name}"
        if pipelines is None:
            pipelines = _pipelines([application.job_id])
        pipeline = pipelines.get(application.job_id, set())
        # Lever's stages are global: a job whose pipeline is not mirrored yet takes any of the account's.
        if (pipeline and stage.pk not in pipeline) or stage.connection_id != application.connection_id:
            return f"{stage.name} is not in the {application.job.name} pipeline"
    elif action == Action.REJECT:
        if values["reason"].connection_id != application.connection_id:
            return "that reason belongs to another Lever account"
    elif action == Action.TAG_ADD:
        if values["tag"] in _tag_names(application):
            return f"already tagged “{values['tag']}”"
    elif action == Action.TAG_REMOVE and values["tag"] not in _tag_names(application):
        return f"not tagged “{values['tag']}”"
    return None


def sentence(text: str) -> str:
    """Turn a skip reason into a sentence for a message ("already in X" → "Already in X.")."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


# -- idempotency ------------------------------------------------------------------------------------------


def _fingerprint(values: Mapping[str, Any]) -> dict[str, Any]:
    printable: dict[str, Any] = {}
    for name, value in sorted(values.items()):
        if isinstance(value, models.Model):
            printable[name] = value.pk
        elif hasattr(value, "read"):  # an uploaded file: its name and size stand for it
            printable[name] = [getattr(value, "name", ""), getattr(value, "size", 0)]
        else:
            printable[name] = value
    return printable


def idempotency_key(
    *, form_token: uuid.UUID | None, action: str, application_pk: int, values: Mapping[str, Any]
) -> str | None:
    """Return the key of one submission of one form (None without a token: nothing to deduplicate on)."""
    if form_token is None:
        return None
    digest = hashlib.sha256(
        json.dumps(_fingerprint(values), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"ui:{action}:{application_pk}:{form_token.hex}:{digest}"


def _existing(workspace_id: int, keys: Iterable[str | None]) -> dict[str, WritebackAction]:
    wanted = [key for key in keys if key]
    if not wanted:
        return {}
    return {
        action.idempotency_key: action
        for action in WritebackAction.objects.filter(
            workspace_id=workspace_id, idempotency_key__in=wanted
        ).select_related("application__candidate")
    }


def _existing_one(application: Application, key: str | None) -> WritebackAction | None:
    """The action this very submission queued before, if any: `_existing` of one key, without joining
    the application and person the caller holds already (the answer reads the action alone)."""
    if not key:
        return None
    found = WritebackAction.objects.filter(workspace_id=application.workspace_id, idempotency_key=key).first()
    if found is not None and found.application_id == application.pk:
        found.application = application
    return found


# -- one action -------------------------------------------------------------------------------------------


def enqueue_action(
    application: Application,
    action: str,
    values: Mapping[str, Any],
    *,
    requested_by: User | None,
    idempotency_key: str | None,
    batch: WritebackBatch | None = None,
    source: str = WritebackSource.UI,
) -> WritebackAction:
    """Enqueue one write-back action (checked by `skip_reason` first) through the candidate services."""
    common: dict[str, Any] = {
        "application": application,
        "requested_by": requested_by,
        "idempotency_key": idempotency_key,
        "batch": batch,
        "source": source,
    }
    if action == Action.MOVE:
        return services.application_move_stage(stage=values["stage"], **common)
    if action == Action.REJECT:
        return services.application_reject(
            reason=values["reason"], clean_interviews=bool(values.get("clean_interviews")), **common
        )
    if action == Action.TAG_ADD:
        return services.application_add_tag(tag=values["tag"], **common)
    if action == Action.TAG_REMOVE:
        return services.application_remove_tag(tag=values["tag"], **common)
    if action == Action.NOTE:
        return services.application_add_note(text=values["text"], secret=bool(values.get("secret")), **common)
    if action == Action.ATTACHMENT:
        return services.attachment_add(file=values["file"], **common)
    if action == Action.RESULT_LINK:
        return services.result_link_add(label=values["label"], url=values["url"], **common)
    raise ValueError(f"{action!r} is not a write-back action")


def application_action_perform(
    *,
    application: Application,
    action: str,
    values: Mapping[str, Any],
    requested_by: User | None,
    form_token: uuid.UUID | None = None,
) -> WritebackAction:
    """Enqueue one action on one application; raise ValidationError saying why it cannot go to Lever.

    The same submission again (a double click, the form sent again after it went out) returns the
    first action, never a refusal: the outbox answers with it when the checks pass, and a refused
    one looks for it before saying no (a query the common, first submission does not pay).
    """
    key = idempotency_key(form_token=form_token, action=action, application_pk=application.pk, values=values)
    try:
        reason = skip_reason(application, action, values)
        if reason:
            raise ValidationError(sentence(reason), code="skipped")
        return enqueue_action(application, action, values, requested_by=requested_by, idempotency_key=key)
    except ValidationError:
        first = _existing_one(application, key)
        if first is None:
            raise
        return first


# -- many at once -----------------------------------------------------------------------------------------


@dataclass
class Skipped:
    """A selected application the action was not applied to, and why."""

    pk: int
    reason: str
    application: Application | None = None


@dataclass
class BulkResult:
    action: str
    label: str
    selected: int
    actions: list[WritebackAction] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rescored: list[int] = field(default_factory=list)
    batch_id: uuid.UUID | None = None

    @property
    def done_count(self) -> int:
        """How many applications the action was applied to (queued for Lever, or for rescoring)."""
        return len(self.rescored) if self.action == Action.RESCORE else len(self.actions)

    @property
    def awaiting_approval(self) -> int:
        return sum(1 for action in self.actions if action.status == WritebackStatus.AWAITING_APPROVAL)

    @property
    def summary(self) -> str:
        """Say what happened in one line: "Queued 35 of 37; 2 skipped."."""
        verb = "Rescoring" if self.action == Action.RESCORE else "Queued"
        if self.awaiting_approval and self.awaiting_approval == len(self.actions):
            verb = "Waiting for approval:"
        text = f"{verb} {self.done_count} of {self.selected}"
        return f"{text}; {len(self.skipped)} skipped." if self.skipped else f"{text}."


def _plural(count: int) -> str:
    return f"{count} application" if count == 1 else f"{count} applications"


def bulk_label(action: str, values: Mapping[str, Any], count: int) -> str:
    """Name a bulk action for people, e.g. 'Add tag "Tier 1" to 37 applications'."""
    many = _plural(count)
    if action == Action.MOVE:
        return f"Move {many} to {values['stage'].name}"
    if action == Action.REJECT:
        return f"Reject {many} ({values['reason'].name})"
    if action == Action.TAG_ADD:
        return f'Add tag "{values["tag"]}" to {many}'
    if action == Action.TAG_REMOVE:
        return f'Remove tag "{values["tag"]}" from {many}'
    if action == Action.NOTE:
        return f"Add a {'secret ' if values.get('secret') else ''}note to {many}"
    if action == Action.RESCORE:
        return f"Rescore {many}"
    raise ValueError(f"{action!r} is not a bulk action")


def applications_bulk_apply(
    *,
    workspace: Workspace,
    application_ids: Iterable[int],
    action: str,
    values: Mapping[str, Any],
    requested_by: User | None,
    form_token: uuid.UUID | None = None,
) -> BulkResult:
    """Apply one action to the workspace's applications among `application_ids` as one batch.

    Ids of other workspaces are never looked at beyond "not found". Every application is either acted
    on or listed in `skipped` with the reason. Actions are enqueued in one transaction: all or none.
    """
    if action not in BULK_ACTIONS:
        raise ValueError(f"{action!r} is not a bulk action")
    ids = list(dict.fromkeys(int(pk) for pk in application_ids))
    found = {
        application.pk: application
        for application in Application.objects.for_workspace(workspace)
        .filter(pk__in=ids)
        .select_related("candidate", "job", "current_stage", "connection")
        .prefetch_related("tags")
    }
    keys = {
        pk: idempotency_key(form_token=form_token, action=action, application_pk=pk, values=values)
        for pk in found
    }
    already = _existing(workspace.pk, keys.values())
    pipelines = _pipelines({a.job_id for a in found.values()}) if action == Action.MOVE else {}
    result = BulkResult(action=action, label="", selected=len(ids))
    eligible: list[Application] = []
    for pk in ids:
        application = found.get(pk)
        if application is None:
            result.skipped.append(Skipped(pk=pk, reason="not found in this workspace"))
        elif keys[pk] in already:  # this very form was sent before: answer with what it queued
            result.actions.append(already[keys[pk]])
        elif reason := skip_reason(application, action, values, pipelines=pipelines):
            result.skipped.append(Skipped(pk=pk, reason=reason, application=application))
        else:
            eligible.append(application)
    result.label = bulk_label(action, values, len(eligible) + len(result.actions))
    if action == Action.RESCORE:
        result.rescored = applications_rescore(eligible)
        return result
    if not eligible:
        return result
    batch = WritebackBatch(label=result.label, size=len(eligible))
    result.batch_id = batch.id
    with transaction.atomic(), waking_once():
        for application in eligible:
            try:
                result.actions.append(
                    enqueue_action(
                        application,
                        action,
                        values,
                        requested_by=requested_by,
                        idempotency_key=keys[application.pk],
                        batch=batch,
                    )
                )
            except ValidationError as exc:
                result.skipped.append(
                    Skipped(pk=application.pk, reason=" ".join(exc.messages), application=application)
                )
    return result


# -- batch progress ---------------------------------------------------------------------------------------


@dataclass
class BatchProgress:
    """Where the actions of one batch stand, for a self-polling summary."""

    actions: list[WritebackAction]

    @property
    def counts(self) -> dict[str, int]:
        """Actions per status, plus "on_the_way" (pending or being sent)."""
        counts = Counter(action.status for action in self.actions)
        on_the_way = counts[WritebackStatus.PENDING] + counts[WritebackStatus.RUNNING]
        return {**{str(status): n for status, n in counts.items()}, "on_the_way": on_the_way}

    @property
    def finished(self) -> int:
        return sum(
            1
            for action in self.actions
            if action.status in (WritebackStatus.SUCCEEDED, WritebackStatus.FAILED, WritebackStatus.CANCELLED)
        )

    @property
    def failed(self) -> list[WritebackAction]:
        return [a for a in self.actions if a.status in (WritebackStatus.FAILED, WritebackStatus.CANCELLED)]

    @property
    def polling(self) -> bool:
        """Keep asking while something is on its way (not while it waits for a person's approval)."""
        return any(a.status in (WritebackStatus.PENDING, WritebackStatus.RUNNING) for a in self.actions)

    @property
    def batch_id(self) -> uuid.UUID | None:
        return self.actions[0].batch_id if self.actions else None


# -- rescoring --------------------------------------------------------------------------------------------


def applications_rescore(applications: Iterable[Application]) -> list[int]:
    """Queue a forced rescore of these applications in the background; return the ids queued."""
    from apps.scoring.tasks import enqueue_on_commit

    ids = [application.pk for application in applications]
    if ids:
        enqueue_on_commit(RESCORE_TASK, ids)
    return ids


def rescore_applications(application_ids: list[int]) -> dict[str, int]:
    """Task: score these applications now, even if their inputs did not change."""
    from apps.scoring.services import score_applications

    summary = score_applications(Application.objects.filter(pk__in=application_ids), force=True)
    return asdict(summary)
