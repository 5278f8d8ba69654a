"""Add → review permissions → credentials: who may, what is shown, API keys checked in plain words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.integrations.models import AuthType, Connection, ConnectionStatus, SyncRun
from apps.lever_sandbox.server import SandboxServer
from tests.conftest import client_for
from tests.integrations.connect_helpers import configure_sandbox_oauth, staff_owner

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=6, opportunities=10, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def oauth_settings(settings, sandbox):
    configure_sandbox_oauth(settings, sandbox)


def key_form(sandbox, key, **extra):
    return {
        "admin_email": "olga@acme.example",
        "auth_type": "api_key",
        "environment": "custom",
        "base_url": sandbox.url,
        "api_key": key,
        **extra,
    }


def test_the_catalog_offers_add_to_admins_and_explains_to_others(cast):
    add = reverse("integrations:add", args=["lever"])
    assert add in client_for(cast.admin).get(reverse("integrations:index")).content.decode()
    page = client_for(cast.recruiter).get(reverse("integrations:index")).content.decode()
    assert add not in page and "Ask an owner or admin" in page


def test_review_lists_each_kind_of_data_with_its_lever_scopes_and_proceeds(cast):
    page = client_for(cast.owner).get(reverse("integrations:add", args=["lever"])).content.decode()
    for name in ("Candidates", "Jobs", "Applications", "Attachments", "Stages", "Users", "Departments"):
        assert f">{name}</th>" in page
    for name in ("Notes", "Tags", "Interviews", "Offers"):
        assert f">{name}</th>" in page
    assert "notes:write:admin" in page and "confidential:access:admin" in page and "offline_access" in page
    assert reverse("integrations:lever-credentials") in page and "Proceed" in page
    # cast.connection is open already: proceeding updates it rather than adding a second one.
    assert "already connected" in page


def test_an_unknown_integration_is_a_404(cast):
    assert client_for(cast.owner).get(reverse("integrations:add", args=["greenhouse"])).status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "viewer"])
def test_only_owners_and_admins_reach_the_connect_pages(cast, role):
    client = client_for(getattr(cast, role))
    pk = cast.connection.pk
    for url in (
        reverse("integrations:add", args=["lever"]),
        reverse("integrations:lever-credentials"),
        reverse("integrations:connection-reconnect", args=[pk]),
        reverse("integrations:connection-disconnect", args=[pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("integrations:connection-disconnect", args=[pk])).status_code == 403
    assert client.post(reverse("integrations:connection-test", args=[pk])).status_code == 403


def test_another_workspaces_connection_is_a_404_everywhere(cast):
    client = client_for(cast.owner)
    pk = cast.other_connection.pk
    for name in ("connection-detail", "connection-reconnect", "connection-disconnect", "connection-progress"):
        assert client.get(reverse(f"integrations:{name}", args=[pk])).status_code == 404, name
    for name in ("connection-disconnect", "connection-test", "connection-writeback-user"):
        assert client.post(reverse(f"integrations:{name}", args=[pk])).status_code == 404, name
    cast.other_connection.refresh_from_db()
    assert cast.other_connection.status == ConnectionStatus.ACTIVE


def test_the_custom_base_url_is_for_staff_only(cast, sandbox):
    url = reverse("integrations:lever-credentials")
    page = client_for(cast.owner).get(url).content.decode()
    assert 'name="base_url"' not in page and 'value="custom"' not in page
    response = client_for(cast.owner).post(url, key_form(sandbox, sandbox.api_key))
    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    cast.connection.refresh_from_db()
    assert cast.connection.base_url == ""

    staff, _ = staff_owner()
    page = client_for(staff).get(url).content.decode()
    assert 'name="base_url"' in page and 'value="custom"' in page


def test_a_good_api_key_connects_and_starts_the_first_sync(sandbox, django_capture_on_commit_callbacks):
    user, workspace = staff_owner()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(
            reverse("integrations:lever-credentials"), key_form(sandbox, sandbox.api_key)
        )
    assert response.status_code == 302 and response["Location"] == "/integrations/?tab=mine"
    connection = Connection.objects.get(workspace=workspace)
    assert connection.status == ConnectionStatus.ACTIVE and connection.auth_type == AuthType.API_KEY
    assert SyncRun.objects.filter(connection=connection, status="succeeded").exists()


def test_a_bad_api_key_is_refused_in_plain_words_and_never_echoed(sandbox):
    user, workspace = staff_owner()
    response = client_for(user).post(
        reverse("integrations:lever-credentials"), key_form(sandbox, "not-a-real-key-123")
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Lever rejected the credentials" in page
    assert "not-a-real-key-123" not in page
    assert not Connection.objects.filter(workspace=workspace, status=ConnectionStatus.ACTIVE).exists()


def test_a_key_without_confidential_access_is_explained(sandbox):
    sandbox.add_api_key("key-without-confidential", confidential_access=False)
    user, _ = staff_owner()
    response = client_for(user).post(
        reverse("integrations:lever-credentials"), key_form(sandbox, "key-without-confidential")
    )
    page = response.content.decode()
    assert "no access to confidential postings" in page and "create a new key" in page


def test_oauth_needs_client_credentials_on_the_server(settings, sandbox):
    settings.LEVER_CUSTOM_CLIENT_ID = settings.LEVER_CLIENT_ID = ""
    user, _ = staff_owner()
    response = client_for(user).post(
        reverse("integrations:lever-credentials"),
        {"admin_email": user.email, "auth_type": "oauth", "environment": "custom", "base_url": sandbox.url},
    )
    assert response.status_code == 200 and "OAuth is not set up on this server" in response.content.decode()
