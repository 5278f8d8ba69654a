"""Typing shims for requests that carry django-htmx details and the current workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from apps.accounts.models import Membership, User, Workspace


class WorkspaceRequest(HttpRequest):
    """A request after CurrentWorkspaceMiddleware and HtmxMiddleware have run."""

    user: User
    htmx: HtmxDetails
    workspace: Workspace | None
    membership: Membership | None
