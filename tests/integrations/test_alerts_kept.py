"""The banner and sync-strip answer every full page needs is kept in the cache per workspace and
forgotten whenever a connection or a sync run changes (apps/integrations/alerts.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.integrations.alerts import alerts_key, connection_alerts
from apps.integrations.models import ConnectionStatus, SyncKind, SyncRun, SyncStatus
from apps.integrations.sync_runs import sync_run_claim, sync_run_finish, sync_run_pause
from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory

pytestmark = pytest.mark.django_db

BANNER = "Lever needs to be re-authorised"


def test_a_kept_answer_costs_no_query(cast, django_assert_num_queries):
    assert connection_alerts(cast.workspace) == (None, False)
    with django_assert_num_queries(0):
        assert connection_alerts(cast.workspace) == (None, False)


def test_a_revoked_connection_shows_on_the_next_page(cast):
    client = client_for(cast.recruiter)
    assert BANNER not in client.get(reverse("jobs:list")).content.decode()  # kept: nothing to say
    cast.connection.status = ConnectionStatus.NEEDS_REAUTH
    cast.connection.status_reason = "Revoked in Lever."
    cast.connection.save(update_fields=["status", "status_reason"])
    page = client.get(reverse("jobs:list")).content.decode()
    assert BANNER in page and "Revoked in Lever." in page
    # Reconnected: the banner goes at once, even though the answer was kept with it.
    cast.connection.status = ConnectionStatus.ACTIVE
    cast.connection.save(update_fields=["status"])
    assert BANNER not in client.get(reverse("jobs:list")).content.decode()


def test_a_kept_reauth_answer_reads_the_connection_as_it_is_now(cast, django_assert_num_queries):
    cast.connection.status = ConnectionStatus.NEEDS_REAUTH
    cast.connection.status_reason = "Revoked in Lever."
    cast.connection.save()
    connection_alerts(cast.workspace)
    # Changed behind the ORM's back (no signal): the kept id is read again, with its status checked.
    type(cast.connection).objects.filter(pk=cast.connection.pk).update(status_reason="Expired.")
    with django_assert_num_queries(1):
        reauth, syncing = connection_alerts(cast.workspace)
    assert reauth.status_reason == "Expired." and not syncing


def test_a_sync_shows_from_start_to_pause_and_to_finish(cast):
    assert connection_alerts(cast.workspace) == (None, False)
    run = sync_run_claim(connection=cast.connection, kind=SyncKind.DELTA)
    assert connection_alerts(cast.workspace) == (None, True)  # created: a signal forgot the answer
    sync_run_pause(run)  # a QuerySet.update(): no signal, forgotten by hand
    assert connection_alerts(cast.workspace) == (None, False)
    run = sync_run_claim(connection=cast.connection, kind=SyncKind.DELTA)  # the paused run continues (update)
    assert run.status == SyncStatus.RUNNING
    assert connection_alerts(cast.workspace) == (None, True)
    sync_run_finish(run, status=SyncStatus.SUCCEEDED)
    assert connection_alerts(cast.workspace) == (None, False)


def test_a_deleted_run_is_forgotten(cast):
    run = SyncRunFactory(connection=cast.connection, status=SyncStatus.RUNNING, kind=SyncKind.FULL)
    assert connection_alerts(cast.workspace) == (None, True)
    SyncRun.objects.get(pk=run.pk).delete()
    assert connection_alerts(cast.workspace) == (None, False)


def test_each_workspace_keeps_its_own_answer(cast):
    SyncRunFactory(connection=cast.other_connection, status=SyncStatus.RUNNING, kind=SyncKind.FULL)
    assert connection_alerts(cast.other_workspace) == (None, True)
    assert connection_alerts(cast.workspace) == (None, False)
    assert alerts_key(cast.workspace.pk) != alerts_key(cast.other_workspace.pk)
