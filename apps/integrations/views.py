from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404, scoped
from apps.integrations import outbox, selectors
from apps.integrations.catalog import catalog_search
from apps.integrations.forms import SweepBudgetForm, WritebackUserForm
from apps.integrations.lifecycle import writeback_user_suggestion
from apps.integrations.models import Connection, ConnectionStatus, WritebackAction, WritebackStatus
from apps.integrations.progress import keeps_polling, sync_progress

CHIP_TEMPLATE = "integrations/_writeback_status.html"
# What the status chip reads (not the request and response bodies the worker stores).
CHIP_FIELDS = ("id", "workspace_id", "kind", "status", "payload", "status_reason", "last_error")
# The chip of these offers a Retry form (see _writeback_status.html).
RETRYABLE_STATUSES = {WritebackStatus.FAILED, WritebackStatus.CANCELLED}


@require_GET
@workspace_member_required
def integration_index(request: WorkspaceRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    connections = list(selectors.connection_list(workspace=request.workspace))
    context = {
        "tab": "mine" if request.GET.get("tab") == "mine" else "catalog",
        "query": query,
        "catalog": catalog_search(query),
        "connections": connections,
        "rows": [_progress_row(c) for c in connections],
        "connected_providers": {c.provider for c in connections if c.status != ConnectionStatus.DISCONNECTED},
        "can_manage": request.membership.can(Capability.MANAGE_INTEGRATIONS),
    }
    template = "integrations/index.html#catalog-results" if request.htmx else "integrations/index.html"
    return render(request, template, context)


def _progress_row(connection: Connection) -> dict[str, object]:
    progress = sync_progress(connection)
    return {"connection": connection, "progress": progress, "polling": keeps_polling(connection, progress)}


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
        "writeback_form": WritebackUserForm(
            connection=connection,
            initial={"writeback_user": connection.writeback_user or writeback_user_suggestion(connection)},
        ),
        **selectors.connection_health(connection=connection),
    }
    context["polling"] = keeps_polling(connection, context["progress"])  # type: ignore[arg-type]
    return render(request, "integrations/connection_detail.html", context)


# -- the outbox: retry, approvals ----------------------------------------------------------------------


@require_GET
@workspace_member_required
def writeback_status(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """One action's status chip; it polls itself while the action is open (htmx stops on 286).

    Every member with a queued action asks every second, so it stays cheap: only the columns the
    chip shows, and the page's context processors only for a failed or cancelled action, whose
    chip offers a Retry form (it needs `can`, the CSRF token and the request).
    """
    action = get_scoped_or_404(WritebackAction.objects.only(*CHIP_FIELDS), request, pk=pk)
    if action.status in RETRYABLE_STATUSES:
        response = render(request, CHIP_TEMPLATE, {"action": action})
    else:
        response = HttpResponse(render_to_string(CHIP_TEMPLATE, {"action": action}))
    if not action.is_open:
        response.status_code = 286  # htmx: swap this last answer and stop polling
    return response


@require_POST
@capability_required(Capability.WRITE_BACK)
def writeback_retry(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Send a failed or cancelled write-back again (a person decided it should go out)."""
    action = get_scoped_or_404(WritebackAction, request, pk=pk)
    retried = outbox.writeback_retry(action, by=request.user)
    if request.htmx:
        action.refresh_from_db()
        return render(request, "integrations/_writeback_status.html", {"action": action})
    if retried:
        messages.success(request, f"{action.summary}: queued again.")
    else:
        messages.info(request, f"{action.summary} is already {action.get_status_display().lower()}.")
    return _back(request, action)


@require_GET
@capability_required(Capability.MANAGE_INTEGRATIONS)
def writeback_approvals(request: WorkspaceRequest) -> HttpResponse:
    """List what waits for approval, one entry per batch, each with a preview of what would be sent."""
    waiting = list(
        scoped(WritebackAction, request)
        .filter(status=WritebackStatus.AWAITING_APPROVAL)
        .select_related("application__candidate", "application__job", "candidate", "job", "requested_by")
        .order_by("created_at", "pk")
    )
    groups: dict[str, list[WritebackAction]] = {}
    for action in waiting:
        groups.setdefault(str(action.batch_id or f"action-{action.pk}"), []).append(action)
    batches = [
        {"key": key, "actions": actions, "summary": outbox.writeback_batch_summary(actions)}
        for key, actions in groups.items()
    ]
    return render(request, "integrations/approvals.html", {"batches": batches})


@require_POST
@capability_required(Capability.MANAGE_INTEGRATIONS)
def writeback_decide(request: WorkspaceRequest) -> HttpResponse:
    """Approve or discard one batch (or one action) that waits for approval."""
    key = request.POST.get("batch", "")
    waiting = scoped(WritebackAction, request).filter(status=WritebackStatus.AWAITING_APPROVAL)
    if key.startswith("action-") and key[7:].isdigit():
        actions = list(waiting.filter(pk=int(key[7:])))
    else:
        try:
            actions = list(waiting.filter(batch_id=uuid.UUID(key)))
        except ValueError:
            actions = []
    if not actions:
        raise Http404("Nothing waits for approval under that name.")
    if request.POST.get("decision") == "approve":
        count = outbox.writeback_approve(actions, by=request.user)
        messages.success(request, f"Approved {count} action(s); they are on their way to Lever.")
    else:
        count = outbox.writeback_discard(
            actions, by=request.user, reason=f"Discarded by {request.user.email}."
        )
        messages.info(request, f"Discarded {count} action(s); nothing was sent.")
    return redirect("integrations:approvals")


def _back(request: WorkspaceRequest, action: WritebackAction) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if action.candidate_id:
        return redirect("candidates:detail", pk=action.candidate_id)
    return redirect("integrations:index")
