"""The slim sync strip on every page while one of the workspace's syncs runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integrations.models import SyncStatus
from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def running_full_sync(connection_):
    return SyncRunFactory(
        connection=connection_,
        kind="full",
        status=SyncStatus.RUNNING,
        checkpoint={"done": ["users", "stages", "archive_reasons"], "phase": "opportunities"},
        stats={"candidates.application": {"created": 1200, "updated": 34}, "requests": {"made": 99}},
    )


def syncrun_queries(captured) -> int:
    return sum("integrations_syncrun" in query["sql"] for query in captured.captured_queries)


def test_no_strip_without_a_running_sync(cast):
    SyncRunFactory(connection=cast.connection, status=SyncStatus.SUCCEEDED)
    SyncRunFactory(connection=cast.connection, status=SyncStatus.QUEUED)
    page = client_for(cast.viewer).get(reverse("jobs:list")).content.decode()
    assert 'id="sync-strip"' not in page


def test_every_page_shows_the_strip_while_a_sync_runs(cast):
    running_full_sync(cast.connection)
    client = client_for(cast.viewer)
    for url in (reverse("dashboard:index"), reverse("jobs:list"), reverse("accounts:settings")):
        page = client.get(url).content.decode()
        assert 'id="sync-strip"' in page, url
        # 3 of the full sync's 12 phases are done; records are everything counted so far.
        assert "Syncing Lever: 25 %" in page
        assert "Candidates and applications · 1,234 records" in page
        assert f'hx-get="{reverse("dashboard:sync-strip")}" hx-trigger="every 3s"' in page


def test_webhook_and_sweep_runs_do_not_show_the_strip(cast):
    SyncRunFactory(connection=cast.connection, kind="webhook", status=SyncStatus.RUNNING)
    page = client_for(cast.viewer).get(reverse("jobs:list")).content.decode()
    assert 'id="sync-strip"' not in page


def test_another_workspaces_sync_shows_no_strip(cast):
    running_full_sync(cast.other_connection)
    assert 'id="sync-strip"' not in client_for(cast.viewer).get(reverse("jobs:list")).content.decode()
    assert 'id="sync-strip"' in client_for(cast.outsider).get(reverse("jobs:list")).content.decode()
    poll = client_for(cast.viewer).get(reverse("dashboard:sync-strip"), headers=HTMX)
    assert poll.status_code == 286


def test_the_poll_answers_while_running_then_stops_with_a_refresh_link(cast):
    run = running_full_sync(cast.connection)
    client = client_for(cast.viewer)
    headers = {**HTMX, "HX-Current-URL": "http://testserver/jobs/?q=data"}
    running = client.get(reverse("dashboard:sync-strip"), headers=headers)
    assert running.status_code == 200
    body = running.content.decode()
    assert "Syncing Lever: 25 %" in body and "<html" not in body
    run.status = SyncStatus.SUCCEEDED
    run.save()
    finished = client.get(reverse("dashboard:sync-strip"), headers=headers)
    assert finished.status_code == 286  # htmx stops polling
    body = finished.content.decode()
    assert "Sync finished" in body and 'href="/jobs/?q=data"' in body


def test_the_refresh_link_never_points_to_another_site(cast):
    response = client_for(cast.viewer).get(
        reverse("dashboard:sync-strip"), headers={**HTMX, "HX-Current-URL": "https://evil.example/phish"}
    )
    assert response.status_code == 286
    assert "evil.example" not in response.content.decode()


def test_the_strip_costs_no_query_when_kept_two_while_syncing_and_none_on_a_fragment(cast):
    client = client_for(cast.viewer)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("jobs:list"))
    assert syncrun_queries(first) == 1  # one query answers "re-authorise?" and "syncing?" together
    with CaptureQueriesContext(connection) as idle:
        client.get(reverse("jobs:list"))
    assert syncrun_queries(idle) == 0  # … kept until a connection or a run changes
    running_full_sync(cast.connection)
    with CaptureQueriesContext(connection) as page:
        client.get(reverse("jobs:list"))
    assert syncrun_queries(page) == 2  # asked again, and the strip's own (the run and its progress)
    with CaptureQueriesContext(connection) as fragment:
        response = client.get(reverse("jobs:list"), {"q": "x"}, headers=HTMX)
    assert 'id="sync-strip"' not in response.content.decode()
    assert syncrun_queries(fragment) == 0


def test_the_strip_needs_a_member(cast, client):
    response = client.get(reverse("dashboard:sync-strip"))
    assert response.status_code == 302  # to the login page
