from __future__ import annotations

import pytest
from django.urls import reverse

from apps.integrations.models import ConnectionStatus
from tests.accounts.factories import MembershipFactory
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_a_new_workspace_is_told_to_connect_lever(db):
    membership = MembershipFactory()
    page = client_for(membership.user).get(reverse("dashboard:index")).content.decode()
    assert "Connect Lever to see your pipelines" in page
    assert reverse("integrations:index") in page


def test_counts_come_from_the_current_workspace_only(cast):
    job = JobFactory(connection=cast.connection)
    ApplicationFactory(connection=cast.connection, job=job)
    ApplicationFactory(connection=cast.connection, job=job, outcome="rejected")
    ApplicationFactory(connection=cast.other_connection)  # Globex's
    SyncRunFactory(connection=cast.connection, status="succeeded")
    response = client_for(cast.recruiter).get(reverse("dashboard:index"))
    summary = response.context["summary"]
    assert (summary.open_jobs, summary.active_applications, summary.candidates) == (1, 1, 2)
    assert "Last sync succeeded" in response.content.decode()


def test_a_connection_needing_reauthorisation_is_shown(cast):
    cast.connection.status = ConnectionStatus.NEEDS_REAUTH
    cast.connection.status_reason = "The refresh token was revoked in Lever."
    cast.connection.save()
    page = client_for(cast.admin).get(reverse("dashboard:index")).content.decode()
    assert "Lever needs to be re-authorised" in page
    assert "The refresh token was revoked in Lever." in page
    assert reverse("integrations:connection-detail", args=[cast.connection.pk]) in page
    # Recruiters see the problem but are not sent to a page they cannot open.
    recruiter_page = client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    assert "Lever needs to be re-authorised" in recruiter_page
    assert reverse("integrations:connection-detail", args=[cast.connection.pk]) not in recruiter_page


def test_history_still_syncing_is_shown_until_the_first_full_sync_ends(cast):
    page = client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    assert "History still syncing" in page
    cast.connection.history_synced_at = cast.connection.created_at
    cast.connection.save()
    assert (
        "History still syncing"
        not in client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    )
