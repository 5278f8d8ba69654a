"""View guards: a logged-in member of a workspace, optionally with a capability (403 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from apps.accounts.roles import Capability

View = Callable[..., HttpResponse]


def workspace_member_required(view: View) -> View:
    """Require login and a current workspace; people without one are sent to create or join one."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            return redirect("accounts:workspace-create")
        return view(request, *args, **kwargs)

    return wrapped


def capability_required(capability: Capability) -> Callable[[View], View]:
    """Like workspace_member_required, and the member's role must grant `capability`."""

    def decorator(view: View) -> View:
        @workspace_member_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.membership.can(capability):  # type: ignore[attr-defined]
                raise PermissionDenied(f"Your role does not allow this ({capability}).")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
