from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.middleware import SESSION_KEY
from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from tests.accounts.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# -- Switcher ---------------------------------------------------------------------------------------


def test_switching_to_a_workspace_of_mine(cast):
    second = WorkspaceFactory(name="Zeta")
    MembershipFactory(workspace=second, user=cast.owner)
    client = client_for(cast.owner)
    page = client.get(reverse("dashboard:index")).content.decode()
    assert 'id="workspace-switcher"' in page and "Zeta" in page
    response = client.post(reverse("accounts:workspace-switch"), {"workspace": second.pk})
    assert response["Location"] == reverse("dashboard:index")
    assert client.session[SESSION_KEY] == second.pk


def test_switching_to_someone_elses_workspace_is_a_404(cast):
    client = client_for(cast.owner)
    response = client.post(reverse("accounts:workspace-switch"), {"workspace": cast.other_workspace.pk})
    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) != cast.other_workspace.pk


@pytest.mark.parametrize("junk", ["abc", "", "1.5", "-1"])
def test_switching_to_junk_is_a_404_not_a_crash(cast, junk):
    assert (
        client_for(cast.owner).post(reverse("accounts:workspace-switch"), {"workspace": junk}).status_code
        == 404
    )


def test_single_workspace_users_see_no_switcher(cast):
    page = client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    assert 'id="workspace-switcher"' not in page


# -- Members -----------------------------------------------------------------------------------------


def test_admin_adds_an_existing_user(cast):
    colleague = UserFactory(email="colleague@example.com")
    response = client_for(cast.admin).post(
        reverse("accounts:member-add"), {"email": "Colleague@example.com", "role": Role.RECRUITER}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=colleague, workspace=cast.workspace).role == Role.RECRUITER
    assert mail.outbox[0].to == ["colleague@example.com"]


def test_adding_a_new_person_invites_them_to_set_a_password(cast):
    client_for(cast.owner).post(
        reverse("accounts:member-add"), {"email": "newbie@example.com", "role": Role.VIEWER}
    )
    user = User.objects.get(email="newbie@example.com")
    assert not user.has_usable_password()
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    assert client_for(user).get(link, follow=True).status_code == 200


def test_admins_cannot_make_owners(cast):
    client_for(cast.admin).post(
        reverse("accounts:member-add"), {"email": "boss@example.com", "role": Role.OWNER}
    )
    assert not Membership.objects.filter(user__email="boss@example.com").exists()


def test_adding_someone_twice_is_refused(cast):
    client = client_for(cast.owner)
    response = client.post(
        reverse("accounts:member-add"), {"email": cast.viewer.email, "role": Role.ADMIN}, follow=True
    )
    assert "already a member" in response.content.decode()
    assert cast.membership(cast.viewer).role == Role.VIEWER


def test_changing_a_role(cast):
    membership = cast.membership(cast.viewer)
    client_for(cast.admin).post(
        reverse("accounts:member-role", args=[membership.pk]), {"role": Role.RECRUITER}
    )
    membership.refresh_from_db()
    assert membership.role == Role.RECRUITER


def test_the_last_owner_cannot_step_down_or_be_removed(cast):
    owner = cast.membership(cast.owner)
    client = client_for(cast.owner)
    response = client.post(
        reverse("accounts:member-role", args=[owner.pk]), {"role": Role.ADMIN}, follow=True
    )
    assert "at least one owner" in response.content.decode()
    client.post(reverse("accounts:member-remove", args=[owner.pk]))
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_admins_cannot_remove_owners(cast):
    owner = cast.membership(cast.owner)
    client_for(cast.admin).post(reverse("accounts:member-remove", args=[owner.pk]))
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_removing_a_member(cast):
    viewer = cast.membership(cast.viewer)
    client_for(cast.admin).post(reverse("accounts:member-remove", args=[viewer.pk]))
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_owner_renames_the_workspace(cast):
    client_for(cast.owner).post(reverse("accounts:workspace-rename"), {"name": "Acme Talent"})
    cast.workspace.refresh_from_db()
    assert cast.workspace.name == "Acme Talent"
