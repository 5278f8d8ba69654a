"""Template context every page needs from the integrations: the re-authorisation banner, the sync strip."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.integrations import selectors
from apps.integrations.alerts import connection_alerts


def _sync_strip(workspace: Any) -> Any:
    from apps.dashboard.sync_strip import sync_strip_for

    return sync_strip_for(workspace=workspace)


def integration_alerts(request: HttpRequest) -> dict[str, Any]:
    """Expose the workspace's connection that needs re-authorisation, who can reconnect it, and the sync strip.

    Lazy: the queries run only when a template shows the banner or the strip (base.html does; htmx
    fragments and pages without the layout do not), and once per request for both.
    """
    workspace = getattr(request, "workspace", None)
    user = getattr(request, "user", None)
    if workspace is None or user is None or not user.is_authenticated:
        return {}
    alerts = SimpleLazyObject(lambda: connection_alerts(workspace))
    return {
        "reauth_connection": SimpleLazyObject(lambda: alerts[0]),
        "integration_managers": SimpleLazyObject(
            lambda: selectors.workspace_integration_managers(workspace=workspace)
        ),
        # The strip's own query (the run and its progress) only while a sync runs.
        "sync_strip": SimpleLazyObject(lambda: _sync_strip(workspace) if alerts[1] else None),
    }
