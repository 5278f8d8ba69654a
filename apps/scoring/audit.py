"""CSV for a bias audit of a job's scores (NYC Local Law 144 style selection rates and impact ratios).

One row per scored application, named by a pseudonym, with the score, the tier, recruiter feedback
and the decision (stage reached, outcome, archive reason). Selection rates come from a yes/no column
(`recommended`: Tier 1 or 2; `scored_above_median`, the law's "scoring rate" for scoring tools;
`hired`), and impact ratios from those rates per demographic category.

The mirror holds no demographic data: Lever keeps EEO answers apart from opportunities and our sync
does not fetch them. To join them, an owner or admin downloads the join-key file (pseudonym → Lever
opportunity id), matches it against Lever's EEO report on the opportunity id, and drops the id before
handing the table to the auditor. Pseudonyms are an HMAC of the application under SECRET_KEY: stable
across exports, meaningless without the key file.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Iterator
from statistics import median
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from apps.candidates.models import Outcome
from apps.jobs.models import Job
from apps.scoring.models import Score, Tier

COLUMNS = (
    "application_pseudonym",
    "job_id",
    "job_name",
    "applied_on",
    "score",
    "tier",
    "recommended",
    "scored_above_median",
    "engine_version",
    "scored_at",
    "feedback_up",
    "feedback_down",
    "stage_reached",
    "outcome",
    "archive_reason",
    "archive_reason_type",
    "hired",
)
KEY_COLUMNS = ("application_pseudonym", "lever_opportunity_id")
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return a text cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def pseudonym(application_id: int, workspace_id: int) -> str:
    message = f"scoring-audit:{workspace_id}:{application_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _scores(job: Job) -> list[Score]:
    return list(
        Score.objects.filter(job=job, application__remote_deleted_at__isnull=True)
        .select_related("application__current_stage", "application__rejection_reason")
        .annotate(
            up=Count("application__score_feedback", filter=Q(application__score_feedback__verdict="up")),
            down=Count("application__score_feedback", filter=Q(application__score_feedback__verdict="down")),
        )
        .order_by("pk")
    )


def audit_rows(job: Job) -> Iterator[dict[str, Any]]:
    scores = _scores(job)
    middle = median(s.score for s in scores) if scores else 0.0
    for score in scores:
        application = score.application
        reason = application.rejection_reason
        yield {
            "application_pseudonym": pseudonym(application.pk, job.workspace_id),
            "job_id": job.pk,
            "job_name": job.name,
            "applied_on": application.applied_at.date().isoformat() if application.applied_at else "",
            "score": f"{score.score:.1f}",
            "tier": score.get_tier_display(),
            "recommended": _yes(score.tier in (Tier.TIER_1, Tier.TIER_2)),
            "scored_above_median": _yes(score.score > middle),
            "engine_version": score.engine_version,
            "scored_at": score.computed_at.isoformat(timespec="seconds"),
            "feedback_up": score.up,  # type: ignore[attr-defined]
            "feedback_down": score.down,  # type: ignore[attr-defined]
            "stage_reached": application.current_stage.name if application.current_stage else "",
            "outcome": application.outcome,
            "archive_reason": reason.name if reason else "",
            "archive_reason_type": reason.reason_type if reason else "",
            "hired": _yes(application.outcome == Outcome.HIRED),
        }


def key_rows(job: Job) -> Iterator[dict[str, Any]]:
    for score in Score.objects.filter(job=job).select_related("application").order_by("pk"):
        yield {
            "application_pseudonym": pseudonym(score.application_id, job.workspace_id),
            "lever_opportunity_id": score.application.remote_id or "",
        }


def to_csv(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> str:
    """Return the rows as CSV text with every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    for row in rows:
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return buffer.getvalue()


def job_audit_csv(job: Job) -> str:
    return to_csv(COLUMNS, audit_rows(job))


def job_audit_keys_csv(job: Job) -> str:
    return to_csv(KEY_COLUMNS, key_rows(job))
