"""Changes to jobs that go to Lever (as posting updates through the outbox), and what an edit changed.

An edit is compared three ways (`job_edit_compare`): the values the form was opened with (kept as
fingerprints), the values sent, and the mirror's values now. Only what the person changed, and what
differs from the mirror, is sent; a field that also changed in Lever since is a conflict they resolve.
The update carries the version it was based on (`base_updated_at`) so the worker can refuse it when
Lever moved on before it went out (writeback/postings.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import User
from apps.integrations.lever.parsing import to_ms
from apps.integrations.lever.validation import SALARY_RANGE_FIELDS, validate_posting_fields
from apps.integrations.models import WritebackAction, WritebackKind, WritebackSource, WritebackStatus
from apps.integrations.writeback_inputs import (
    check_perform_as,
    enqueue_checked,
    in_lever,
    text_value,
    unknown_keys,
)
from apps.jobs.models import Job, JobStatus, WorkplaceType

JOB_FIELDS = frozenset(
    {
        "name",
        "description_html",
        "requirement_lists",
        "location",
        "team",
        "department",
        "commitment",
        "workplace_type",
        "salary",
        "state",
    }
)
# Approval states (pending, rejected) are Lever's to set, not ours.
SETTABLE_STATES = (JobStatus.PUBLISHED, JobStatus.INTERNAL, JobStatus.CLOSED, JobStatus.DRAFT)
# The salaryRange intervals Lever uses (LEVER_API.md §8.6).
SALARY_INTERVALS = frozenset(
    {
        "per-year-salary",
        "per-month-salary",
        "semi-month-salary",
        "bi-month-salary",
        "bi-week-salary",
        "per-week-salary",
        "per-day-wage",
        "per-hour-wage",
        "one-time",
    }
)


def job_update_in_lever(
    *,
    job: Job,
    changes: Mapping[str, Any],
    requested_by: User | None,
    source: str = WritebackSource.UI,
    idempotency_key: str | None = None,
    base_updated_at: datetime | int | None = None,
    overwrite: bool = False,
) -> WritebackAction:
    """Update a job's Lever posting with `changes`; only the fields given change.

    Fields: name, description_html, requirement_lists [{text, items}], location, team, department,
    commitment, workplace_type, salary {min, max, currency, interval} (all four), state.
    With `base_updated_at` (the posting version the changes were made on, a datetime or epoch ms),
    the worker refuses to send if the posting changed in Lever since, unless `overwrite` is set.
    """
    connection = in_lever(job, "job")
    payload = _job_payload(job, changes) | _conflict_options(base_updated_at, overwrite)
    check_perform_as(connection, requested_by)
    return enqueue_checked(
        connection=connection,
        kind=WritebackKind.UPDATE_JOB,
        payload=payload,
        job=job,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
    )


def _job_payload(job: Job, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown_keys(changes, JOB_FIELDS, "job")
    if not changes:
        raise ValidationError("Nothing to change on the job.", code="empty")
    payload: dict[str, Any] = {}
    if "name" in changes:
        payload["name"] = text_value(changes["name"], "job title", limit=500)
    if "description_html" in changes:
        payload["description_html"] = text_value(
            changes["description_html"], "description", limit=100_000, required=False
        )
    if "requirement_lists" in changes:
        payload["requirement_lists"] = _requirement_lists(changes["requirement_lists"])
    for name in ("location", "team", "department", "commitment"):
        if name in changes:
            payload[name] = text_value(changes[name], name, limit=255, required=False)
    if "workplace_type" in changes:
        payload["workplace_type"] = _workplace_type(job, changes["workplace_type"])
    if "salary" in changes:
        payload["salary"] = _salary(changes["salary"])
    if "state" in changes:
        if changes["state"] not in SETTABLE_STATES:
            raise ValidationError(
                f"A job's state can be set to {', '.join(SETTABLE_STATES)}, not {changes['state']!r}.",
                code="state",
            )
        payload["state"] = str(changes["state"])
    if payload.get("description_html"):
        try:  # Lever rejects HTML outside its whitelist (LEVER_API.md §9.7)
            validate_posting_fields({"content": {"descriptionHtml": payload["description_html"]}})
        except ValueError as exc:
            raise ValidationError(str(exc), code="html") from None
    return payload


def _requirement_lists(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple):
        raise ValidationError("Give the requirement lists as a list.", code="invalid")
    lists = []
    for entry in value:
        if not isinstance(entry, Mapping):
            raise ValidationError("Each requirement list needs a text and items.", code="invalid")
        items = entry.get("items") or []
        if isinstance(items, str) or not isinstance(items, list | tuple):
            raise ValidationError("A requirement list's items must be a list.", code="invalid")
        lists.append(
            {
                "text": text_value(entry.get("text"), "requirement list title", limit=255),
                "items": [text_value(item, "requirement", limit=1_000) for item in items],
            }
        )
    return lists


def _workplace_type(job: Job, value: Any) -> str:
    if value not in WorkplaceType.values:
        raise ValidationError(f"Unknown workplace type {value!r}.", code="workplace_type")
    if value == WorkplaceType.UNSPECIFIED and job.workplace_type != WorkplaceType.UNSPECIFIED:
        raise ValidationError("Lever cannot set a workplace type back to unspecified.", code="workplace_type")
    return str(value)


def _salary(value: Any) -> dict[str, Any]:
    salary = value if isinstance(value, Mapping) else {}
    missing = [name for name in SALARY_RANGE_FIELDS if salary.get(name) in (None, "")]
    if missing:
        raise ValidationError(
            f"A salary range needs all of min, max, currency and interval; missing {', '.join(missing)}.",
            code="salary",
        )
    low, high = _amount(salary["min"]), _amount(salary["max"])
    if low > high:
        raise ValidationError("The salary minimum is above the maximum.", code="salary")
    currency = str(salary["currency"]).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"{salary['currency']!r} is not a currency code like EUR.", code="salary")
    if salary["interval"] not in SALARY_INTERVALS:
        raise ValidationError(f"Unknown salary interval {salary['interval']!r}.", code="salary")
    return {"min": low, "max": high, "currency": currency, "interval": salary["interval"]}


def _amount(value: Any) -> int | float:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError(f"{value!r} is not an amount.", code="salary") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{value!r} is not an amount.", code="salary")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _conflict_options(base_updated_at: Any, overwrite: Any) -> dict[str, Any]:
    if not isinstance(overwrite, bool):
        raise ValidationError("overwrite must be true or false.", code="invalid")
    options: dict[str, Any] = {"overwrite": True} if overwrite else {}
    if base_updated_at is None:
        return options
    if isinstance(base_updated_at, datetime):
        if timezone.is_naive(base_updated_at):
            raise ValidationError("base_updated_at must be an aware datetime.", code="invalid")
        return options | {"base_updated_at": to_ms(base_updated_at)}
    if isinstance(base_updated_at, bool) or not isinstance(base_updated_at, int) or base_updated_at < 0:
        raise ValidationError(
            f"base_updated_at must be a datetime or epoch milliseconds, not {base_updated_at!r}.",
            code="invalid",
        )
    return options | {"base_updated_at": base_updated_at}


# -- what an edit changed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobEdit:
    changes: dict[str, Any]  # what to send: changed in the form, and different from the mirror now
    conflicts: tuple[str, ...]  # fields changed in the form and, differently, in Lever since it was opened
    lever: dict[str, Any]  # the mirror's values now
    version: int | None  # the mirror's posting version now (epoch ms of remote_updated_at)


def job_edit_values(job: Job) -> dict[str, Any]:
    """Return the editable posting fields as the mirror has them, in the shape job_update_in_lever takes."""
    salary_values = (job.salary_min, job.salary_max, job.salary_currency, job.salary_interval)
    salary = (
        dict(zip(SALARY_RANGE_FIELDS, salary_values, strict=True))
        if any(value not in (None, "") for value in salary_values)
        else None
    )
    return {
        "name": job.name,
        "description_html": job.description_html,
        "requirement_lists": [
            {"text": entry.get("text") or "", "items": list(entry.get("items") or [])}
            for entry in job.requirement_lists or []
            if isinstance(entry, Mapping)
        ],
        "location": job.location,
        "team": job.team,
        "department": job.department,
        "commitment": job.employment_type,
        "workplace_type": job.workplace_type,
        "salary": salary,
        "state": job.status,
    }


def job_version(job: Job) -> int | None:
    """Return the posting version the mirror holds: Lever's updatedAt in epoch ms (None if unknown)."""
    return to_ms(job.remote_updated_at) if job.remote_updated_at else None


