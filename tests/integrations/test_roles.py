from __future__ import annotations

import pytest

from apps.integrations.lever.roles import unified_role_for_access_role, unified_role_for_hiring_team_role
from apps.integrations.roles import UnifiedRole


@pytest.mark.parametrize(
    ("access_role", "unified"),
    [
        ("super admin", UnifiedRole.ADMIN),
        ("Super Admin", UnifiedRole.ADMIN),
        ("admin", UnifiedRole.ADMIN),
        ("interviewer", UnifiedRole.INTERVIEWER),
        ("team member", ""),
        ("limited team member", ""),
        ("a1b2c3-custom-role-id", ""),
        (None, ""),
    ],
)
def test_lever_access_roles_map_to_unified_roles(access_role, unified):
    assert unified_role_for_access_role(access_role) == unified


@pytest.mark.parametrize(
    ("team_role", "unified"),
    [("hiring_manager", UnifiedRole.HIRING_MANAGER), ("owner", UnifiedRole.HIRING_MANAGER), ("follower", "")],
)
def test_hiring_team_roles_map_to_unified_roles(team_role, unified):
    assert unified_role_for_hiring_team_role(team_role) == unified
