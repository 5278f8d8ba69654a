"""Read models for the jobs pages: the filtered list, per-stage counts, and a job's detail page."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Count, Max, Q, QuerySet
from django.utils.html import strip_tags

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Outcome
from apps.core.precompiled import PrecompiledQuery
from apps.integrations.models import AtsUser
from apps.jobs.models import Job, JobStage, JobStatus, Stage
from apps.scoring.models import ScoringProfile
from apps.scoring.selectors import COMPONENT_LABELS

# The latest moments of a job's applications that `last_activity` weighs, as `job_list_rows` sets them.
ACTIVITY_NAMES = ("last_application_update", "last_application_applied", "last_application_interaction")
# What the jobs list shows of a job and of its owner and hiring manager (as `AtsUser.__str__`).
LIST_JOB_FIELDS = (
    *("name", "status", "confidential", "department", "team", "location", "workplace_type"),
    *("requisition_codes", "remote_updated_at", "remote_deleted_at", "workspace_id"),
    *(
        f"{person}__{name}"
        for person in ("owner", "hiring_manager")
        for name in ("name", "email", "remote_id")
    ),
)
CONFIDENTIAL_CHOICES = (("", "Any"), ("yes", "Confidential only"), ("no", "Not confidential"))


@dataclass(frozen=True)
class JobFilters:
    q: str = ""
    status: str = ""
    department: str = ""
    team: str = ""
    location: str = ""
    person: int | None = None  # an AtsUser who owns or manages the job
    confidential: str = ""  # "yes", "no" or "" (any)
    include_deleted: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> JobFilters:
        status = params.get("status", "")
        person = params.get("person", "").strip()
        confidential = params.get("confidential", "")
        return cls(
            q=params.get("q", "").strip(),
            status=status if status in JobStatus.values or status == "open" else "",
            department=params.get("department", "").strip(),
            team=params.get("team", "").strip(),
            location=params.get("location", "").strip(),
            person=int(person) if person.isdigit() else None,
            confidential=confidential if confidential in ("yes", "no") else "",
            include_deleted=params.get("deleted") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.status
            or self.department
            or self.team
            or self.location
            or self.person
            or self.confidential
            or self.include_deleted
        )


def job_list(*, workspace: Workspace, filters: JobFilters) -> QuerySet[Job]:
    """Return the workspace's jobs matching the filters, each with its active count and last activity."""
    jobs = (
        Job.objects.for_workspace(workspace)
        .select_related("owner", "hiring_manager")
        # What a row shows: whole rows carry the posting's HTML and Lever's JSON (the people's too).
        .only(*LIST_JOB_FIELDS)
    )
    if not filters.include_deleted:
        jobs = jobs.alive()
    if filters.status == "open":
        jobs = jobs.open()
    elif filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.department:
        jobs = jobs.filter(department=filters.department)
    if filters.team:
        jobs = jobs.filter(team=filters.team)
    if filters.location:
        jobs = jobs.filter(Q(location=filters.location) | Q(all_locations__icontains=filters.location))
    if filters.person:
        jobs = jobs.filter(Q(owner_id=filters.person) | Q(hiring_manager_id=filters.person))
    if filters.confidential:
        jobs = jobs.filter(confidential=filters.confidential == "yes")
    if filters.q:
        jobs = jobs.filter(
            Q(name__icontains=filters.q)
            | Q(team__icontains=filters.q)
            | Q(location__icontains=filters.q)
            | Q(requisition_codes__icontains=filters.q)
        )
    # The application counts and dates are added per page by `job_list_rows`: aggregated here, over a
    # join with every application, PostgreSQL sorted each job's whole row once per application (the
    # posting's JSON included: megabytes, spilled to disk) and the paginator's count joined them too.
    return jobs.order_by("name", "pk")


def application_activity(
    job_ids: Iterable[int],
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[int | None, int]]]:
    """Return, per job, its active applications and the latest update, application and interaction of
    its alive applications; and per job and stage id, its active applications (one query over the
    applications' own columns, grouped by job and stage: the stage counts need no query of their own)."""
    rows = (
        Application.objects.alive()
        .filter(job_id__in=list(job_ids))
        .values_list("job_id", "current_stage_id")
        .annotate(
            active=Count("pk", filter=Q(outcome=Outcome.ACTIVE)),
            updated=Max("remote_updated_at"),
            applied=Max("applied_at"),
            interaction=Max("last_interaction_at"),
        )
        .order_by()
    )
    activity: dict[int, dict[str, Any]] = {}
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    for job_id, stage_id, active, updated, applied, interaction in rows:
        if active:
            counts[job_id][stage_id] = active
        found = activity.setdefault(job_id, dict.fromkeys(ACTIVITY_NAMES, None) | {"active_applications": 0})
        found["active_applications"] += active
        for name, moment in zip(ACTIVITY_NAMES, (updated, applied, interaction), strict=True):
            if moment is not None and (found[name] is None or moment > found[name]):
                found[name] = moment
    return activity, counts


