"""Lever's role names → unified roles (DESIGN.md §4). Unknown and custom roles map to "" (none)."""

from __future__ import annotations

from apps.integrations.roles import UnifiedRole, lookup_role

# users.accessRole (LEVER_API.md §8.1): super admin | admin | team member | limited team member | interviewer
ACCESS_ROLE_TO_UNIFIED: dict[str, str] = {
    "super admin": UnifiedRole.ADMIN,
    "admin": UnifiedRole.ADMIN,
    "team member": "",
    "limited team member": "",
    "interviewer": UnifiedRole.INTERVIEWER,
}

# The posting fields a hiring-team member comes from (LEVER_API.md §8.6).
HIRING_TEAM_ROLE_TO_UNIFIED: dict[str, str] = {
    "hiring manager": UnifiedRole.HIRING_MANAGER,
    "owner": UnifiedRole.HIRING_MANAGER,
    "follower": "",
}


def unified_role_for_access_role(access_role: str | None) -> str:
    return lookup_role(ACCESS_ROLE_TO_UNIFIED, access_role)


def unified_role_for_hiring_team_role(team_role: str | None) -> str:
    return lookup_role(HIRING_TEAM_ROLE_TO_UNIFIED, (team_role or "").replace("_", " "))
