from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.decorators import workspace_member_required
from apps.core.http import WorkspaceRequest
from apps.dashboard.selectors import dashboard_summary


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    summary = dashboard_summary(workspace=request.workspace)
    return render(request, "dashboard/index.html", {"summary": summary})