def last_activity(job: Job) -> datetime | None:
    """Return the latest of the job's own update and its applications' updates, applications and interactions.

    Expects a job from `job_list_rows` (the application maxima are set there).
    """
    moments = [
        job.remote_updated_at,
        getattr(job, "last_application_update", None),
        getattr(job, "last_application_applied", None),
        getattr(job, "last_application_interaction", None),
    ]
    found = [moment for moment in moments if moment is not None]
    return max(found) if found else None


@dataclass(frozen=True)
class FilterChoices:
    departments: list[str]
    teams: list[str]
    locations: list[str]
    people: list[AtsUser]


def job_filter_choices(*, workspace: Workspace) -> FilterChoices:
    """Return the values the jobs filters offer (two queries, whatever the number of jobs)."""
    rows = (
        Job.objects.for_workspace(workspace)
        .alive()
        .values_list("department", "team", "location")
        .distinct()
        .order_by()
    )
    departments, teams, locations = set(), set(), set()
    for department, team, location in rows:
        departments.add(department)
        teams.add(team)
        locations.add(location)
    people = (
        AtsUser.objects.for_workspace(workspace)
        .filter(
            Q(owned_jobs__remote_deleted_at__isnull=True, owned_jobs__isnull=False)
            | Q(managed_jobs__remote_deleted_at__isnull=True, managed_jobs__isnull=False)
        )
        .distinct()
        .order_by("name", "email")
    )
    return FilterChoices(
        departments=sorted(d for d in departments if d),
        teams=sorted(t for t in teams if t),
        locations=sorted(loc for loc in locations if loc),
        people=list(people),
    )


# -- active applications per stage, for many jobs at once ------------------------------------------------


class StageCount(NamedTuple):
    """Active applications in one stage; `stage` is None for those in no stage of the job's pipeline."""

    stage: Stage | None
    count: int

    @property
    def stage_id(self) -> int | None:
        return self.stage.pk if self.stage is not None else None

    @property
    def name(self) -> str:
        return self.stage.name if self.stage is not None else "Other stages"


