"""Read models for the candidate pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet

from apps.accounts.models import Workspace
from apps.candidates.models import Candidate, Interview, Note, Outcome, Tag
from apps.integrations.models import WritebackAction


@dataclass(frozen=True)
class CandidateFilters:
    q: str = ""
    outcome: str = ""
    job: int | None = None

    @classmethod
    def from_query(cls, params: dict[str, str]) -> CandidateFilters:
        outcome = params.get("outcome", "")
        job = params.get("job", "")
        return cls(
            q=params.get("q", "").strip(),
            outcome=outcome if outcome in Outcome.values else "",
            job=int(job) if job.isdigit() else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.outcome or self.job)


def candidate_list(*, workspace: Workspace, filters: CandidateFilters) -> QuerySet[Candidate]:
    candidates = Candidate.objects.for_workspace(workspace).alive()
    if filters.q:
        candidates = candidates.filter(
            Q(name__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(emails__icontains=filters.q)
            | Q(headline__icontains=filters.q)
            | Q(current_company__icontains=filters.q)
        )
    application_filter = Q(applications__remote_deleted_at__isnull=True)
    if filters.outcome:
        application_filter &= Q(applications__outcome=filters.outcome)
    if filters.job:
        application_filter &= Q(applications__job_id=filters.job)
    if filters.outcome or filters.job:
        candidates = candidates.filter(application_filter).distinct()
    return candidates.annotate(
        application_count=Count(
            "applications", filter=Q(applications__remote_deleted_at__isnull=True), distinct=True
        )
    ).order_by("name", "pk")


def candidate_profile(*, candidate: Candidate) -> dict[str, object]:
    """Applications with job, stage and tags; the union of tags; notes, interviews and files."""
    applications = list(
        candidate.applications.alive()
        .select_related("job", "current_stage", "rejection_reason", "owner")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by(F("applied_at").desc(nulls_last=True), "-pk")
    )
    tags = sorted({tag.name for application in applications for tag in application.tags.all()}, key=str.lower)
    of_these = {"application_id__in": [application.pk for application in applications]}
    workspace_id = candidate.workspace_id
    return {
        "applications": applications,
        "tags": tags,
        "notes": Note.objects.for_workspace(workspace_id)
        .alive()
        .filter(**of_these)
        .select_related("author", "application__job"),
        "interviews": Interview.objects.for_workspace(workspace_id)
        .alive()
        .filter(**of_these)
        .select_related("application__job"),
        "attachments": candidate.attachments.alive().order_by(F("uploaded_at").desc(nulls_last=True), "-pk"),
        "writebacks": candidate_writebacks(candidate=candidate),
    }


def candidate_writebacks(*, candidate: Candidate, limit: int = 30) -> list[WritebackAction]:
    """Everything sent (or waiting to be sent) to Lever about this person, newest first."""
    return list(
        WritebackAction.objects.for_workspace(candidate.workspace_id)
        .filter(Q(candidate=candidate) | Q(application__candidate=candidate))
        .select_related("requested_by", "application__job")
        .order_by("-created_at", "-pk")[:limit]
    )
