"""Resolve the current workspace once per request: `request.workspace` and `request.membership`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.accounts.selectors import memberships_for_request

SESSION_KEY = "current_workspace_id"


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.workspace = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]  # the switcher's list, same query
        if request.user.is_authenticated:
            memberships, membership = memberships_for_request(
                user=request.user, workspace_id=request.session.get(SESSION_KEY)
            )
            request.memberships = memberships  # type: ignore[attr-defined]
            if membership is not None:
                request.workspace = membership.workspace  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                if request.session.get(SESSION_KEY) != membership.workspace_id:
                    request.session[SESSION_KEY] = membership.workspace_id
        return self.get_response(request)
