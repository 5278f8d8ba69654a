from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404
from apps.integrations import selectors
from apps.integrations.catalog import catalog_search
from apps.integrations.forms import SweepBudgetForm
from apps.integrations.models import Connection


@require_GET
@workspace_member_required
def integration_index(request: WorkspaceRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    context = {
        "tab": "mine" if request.GET.get("tab") == "mine" else "catalog",
        "query": query,
        "catalog": catalog_search(query),
        "connections": selectors.connection_list(workspace=request.workspace),
        "can_manage": request.membership.can(Capability.MANAGE_INTEGRATIONS),
    }
    template = "integrations/index.html#catalog-results" if request.htmx else "integrations/index.html"
    return render(request, template, context)


@require_POST
@capability_required(Capability.MANAGE_INTEGRATIONS)
def connection_sweep_budget(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Set how many requests a day the rolling sweep may spend on this connection."""
    connection = get_scoped_or_404(Connection, request, pk=pk)
    form = SweepBudgetForm(request.POST)
    if form.is_valid():
        connection.sweep_daily_requests = form.cleaned_data["sweep_daily_requests"]
        connection.save(update_fields=["sweep_daily_requests", "updated_at"])
        messages.success(
            request, f"The sweep may now spend {connection.sweep_daily_requests} requests a day."
        )
    else:
        messages.error(
            request, " ".join(form.errors.get("sweep_daily_requests", ["Enter a number of requests."]))
        )
    return redirect("integrations:connection-detail", pk=connection.pk)


@require_GET
@capability_required(Capability.MANAGE_INTEGRATIONS)
def connection_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    connection = get_scoped_or_404(
        Connection.objects.select_related("writeback_user", "connected_by"), request, pk=pk
    )
    context = {
        "connection": connection,
        "budget_form": SweepBudgetForm(initial={"sweep_daily_requests": connection.sweep_daily_requests}),
        **selectors.connection_health(connection=connection),
    }
    return render(request, "integrations/connection_detail.html", context)
