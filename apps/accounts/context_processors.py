from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts.roles import Capability
from apps.accounts.selectors import membership_list_for_user


def workspace(request: HttpRequest) -> dict[str, Any]:
    """Expose the current workspace, what the member may do (`can.write_back`) and the switcher list."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signup_open": settings.ACCOUNT_ALLOW_SIGNUP}
    membership = getattr(request, "membership", None)
    return {
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": membership,
        "can": {
            capability.value: bool(membership and membership.can(capability)) for capability in Capability
        },
        # The middleware loaded them with the current membership; other callers ask lazily.
        "my_memberships": getattr(request, "memberships", None)
        or SimpleLazyObject(lambda: list(membership_list_for_user(user=user))),
    }
