from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.accounts.decorators import workspace_member_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404
from apps.jobs import selectors
from apps.jobs.models import Job, JobStatus
from apps.scoring import profiles
from apps.scoring.forms import ScoringProfileForm


@require_GET
@vary_on_headers("HX-Request")
@workspace_member_required
def job_list(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.JobFilters.from_query(request.GET)
    page = paginate(request, selectors.job_list(workspace=request.workspace, filters=filters))  # type: ignore[arg-type]
    context: dict[str, object] = {
        "page": page,
        "jobs": selectors.job_list_rows(page.object_list),
        "filters": filters,
    }
    # htmx asks for the results only, except when it restores history it has no snapshot of.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "jobs/list.html#job-results", context)
    context |= {
        "status_choices": JobStatus.choices,
        "confidential_choices": selectors.CONFIDENTIAL_CHOICES,
        "choices": selectors.job_filter_choices(workspace=request.workspace),  # type: ignore[arg-type]
    }
    return render(request, "jobs/list.html", context)


@require_GET
@workspace_member_required
def job_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    # The scoring profile (and who last changed it) comes with the job: two queries less. Lever's raw
    # JSON (the posting's, the people's) is not shown and costs the most to read.
    jobs = Job.objects.select_related("owner", "hiring_manager", "scoring_profile__updated_by").defer(
        "remote_data", "owner__remote_data", "hiring_manager__remote_data"
    )
    return job_detail_page(request, get_scoped_or_404(jobs, request, pk=pk))


def job_detail_page(
    request: WorkspaceRequest, job: Job, *, profile_form: ScoringProfileForm | None = None
) -> HttpResponse:
    """Render the job page; with `profile_form`, the scoring profile form that failed (status 400).

    `scoring:job-profile` calls this too when the inline form was sent from here with errors.
    """
    profile = profiles.scoring_profile_for(job)
    weights = profiles.effective_weights(profile)
    can_edit = bool(request.membership and request.membership.can(Capability.EDIT_SCORING))
    form = profile_form
    if form is None and can_edit:
        form = ScoringProfileForm.for_profile(profile, weights)
    context = {
        "job": job,
        **selectors.job_detail_context(job=job, profile=profile),
        "profile": profile,
        "form": form,
        "weights": selectors.weight_rows(weights),
        "next": reverse("jobs:detail", args=[job.pk]) + "#scoring-profile",
    }
    return render(request, "jobs/detail.html", context, status=400 if profile_form is not None else 200)
