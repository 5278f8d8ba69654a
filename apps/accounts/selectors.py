"""Reads on workspaces and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Membership, User


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")


def membership_for_user(*, user: User, workspace_id: int | None) -> Membership | None:
    """Return the user's membership in `workspace_id`, or their first one when that is not theirs."""
    memberships = membership_list_for_user(user=user)
    if workspace_id is not None:
        chosen = memberships.filter(workspace_id=workspace_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def membership_list_for_workspace(*, workspace_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace_id=workspace_id).select_related("user").order_by("user__email")
