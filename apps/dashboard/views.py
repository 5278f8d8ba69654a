from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from apps.accounts.decorators import workspace_member_required
from apps.core.http import WorkspaceRequest
from apps.dashboard.selectors import TIER_1_WAITING_HELP, dashboard_summary
from apps.dashboard.sync_strip import sync_strip_for


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    summary = dashboard_summary(workspace=request.workspace)  # type: ignore[arg-type]
    return render(request, "dashboard/index.html", {"summary": summary, "tier1_help": TIER_1_WAITING_HELP})


@require_GET
@workspace_member_required
def sync_strip(request: WorkspaceRequest) -> HttpResponse:
    """Return the sync strip's text; once no sync runs, say so and answer 286 so htmx stops polling."""
    strip = sync_strip_for(workspace=request.workspace)
    refresh_url = (request.htmx.current_url_abs_path if request.htmx else None) or reverse("dashboard:index")
    context = {"sync_strip": strip, "refresh_url": refresh_url}
    html = render_to_string("_sync_strip.html#sync-strip-body", context, request=request)
    return HttpResponse(html) if strip else HttpResponseStopPolling(html)
