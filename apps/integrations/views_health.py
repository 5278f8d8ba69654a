"""The live parts of a connection: sync progress (polled), Test connection, the write-back user."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404
from apps.integrations import lifecycle, selectors
from apps.integrations.forms import WritebackUserForm
from apps.integrations.models import Connection
from apps.integrations.progress import keeps_polling, sync_progress


@require_GET
@workspace_member_required
def connection_progress(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Return the sync progress fragment; once the run is over, answer 286 so htmx stops polling."""
    connection = get_scoped_or_404(Connection, request, pk=pk)
    progress = sync_progress(connection)
    polling = keeps_polling(connection, progress)
    context = {"connection": connection, "progress": progress, "polling": polling}
    html = render_to_string("integrations/_sync_progress.html", context, request=request)
    return HttpResponse(html) if polling else HttpResponseStopPolling(html)


@require_POST
@capability_required(Capability.MANAGE_INTEGRATIONS)
def connection_test(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Make one cheap call to Lever and show the result in place."""
    connection = get_scoped_or_404(Connection, request, pk=pk)
    was_live = connection.is_live
    result = lifecycle.connection_test(connection=connection)
    selectors.remember_check(
        connection, ok=result.ok, message=result.message, confidential=result.confidential_access
    )
    if request.htmx and was_live and result.auth_refused:
        return HttpResponseClientRefresh()  # the status changed: banner and Reconnect button must show
    if not request.htmx:
        (messages.success if result.ok else messages.error)(request, result.message)
        return redirect("integrations:connection-detail", pk=connection.pk)
    return render(
        request,
        "integrations/connection_detail.html#test-result",
        {"connection": connection, "last_check": selectors.last_check(connection)},
    )


@require_POST
@capability_required(Capability.MANAGE_INTEGRATIONS)
def connection_writeback_user(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Choose the Lever user that write-backs are attributed to."""
    connection = get_scoped_or_404(Connection, request, pk=pk)
    form = WritebackUserForm(request.POST, connection=connection)
    if form.is_valid():
        user = form.cleaned_data["writeback_user"]
        lifecycle.connection_writeback_user_set(connection=connection, user=user)
        messages.success(request, f"Write-backs now appear in Lever as done by {user}.")
    else:
        messages.error(request, "Choose one of the Lever users in the list.")
    return redirect("integrations:connection-detail", pk=connection.pk)
