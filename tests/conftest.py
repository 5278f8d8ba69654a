"""Shared fixtures: a cast in the spirit of healthchecks' alice/bob/charlie.

Workspace A ("Acme") has one member of every role; workspace B ("Globex") belongs to an outsider
who must never see anything of A's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import Membership, User, Workspace
from apps.accounts.roles import Role
from apps.integrations.models import Connection
from tests.accounts.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.integrations.factories import ConnectionFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: primary keys repeat between tests (each rolls back),
    so a page's kept answer (alerts, duplicates, …) from one test must not leak into the next."""
    cache.clear()
    yield


@dataclass
class Cast:
    workspace: Workspace
    other_workspace: Workspace
    owner: User
    admin: User
    recruiter: User
    hiring_manager: User
    viewer: User
    outsider: User
    connection: Connection
    other_connection: Connection

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(user=user, workspace=self.workspace)


@pytest.fixture
def cast(db) -> Cast:
    acme = WorkspaceFactory(name="Acme", slug="acme")
    globex = WorkspaceFactory(name="Globex", slug="globex")
    people = {role: UserFactory(email=f"{role}@acme.example") for role in Role.values}
    for role, user in people.items():
        MembershipFactory(workspace=acme, user=user, role=role)
    outsider = UserFactory(email="outsider@globex.example")
    MembershipFactory(workspace=globex, user=outsider, role=Role.OWNER)
    return Cast(
        workspace=acme,
        other_workspace=globex,
        owner=people[Role.OWNER],
        admin=people[Role.ADMIN],
        recruiter=people[Role.RECRUITER],
        hiring_manager=people[Role.HIRING_MANAGER],
        viewer=people[Role.VIEWER],
        outsider=outsider,
        connection=ConnectionFactory(workspace=acme),
        other_connection=ConnectionFactory(workspace=globex),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(db) -> Client:
    return client_for(UserFactory(email="staff@recruitdesk.example", is_staff=True, is_superuser=True))


@pytest.fixture
def media(settings, tmp_path):
    """Store files on disk under a temporary MEDIA_ROOT, so a test sees where files land (or that none did)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"
