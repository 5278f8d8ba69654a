from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.accounts.roles import ROLE_CAPABILITIES, Capability, Role, role_can

pytestmark = pytest.mark.django_db


def test_emails_are_stored_lower_case():
    user = User.objects.create_user(email="  Alice@Example.COM ", password="x")
    assert user.email == "alice@example.com"


def test_emails_are_unique_whatever_their_case():
    User.objects.create_user(email="alice@example.com", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="ALICE@example.com", password="x")


def test_every_role_has_a_capability_row():
    assert set(ROLE_CAPABILITIES) == set(Role.values)


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.OWNER, Capability.MANAGE_WORKSPACE, True),
        (Role.ADMIN, Capability.MANAGE_INTEGRATIONS, True),
        (Role.ADMIN, Capability.MANAGE_WORKSPACE, False),
        (Role.RECRUITER, Capability.WRITE_BACK, True),
        (Role.RECRUITER, Capability.MANAGE_INTEGRATIONS, False),
        (Role.HIRING_MANAGER, Capability.VIEW, True),
        (Role.HIRING_MANAGER, Capability.WRITE_BACK, False),
        (Role.VIEWER, Capability.WRITE_BACK, False),
        (Role.VIEWER, Capability.MANAGE_MEMBERS, False),
    ],
)
def test_roles_grant_what_design_says(role, capability, allowed):
    assert role_can(role, capability) is allowed


def test_unknown_roles_can_do_nothing():
    assert not role_can("superhero", Capability.VIEW)
