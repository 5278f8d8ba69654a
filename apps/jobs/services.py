"""Changes to jobs that go to Lever (as posting updates through the outbox)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.integrations.lever.validation import SALARY_RANGE_FIELDS, validate_posting_fields
from apps.integrations.models import WritebackAction, WritebackKind, WritebackSource
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
) -> WritebackAction:
    """Update a job's Lever posting with `changes`; only the fields given change.

    Fields: name, description_html, requirement_lists [{text, items}], location, team, department,
    commitment, workplace_type, salary {min, max, currency, interval} (all four), state.
    """
    connection = in_lever(job, "job")
    payload = _job_payload(job, changes)
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
