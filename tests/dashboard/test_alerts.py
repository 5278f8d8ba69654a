"""The re-authorisation banner and the sync strip of every page: one query for both, none on htmx
fragments, and each workspace sees only its own (apps/integrations/context_processors.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integrations.context_processors import connection_alerts
from apps.integrations.models import ConnectionStatus, SyncKind, SyncStatus
from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db

BANNER = "Lever needs to be re-authorised"


def needs_reauth(connection_):
    connection_.status = ConnectionStatus.NEEDS_REAUTH
    connection_.status_reason = "Revoked in Lever."
    connection_.save()


def test_one_query_answers_both(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert connection_alerts(cast.workspace) == (None, False)
    needs_reauth(cast.connection)
    SyncRunFactory(connection=cast.connection, status=SyncStatus.RUNNING, kind=SyncKind.DELTA)
    with django_assert_num_queries(1):
        assert connection_alerts(cast.workspace) == (cast.connection, True)


def test_only_full_and_delta_syncs_that_run_count(cast):
    SyncRunFactory(connection=cast.connection, status=SyncStatus.SUCCEEDED, kind=SyncKind.FULL)
    assert connection_alerts(cast.workspace) == (None, False)
    SyncRunFactory(connection=cast.connection, status=SyncStatus.RUNNING, kind=SyncKind.FULL)
    assert connection_alerts(cast.workspace) == (None, True)


def test_another_workspaces_connection_and_sync_are_not_shown(cast):
    needs_reauth(cast.other_connection)
    SyncRunFactory(connection=cast.other_connection, status=SyncStatus.RUNNING)
    assert connection_alerts(cast.workspace) == (None, False)
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    assert BANNER not in page and 'id="sync-strip"' not in page


def test_full_pages_show_the_banner_and_the_strip(cast):
    needs_reauth(cast.connection)
    SyncRunFactory(connection=cast.connection, status=SyncStatus.RUNNING, kind=SyncKind.FULL)
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    assert BANNER in page and "Revoked in Lever." in page
    assert 'id="sync-strip"' in page and "Syncing Lever" in page


def test_htmx_fragments_do_not_ask(cast):
    needs_reauth(cast.connection)
    job = JobFactory(connection=cast.connection)
    JobStageFactory(job=job)
    client = client_for(cast.recruiter)
    url = reverse("jobs:pipeline", args=[job.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="pipeline-results"' in fragment and BANNER not in fragment
    assert not [q for q in captured if "integrations_connection" in q["sql"]]
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    assert BANNER in page
    assert len([q for q in captured if "integrations_connection" in q["sql"]]) == 1