def stage_counts_for_jobs(
    job_ids: Iterable[int], counts: Mapping[int, Mapping[int | None, int]] | None = None
) -> dict[int, list[StageCount]]:
    """Return, per job, its active applications per stage in pipeline order (two queries in all;
    one when the caller has the `counts` already: per job, per stage id, its active applications).

    Every stage of the job's pipeline is listed, empty ones too. Active applications in a stage
    the job's pipeline does not list (or in none) are gathered last as "Other stages".
    """
    job_ids = list(job_ids)
    if not job_ids:
        return {}
    if counts is None:
        counts = defaultdict(dict)
        rows = (
            Application.objects.alive()
            .active()
            .filter(job_id__in=job_ids)
            .values("job_id", "current_stage_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts[row["job_id"]][row["current_stage_id"]] = row["n"]  # type: ignore[index]
    job_stages = (
        JobStage.objects.alive()
        .filter(job_id__in=job_ids)
        # Only what the pages show of a stage (its id and name): whole rows carry Lever's raw JSON,
        # and decoding it for every stage of every listed job was a third of the jobs list's CPU.
        .values_list("job_id", "stage_id", "stage__name")
        .order_by("job_id", "position", "pk")
    )
    return _stage_counts(job_ids, counts, job_stages)


def stage_counts_for_job(job_id: int, counts: Mapping[int | None, int]) -> list[StageCount]:
    """Return one job's `stage_counts_for_jobs` from its `counts` (its stages: one precompiled query)."""
    return _stage_counts([job_id], {job_id: counts}, JOB_STAGES.rows(job_id))[job_id]


def _job_stages(job_id: int) -> QuerySet:
    return (
        JobStage.objects.alive()
        .filter(job_id=job_id)
        .values_list("job_id", "stage_id", "stage__name")
        .order_by("position", "pk")
    )


JOB_STAGES = PrecompiledQuery(_job_stages)


def _stage_counts(
    job_ids: list[int],
    counts: Mapping[int, Mapping[int | None, int]],
    job_stages: Iterable[tuple[int, int, str]],
) -> dict[int, list[StageCount]]:
    """Lay out the counts along the jobs' stages (rows of job id, stage id, stage name in order)."""
    counts = defaultdict(dict, counts)
    result: dict[int, list[StageCount]] = {job_id: [] for job_id in job_ids}
    listed: dict[int, set[int]] = defaultdict(set)
    for job_id, stage_id, name in job_stages:
        listed[job_id].add(stage_id)
        result[job_id].append(StageCount(Stage(pk=stage_id, name=name), counts[job_id].get(stage_id, 0)))
    for job_id in job_ids:
        others = sum(n for stage_id, n in counts[job_id].items() if stage_id not in listed[job_id])
        if others:
            result[job_id].append(StageCount(None, others))
    return result


def job_list_rows(jobs: Iterable[Job]) -> list[Job]:
    """Attach `active_applications`, `stage_counts` and `last_activity` to a page of jobs from `job_list`
    (two more queries)."""
    jobs = list(jobs)
    activity, counts = application_activity(job.pk for job in jobs)
    per_job = stage_counts_for_jobs((job.pk for job in jobs), counts=counts)
    for job in jobs:
        job.active_applications = 0  # type: ignore[attr-defined]
        for name, value in activity.get(job.pk, {}).items():
            setattr(job, name, value)
        job.stage_counts = per_job.get(job.pk, [])  # type: ignore[attr-defined]
        job.last_activity = last_activity(job)  # type: ignore[attr-defined]
    return jobs


# -- one job ----------------------------------------------------------------------------------------------

_PARAGRAPH_END = re.compile(r"<\s*/\s*(p|div|h[1-6]|ul|ol)\s*>", re.IGNORECASE)
_LINE_END = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
_BETWEEN_ITEMS = re.compile(r"(• [^\n]*)\n\s*\n(?=• )")
_HIDDEN = re.compile(r"<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)


def plain_text(markup: str) -> str:
    """Return the text of Lever's posting HTML with paragraphs and list items kept as lines.

    Lever's HTML is never rendered as HTML: the template escapes this text and adds paragraphs.
    """
    text = _LIST_ITEM.sub("\n• ", _HIDDEN.sub("", markup))
    text = _LINE_END.sub("\n", _PARAGRAPH_END.sub("\n\n", text))
    text = html.unescape(strip_tags(text))
    text = _BLANK_LINES.sub("\n\n", text)
    return _BETWEEN_ITEMS.sub(r"\1\n", text).strip()


# What the job page shows of its hiring team and questions (Lever's raw JSON of each row is not).
TEAM_FIELDS = (
    "job_id",
    "team_role",
    *(f"user__{name}" for name in ("name", "email", "remote_id", "job_title")),
)
QUESTION_FIELDS = (
    "job_id",
    "required",
    *(f"question__{name}" for name in ("text", "description", "options")),
)


def job_detail_context(*, job: Job, profile: ScoringProfile) -> dict[str, Any]:
    """The job's posting text, hiring team, stages with active counts, screening questions and how
    much of it is scored (the counts and the scoring status come from one query)."""
    from apps.candidates.selectors import safe_web_url

    counts, scoring = application_figures(job=job, profile=profile)
    stages = stage_counts_for_job(job.pk, counts)
    return {
        # Links come from Lever: only http(s) ones become links (a "javascript:" URL is not escaped away).
        "lever_href": safe_web_url(job.remote_url),
        "post_href": safe_web_url(job.post_url),
        "description": job.description.strip() or plain_text(job.description_html),
        "closing": plain_text(job.closing_html),
        "hiring_team": list(job.hiring_team.alive().select_related("user").only(*TEAM_FIELDS)),
        "stages": stages,
        "screening_questions": list(
            job.screening_questions.alive().select_related("question").only(*QUESTION_FIELDS)
        ),
        "active_count": sum(stage.count for stage in stages),
        "scoring": scoring,
    }


def weight_rows(weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """Return each scoring component's label, weight and share of the total, for the read-only profile."""
    total = sum(weights.values()) or 1.0
    return [
        {
            "name": name,
            "label": COMPONENT_LABELS.get(name, name),
            "weight": value,
            "share": 100 * value / total,
        }
        for name, value in weights.items()
    ]


@dataclass(frozen=True)
class ScoringStatus:
    applications: int  # alive applications the engine scores
    scored: int
    last_computed: datetime | None
    stale: int  # scores computed before the profile's last change

    @property
    def rescoring(self) -> bool:
        return self.stale > 0


def application_figures(*, job: Job, profile: ScoringProfile) -> tuple[dict[int | None, int], ScoringStatus]:
    """Return the job's active applications per stage id and its scoring status, in one query.

    The job's alive applications grouped by stage, each group with its active ones and its scores: the
    job page asked three queries for these (stage counts, scores, scorable applications). Only
    applications to an alive job are scored (`scorable`): a deleted job's status counts none.
    """
    aggregates: dict[str, Any] = {
        "active": Count("pk", filter=Q(outcome=Outcome.ACTIVE)),
        "alive": Count("pk"),
        "scored": Count("score"),
        "last": Max("score__computed_at"),
    }
    if profile.pk:  # an unsaved profile is the defaults: nothing was scored against an older version
        aggregates["stale"] = Count("score", filter=Q(score__computed_at__lt=profile.updated_at))
    rows = list(
        Application.objects.alive()
        .filter(job_id=job.pk)
        .values("current_stage_id")
        .annotate(**aggregates)
        .order_by()
    )
    counts = {row["current_stage_id"]: row["active"] for row in rows if row["active"]}
    if job.remote_deleted_at is not None:
        rows = []
    moments = [row["last"] for row in rows if row["last"] is not None]
    status = ScoringStatus(
        applications=sum(row["alive"] for row in rows),
        scored=sum(row["scored"] for row in rows),
        last_computed=max(moments, default=None),
        stale=sum(row.get("stale", 0) for row in rows),
    )
    return counts, status
