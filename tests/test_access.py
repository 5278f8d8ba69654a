"""Roles inside one workspace: admin-only views answer 403 to hiring managers and viewers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def admin_only_requests(cast):
    viewer = cast.membership(cast.viewer)
    return [
        ("get", reverse("integrations:connection-detail", args=[cast.connection.pk]), {}),
        (
            "post",
            reverse("integrations:connection-sweep-budget", args=[cast.connection.pk]),
            {"sweep_daily_requests": 1},
        ),
        ("post", reverse("accounts:member-add"), {"email": "x@example.com", "role": "viewer"}),
        ("post", reverse("accounts:member-role", args=[viewer.pk]), {"role": "admin"}),
        ("post", reverse("accounts:member-remove", args=[viewer.pk]), {}),
        ("post", reverse("accounts:workspace-rename"), {"name": "Hijacked"}),
        ("get", reverse("automation:new"), {}),
        ("post", reverse("automation:new"), {"name": "Hijacked", "trigger": "hired", "actions_count": 0}),
    ]


@pytest.mark.parametrize("who", ["hiring_manager", "viewer", "recruiter"])
def test_members_without_the_role_get_403_on_admin_only_views(cast, who):
    client = client_for(getattr(cast, who))
    for method, url, data in admin_only_requests(cast):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    cast.workspace.refresh_from_db()
    assert cast.workspace.name == "Acme"
    assert cast.membership(cast.viewer).role == "viewer"


def test_admins_reach_the_connection_health_panel(cast):
    response = client_for(cast.admin).get(
        reverse("integrations:connection-detail", args=[cast.connection.pk])
    )
    assert response.status_code == 200
    assert "Recent syncs" in response.content.decode()


@pytest.mark.parametrize("who", ["hiring_manager", "viewer"])
def test_read_only_roles_still_read(cast, who):
    client = client_for(getattr(cast, who))
    for name in (
        "dashboard:index",
        "jobs:list",
        "candidates:list",
        "integrations:index",
        "accounts:settings",
        "automation:index",
        "automation:notifications",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_settings_hide_member_management_from_viewers(cast):
    page = client_for(cast.viewer).get(reverse("accounts:settings")).content.decode()
    assert "Add a member" not in page
    assert "Add a member" in client_for(cast.admin).get(reverse("accounts:settings")).content.decode()


def test_staff_admin_is_for_staff_only(cast):
    response = client_for(cast.owner).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
