"""Read models for the jobs pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from apps.accounts.models import Workspace
from apps.candidates.models import Outcome
from apps.jobs.models import Job, JobStatus


@dataclass(frozen=True)
class JobFilters:
    q: str = ""
    status: str = ""
    department: str = ""
    include_deleted: bool = False

    @classmethod
    def from_query(cls, params: dict[str, str]) -> JobFilters:
        status = params.get("status", "")
        return cls(
            q=params.get("q", "").strip(),
            status=status if status in JobStatus.values or status == "open" else "",
            department=params.get("department", "").strip(),
            include_deleted=params.get("deleted") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.department or self.include_deleted)


def job_list(*, workspace: Workspace, filters: JobFilters) -> QuerySet[Job]:
    jobs = Job.objects.for_workspace(workspace).select_related("owner", "hiring_manager")
    if not filters.include_deleted:
        jobs = jobs.alive()
    if filters.status == "open":
        jobs = jobs.open()
    elif filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.department:
        jobs = jobs.filter(department=filters.department)
    if filters.q:
        jobs = jobs.filter(
            Q(name__icontains=filters.q)
            | Q(team__icontains=filters.q)
            | Q(location__icontains=filters.q)
            | Q(requisition_codes__icontains=filters.q)
        )
    return jobs.annotate(
        active_applications=Count(
            "applications",
            filter=Q(applications__outcome=Outcome.ACTIVE, applications__remote_deleted_at__isnull=True),
        )
    ).order_by("name", "pk")


def job_department_choices(*, workspace: Workspace) -> list[str]:
    departments = (
        Job.objects.for_workspace(workspace)
        .alive()
        .exclude(department="")
        .values_list("department", flat=True)
    )
    return sorted(set(departments))


def job_detail_context(*, job: Job) -> dict[str, object]:
    """The job's hiring team, stages with active counts, and screening questions."""
    stage_counts = dict(
        job.applications.alive()
        .active()
        .values_list("current_stage")
        .annotate(n=Count("pk"))
        .values_list("current_stage", "n")
    )
    job_stages = job.job_stages.alive().select_related("stage").order_by("position")
    return {
        "hiring_team": job.hiring_team.alive().select_related("user"),
        "stages": [(job_stage.stage, stage_counts.get(job_stage.stage_id, 0)) for job_stage in job_stages],
        "screening_questions": job.screening_questions.alive().select_related("question"),
        "active_count": sum(stage_counts.values()),
    }
