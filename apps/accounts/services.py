"""Writes on workspaces and memberships. Views, commands and tests all come through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.accounts.models import Membership, User, Workspace, normalize_email
from apps.accounts.roles import ASSIGNABLE_ROLES, Role


def _unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def workspace_create(*, name: str, owner: User) -> Workspace:
    """Create a workspace with `owner` as its first owner."""
    workspace = Workspace.objects.create(name=name.strip(), slug=_unique_slug(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def _check_can_assign(actor: Membership, role: str) -> None:
    if role not in ASSIGNABLE_ROLES.get(actor.role, ()):
        raise PermissionDenied(f"A {actor.get_role_display().lower()} cannot give the role {role!r}.")


def _owners_left_after(membership: Membership) -> int:
    others = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER).exclude(
        pk=membership.pk
    )
    return others.count()


@transaction.atomic
def membership_add(*, actor: Membership, email: str, role: str) -> tuple[Membership, bool]:
    """Add the user with `email` to the actor's workspace; create the account if it does not exist.

    Returns (membership, user_created). A new account has no usable password: the invitee sets one
    through the password-reset email the caller sends.
    """
    _check_can_assign(actor, role)
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=None)
    if Membership.objects.filter(workspace=actor.workspace, user=user).exists():
        raise ValidationError(f"{email} is already a member of {actor.workspace}.")
    membership = Membership.objects.create(workspace=actor.workspace, user=user, role=role)
    return membership, created


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Give `membership` a new role, keeping at least one owner."""
    if membership.workspace_id != actor.workspace_id:
        raise PermissionDenied("That member belongs to another workspace.")
    _check_can_assign(actor, role)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied("Only an owner can change an owner's role.")
    if membership.role == Role.OWNER and role != Role.OWNER and _owners_left_after(membership) == 0:
        raise ValidationError("A workspace needs at least one owner: make someone else owner first.")
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member; the last owner cannot be removed."""
    if membership.workspace_id != actor.workspace_id:
        raise PermissionDenied("That member belongs to another workspace.")
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied("Only an owner can remove an owner.")
    if membership.role == Role.OWNER and _owners_left_after(membership) == 0:
        raise ValidationError("The last owner cannot be removed.")
    membership.delete()


# -- The demo that `make run` sets up ------------------------------------------------------------------

DEMO_WORKSPACE_SLUG = "demo"


@dataclass(frozen=True)
class DemoSetup:
    user: User
    workspace: Workspace
    user_created: bool
    workspace_created: bool


@transaction.atomic
def demo_setup(*, email: str, password: str, workspace_name: str = "Demo recruiting team") -> DemoSetup:
    """Ensure a demo workspace with `email` as its owner and staff admin, logging in with `password`."""
    user, user_created = User.objects.get_or_create(
        email=normalize_email(email),
        defaults={"full_name": "Demo Owner", "is_staff": True, "is_superuser": True},
    )
    user.set_password(password)  # so the password printed is always the one that works
    user.is_active = True
    user.save()
    workspace, workspace_created = Workspace.objects.get_or_create(
        slug=DEMO_WORKSPACE_SLUG, defaults={"name": workspace_name}
    )
    Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": Role.OWNER})
    return DemoSetup(user, workspace, user_created, workspace_created)
