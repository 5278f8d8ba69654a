"""Connect, reconnect and disconnect: review permissions, credentials, Lever's OAuth callback.

The OAuth callback follows healthchecks' GitHub integration: a random `state` bound to the session
(`oauth_state.py`), `error=access_denied` turned into a message, and no token call unless the state
checks out (LEVER_API.md §13 item 3).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.decorators import capability_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404
from apps.integrations import lifecycle, selectors
from apps.integrations.catalog import CatalogEntry, catalog_entry
from apps.integrations.forms import LeverCredentialsForm
from apps.integrations.lever import oauth
from apps.integrations.lever.credentials import oauth_client_for
from apps.integrations.lever.environments import environment_for
from apps.integrations.lever.errors import LeverError, LeverReauthRequired
from apps.integrations.models import AuthType, Connection, ConnectionStatus, Provider
from apps.integrations.oauth_state import OAuthStateError, oauth_state_consume, oauth_state_issue
from apps.integrations.services import ConnectionCheckFailed

logger = logging.getLogger(__name__)


def _entry_or_404(provider: str) -> CatalogEntry:
    entry = catalog_entry(provider)
    if entry is None:
        raise Http404("No such integration.")
    return entry


@require_GET
@capability_required(Capability.MANAGE_INTEGRATIONS)
def integration_review(request: WorkspaceRequest, provider: str) -> HttpResponse:
    """Show what Recruitdesk will read and write, and the permissions behind each, before connecting."""
    entry = _entry_or_404(provider)
    open_connection = (
        Connection.objects.for_workspace(request.workspace)
        .filter(provider=provider)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .first()
    )
    return render(request, "integrations/review.html", {"entry": entry, "open_connection": open_connection})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INTEGRATIONS)
def lever_credentials(request: WorkspaceRequest, pk: int | None = None) -> HttpResponse:
    """Ask how to reach Lever; OAuth goes on to Lever's consent screen, an API key is checked here."""
    entry = _entry_or_404(Provider.LEVER)
    connection = get_scoped_or_404(Connection, request, pk=pk) if pk is not None else None
    allow_custom = request.user.is_staff
    initial = {"admin_email": request.user.email}
    if connection is not None:
        initial |= {
            "admin_email": connection.admin_email or request.user.email,
            "auth_type": connection.auth_type,
            "environment": connection.environment,
            "base_url": connection.base_url,
        }
    form = LeverCredentialsForm(request.POST or None, initial=initial, allow_custom=allow_custom)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["auth_type"] == AuthType.OAUTH:
            return _start_oauth(request, entry, data, connection)
        try:
            outcome = lifecycle.connection_connect_api_key_and_sync(
                workspace=request.workspace,
                api_key=data["api_key"],
                environment=data["environment"],
                base_url=data["base_url"],
                admin_email=data["admin_email"],
                connected_by=request.user,
            )
        except ConnectionCheckFailed as exc:
            form.add_error("api_key", str(exc))
        else:
            _report_connected(request, outcome)
            return redirect(f"{reverse('integrations:index')}?tab=mine")
    context = {"entry": entry, "form": form, "connection": connection, "allow_custom": allow_custom}
    return render(request, "integrations/credentials.html", context)


def _redirect_uri(request: WorkspaceRequest) -> str:
    return settings.LEVER_REDIRECT_URI or request.build_absolute_uri(reverse("integrations:lever-callback"))


def _start_oauth(
    request: WorkspaceRequest, entry: CatalogEntry, data: dict, connection: Connection | None
) -> HttpResponse:
    redirect_uri = _redirect_uri(request)
    state = oauth_state_issue(
        request.session,
        workspace_id=request.workspace.pk,
        environment=data["environment"],
        base_url=data["base_url"],
        admin_email=data["admin_email"],
        redirect_uri=redirect_uri,
        connection_id=connection.pk if connection else None,
    )
    url = oauth.authorize_url(
        environment_for(data["environment"], data["base_url"]),
        client_id=oauth_client_for(data["environment"]).client_id,
        redirect_uri=redirect_uri,
        state=state,
        scopes=entry.required_scopes,
    )
    return redirect(url)


