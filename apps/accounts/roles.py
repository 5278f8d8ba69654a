"""Workspace roles and what each may do, as data: views ask `membership.can(Capability.X)`."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    RECRUITER = "recruiter", "Recruiter"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"
    VIEWER = "viewer", "Viewer"


class Capability(StrEnum):
    VIEW = "view"  # read pipelines, candidates and jobs
    WRITE_BACK = "write_back"  # anything that sends an action to Lever
    EDIT_SCORING = "edit_scoring"  # change a job's scoring profile
    MANAGE_INTEGRATIONS = "manage_integrations"  # connect, disconnect, reconnect, sync
    MANAGE_MEMBERS = "manage_members"  # add, remove and re-role members
    MANAGE_WORKSPACE = "manage_workspace"  # rename the workspace, hand over ownership
    MANAGE_AUTOMATION = "manage_automation"  # create, edit, switch and apply automation rules


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.ADMIN: frozenset(Capability) - {Capability.MANAGE_WORKSPACE},
    Role.RECRUITER: frozenset({Capability.VIEW, Capability.WRITE_BACK, Capability.EDIT_SCORING}),
    Role.HIRING_MANAGER: frozenset({Capability.VIEW}),
    Role.VIEWER: frozenset({Capability.VIEW}),
}

# Who may grant which role: nobody hands out more than they hold, and only owners make owners.
ASSIGNABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.OWNER: tuple(Role.values),
    Role.ADMIN: (Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER, Role.VIEWER),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