def fingerprint(value: Any) -> str:
    """Return a short, stable digest of an editable value (what a form remembers it was opened with)."""
    canonical = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def job_edit_fingerprints(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: fingerprint(value) for name, value in values.items() if name in JOB_FIELDS}


def job_edit_compare(*, job: Job, original: Mapping[str, str], edited: Mapping[str, Any]) -> JobEdit:
    """Compare an edit with what it was opened on (`original` fingerprints) and with the mirror now."""
    lever = job_edit_values(job)
    changes: dict[str, Any] = {}
    conflicts = []
    for name, value in edited.items():
        if name not in JOB_FIELDS:
            continue
        mine, theirs = fingerprint(value), fingerprint(lever[name])
        base = original.get(name, theirs)  # a field the form did not know of cannot clash
        if mine in (base, theirs):
            continue  # not changed here, or Lever already has it
        changes[name] = value
        if theirs != base:
            conflicts.append(name)
    return JobEdit(changes=changes, conflicts=tuple(conflicts), lever=lever, version=job_version(job))


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return format(number.normalize(), "f") if number.is_finite() else str(number)
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return str(value)


# -- the person's own updates of a job ------------------------------------------------------------------


def job_edit_problem(*, job: Job, user: User) -> str:
    """Return why `user` cannot update the job's posting now ("" when they can)."""
    try:
        check_perform_as(in_lever(job, "job"), user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def job_update_last(*, job: Job, user: User) -> WritebackAction | None:
    """Return the latest posting update of `job` that `user` asked for."""
    return (
        WritebackAction.objects.filter(job=job, kind=WritebackKind.UPDATE_JOB, requested_by=user)
        .order_by("-pk")
        .first()
    )


def job_update_conflicted(action: WritebackAction | None) -> bool:
    """Tell whether an update failed because the posting changed in Lever first (see UpdateJob)."""
    return bool(
        action is not None
        and action.status == WritebackStatus.FAILED
        and isinstance(action.request, dict)
        and action.request.get("conflict")
    )


def job_update_retire(action: WritebackAction, *, reason: str) -> bool:
    """Cancel a failed update the person resolved another way (overwrote or took Lever's version)."""
    return bool(
        WritebackAction.objects.filter(
            pk=action.pk, kind=WritebackKind.UPDATE_JOB, status=WritebackStatus.FAILED
        ).update(status=WritebackStatus.CANCELLED, status_reason=reason, completed_at=timezone.now())
    )
