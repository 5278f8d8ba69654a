from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.decorators import workspace_member_required
from apps.candidates import selectors
from apps.candidates.models import Candidate, Outcome
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped
from apps.jobs.models import Job
from apps.scoring.selectors import score_panels_for_candidate


@require_GET
@workspace_member_required
def candidate_list(request: WorkspaceRequest) -> HttpResponse:
    filters = selectors.CandidateFilters.from_query(request.GET)
    page = paginate(request, selectors.candidate_list(workspace=request.workspace, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "outcome_choices": Outcome.choices,
        "jobs": scoped(Job, request).alive().only("pk", "name").order_by("name"),
    }
    template = "candidates/list.html#candidate-results" if request.htmx else "candidates/list.html"
    return render(request, template, context)


@require_GET
@workspace_member_required
def candidate_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    candidate = get_scoped_or_404(Candidate, request, pk=pk)
    context = {"candidate": candidate, **selectors.candidate_profile(candidate=candidate)}
    context["score_panels"] = score_panels_for_candidate(
        applications=context["applications"], user=request.user
    )
    return render(request, "candidates/detail.html", context)
