"""Reads on workspaces and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Membership, User


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")


def membership_for_user(*, user: User, workspace_id: int | None) -> Membership | None:
    """Return the user's membership in `workspace_id`, or their first one when that is not theirs."""
    return memberships_for_request(user=user, workspace_id=workspace_id)[1]


def memberships_for_request(
    *, user: User, workspace_id: int | None
) -> tuple[list[Membership], Membership | None]:
    """Return all the user's memberships (for the switcher) and the current one, in one query."""
    memberships = list(membership_list_for_user(user=user))
    chosen = next((m for m in memberships if m.workspace_id == workspace_id), None)
    return memberships, chosen or (memberships[0] if memberships else None)


def membership_list_for_workspace(*, workspace_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace_id=workspace_id).select_related("user").order_by("user__email")
