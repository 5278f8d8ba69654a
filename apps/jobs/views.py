from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.decorators import workspace_member_required
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404
from apps.jobs import selectors
from apps.jobs.models import Job, JobStatus


@require_GET
@workspace_member_required
def job_list(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.JobFilters.from_query(request.GET)
    page = paginate(request, selectors.job_list(workspace=request.workspace, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "status_choices": JobStatus.choices,
        "departments": selectors.job_department_choices(workspace=request.workspace),
    }
    template = "jobs/list.html#job-results" if request.htmx else "jobs/list.html"
    return render(request, template, context)


@require_GET
@workspace_member_required
def job_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(
        Job.objects.select_related("owner", "hiring_manager", "connection"), request, pk=pk
    )
    return render(request, "jobs/detail.html", {"job": job, **selectors.job_detail_context(job=job)})
