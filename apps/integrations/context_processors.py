"""Template context every page needs from the integrations: the re-authorisation banner."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.integrations import selectors


def integration_alerts(request: HttpRequest) -> dict[str, Any]:
    """Expose the workspace's connection that needs re-authorisation, and who can reconnect it.

    Lazy: the query runs only when a template shows the banner (htmx fragments do not).
    """
    workspace = getattr(request, "workspace", None)
    user = getattr(request, "user", None)
    if workspace is None or user is None or not user.is_authenticated:
        return {}
    return {
        "reauth_connection": SimpleLazyObject(
            lambda: selectors.connection_needing_reauth(workspace=workspace)
        ),
        "integration_managers": SimpleLazyObject(
            lambda: selectors.workspace_integration_managers(workspace=workspace)
        ),
    }
