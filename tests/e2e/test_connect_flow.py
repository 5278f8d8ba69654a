"""An owner connects Lever in the browser: Add → Proceed → credentials → sandbox Accept → sync progress.

The sandbox serves Lever's consent screen and API over loopback HTTP. The first sync is run by this
test (standing in for the worker) while the page polls; polls are held back with `page.route` while
the test thread writes, because live_server shares one in-memory SQLite connection across threads.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import Connection, SyncKind, SyncTrigger
from apps.integrations.tasks import sync_after_connect
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import PASSWORD
from tests.integrations.connect_helpers import configure_sandbox_oauth, lever_super_admin, staff_owner

pytestmark = pytest.mark.django_db(transaction=True)
POLLS = re.compile(r"/integrations/sync-progress/")


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=11, opportunities=15, rate_limit=False) as server:
        yield server


@pytest.fixture
def queued_tasks(monkeypatch):
    """Record django-q2 tasks instead of running them inline, so the sync runs while the page watches."""
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: calls.append((func, args)))
    return calls


def hold_polls(page):
    page.route(POLLS, lambda route: route.abort())
    page.wait_for_timeout(500)  # a poll already at the server finishes before the test writes


def release_polls(page):
    page.unroute(POLLS)


def test_owner_connects_lever_with_oauth_and_watches_the_first_sync(
    page, live_server, screenshot, settings, sandbox, queued_tasks
):
    configure_sandbox_oauth(settings, sandbox)
    user, workspace = staff_owner(email="olga@acme.example", full_name="Olga Owner")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Add Lever").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("review permissions")
    expect(page.locator("body")).to_contain_text("confidential:access:admin")
    screenshot("connect-review")
    page.get_by_role("link", name="Proceed").click()

    page.get_by_label("Lever admin email").fill(lever_super_admin(sandbox)["email"])
    page.get_by_label("OAuth (partner credentials)", exact=True).check()
    page.get_by_label("Custom base URL (staff)", exact=True).check()
    page.get_by_label("Custom base URL", exact=True).fill(sandbox.url)
    screenshot("connect-credentials")
    page.get_by_role("button", name="Connect", exact=True).click()

    # Lever's (the sandbox's) consent screen, on another origin.
    expect(page).to_have_url(re.compile(re.escape(f"{sandbox.url}/oauth/authorize")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorize application")
    screenshot("connect-consent")
    page.get_by_role("button", name="Accept").click()

    expect(page).to_have_url(f"{live_server.url}/integrations/?tab=mine")
    expect(page.locator("#messages")).to_contain_text("Lever is connected")
    connection = Connection.objects.get(workspace=workspace)
    progress = page.locator(f"#sync-progress-{connection.pk}")
    expect(progress).to_contain_text("Starting")
    expect(page.locator("table")).to_contain_text("Active")
    assert ("apps.integrations.tasks.sync_after_connect", (connection.pk, "full")) in queued_tasks
    screenshot("connect-my-integrations")

    # The worker's first slice stops early (no time left): the run waits, checkpoint saved.
    hold_polls(page)
    run_sync(connection, kind=SyncKind.FULL, trigger=SyncTrigger.CONNECT, time_budget=0)
    release_polls(page)
    expect(progress).to_contain_text("sync running", timeout=10_000)
    expect(progress.locator("progress")).to_be_visible()
    screenshot("connect-sync-running")

    # The continuation finishes it; the next poll answers 286 and htmx stops polling.
    hold_polls(page)
    sync_after_connect(connection.pk, SyncKind.FULL)
    release_polls(page)
    expect(progress).to_contain_text("Full sync succeeded", timeout=10_000)
    expect(progress).not_to_have_attribute("hx-trigger", "every 2s")
    screenshot("connect-sync-finished")

    connection.refresh_from_db()
    assert connection.writeback_user is not None and connection.writeback_user.email == connection.admin_email
    page.get_by_role("link", name=connection.name).click()
    expect(page.get_by_role("heading", level=2, name="Authorisation")).to_be_visible()
    expect(page.locator("body")).to_contain_text("All granted")
    screenshot("connect-health-panel")