@require_GET
@capability_required(Capability.MANAGE_INTEGRATIONS)
def lever_callback(request: WorkspaceRequest) -> HttpResponse:
    """Finish Lever's consent screen: check `state`, exchange the code, store tokens, start syncing."""
    retry_url = reverse("integrations:lever-credentials")
    if request.GET.get("error"):
        # Forget the pending sign-in either way; a refusal needs no token call.
        request.session.pop("integrations_lever_oauth", None)
        if request.GET["error"] == "access_denied":
            messages.warning(
                request,
                "Lever access was not granted (Deny was chosen on Lever's screen), so nothing was connected. "
                "Try again when a Lever Super Admin can accept.",
            )
        else:
            detail = request.GET.get("error_description") or request.GET["error"]
            messages.error(request, f"Lever could not authorise Recruitdesk: {detail}")
        return redirect(retry_url)
    try:
        pending = oauth_state_consume(
            request.session, request.GET.get("state", ""), workspace_id=request.workspace.pk
        )
    except OAuthStateError as exc:
        messages.error(request, str(exc))
        return redirect(retry_url)
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, "Lever sent no authorisation code back. Please start again.")
        return redirect(retry_url)
    client = oauth_client_for(pending.environment)
    try:
        token_set = oauth.exchange_code(
            environment_for(pending.environment, pending.base_url),
            client_id=client.client_id,
            client_secret=client.client_secret,
            code=code,
            redirect_uri=pending.redirect_uri,
        )
    except LeverReauthRequired as exc:
        messages.error(
            request,
            f"Lever refused the sign-in ({exc.message}). Codes expire after a few minutes and work once; "
            "please start again.",
        )
        return redirect(retry_url)
    except LeverError as exc:
        messages.error(
            request, f"Lever could not be reached to finish the sign-in ({exc}). Please try again."
        )
        return redirect(retry_url)
    outcome = lifecycle.connection_connect_oauth(
        workspace=request.workspace,
        token_set=token_set,
        environment=pending.environment,
        base_url=pending.base_url,
        admin_email=pending.admin_email,
        connected_by=request.user,
        connection_id=pending.connection_id,
    )
    _report_connected(request, outcome)
    missing = selectors.scope_health(outcome.connection)["missing"]
    if missing:
        messages.warning(
            request,
            "Lever granted fewer permissions than Recruitdesk asks for; missing: " + ", ".join(missing) + ".",
        )
    return redirect(f"{reverse('integrations:index')}?tab=mine")


def _report_connected(request: WorkspaceRequest, outcome: lifecycle.ConnectOutcome) -> None:
    if outcome.reconnected:
        messages.success(
            request,
            "Lever is reconnected. Recruitdesk catches up on what changed since the last sync, and paused "
            "write-backs go out now.",
        )
    else:
        messages.success(request, "Lever is connected. The first sync has started.")
    if outcome.webhooks_registered:
        messages.info(request, f"Registered {len(outcome.webhooks_registered)} webhooks in Lever.")
        for step in outcome.webhook_manual_steps:  # e.g. a Super Admin must switch them on
            messages.info(request, step)
    elif outcome.webhook_manual_steps or outcome.webhook_error:
        reason = f" ({outcome.webhook_error})" if outcome.webhook_error else ""
        messages.warning(
            request,
            f"Recruitdesk could not register webhooks in Lever{reason}. Until they are set up, changes "
            "arrive with the 10-minute sync. To set them up by hand:",
        )
        for number, step in enumerate(outcome.webhook_manual_steps, start=1):
            messages.info(request, f"{number}. {step}")


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INTEGRATIONS)
def connection_disconnect(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Confirm, then stop all traffic with Lever; every mirrored record stays browsable."""
    connection = get_scoped_or_404(Connection, request, pk=pk)
    if request.method == "POST":
        if connection.status == ConnectionStatus.DISCONNECTED:
            messages.info(request, "This connection is already disconnected.")
            return redirect("integrations:connection-detail", pk=connection.pk)
        plan = selectors.connection_disconnect_plan(connection)
        outcome = lifecycle.connection_disconnect_everywhere(connection=connection, by=request.user)
        messages.success(
            request,
            f"Lever is disconnected. {plan.writebacks_to_cancel} pending write-back(s) were cancelled, "
            f"{outcome.webhooks_deleted} webhook(s) deleted in Lever, and the credentials deleted here. "
            "Everything already mirrored stays browsable.",
        )
        if outcome.webhook_error:
            messages.warning(request, outcome.webhook_error)
        return redirect("integrations:connection-detail", pk=connection.pk)
    context = {"connection": connection, "plan": selectors.connection_disconnect_plan(connection)}
    return render(request, "integrations/disconnect.html", context)
