from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.integrations.models import ConnectionStatus
from tests.accounts.factories import MembershipFactory
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory
from tests.jobs.factories import JobFactory, JobStageFactory
from tests.scoring.factories import ScoreFactory

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


# -- empty states -----------------------------------------------------------------------------------------


def test_without_a_connection_owners_get_the_connect_button_and_others_whom_to_ask(cast):
    cast.connection.delete()
    owner_page = client_for(cast.owner).get(reverse("dashboard:index")).content.decode()
    assert ">Connect Lever</a>" in owner_page
    viewer_page = client_for(cast.viewer).get(reverse("dashboard:index")).content.decode()
    assert ">Connect Lever</a>" not in viewer_page
    assert "Only an owner or admin can connect it" in viewer_page
    assert "mailto:owner@acme.example" in viewer_page and "mailto:admin@acme.example" in viewer_page


def test_connected_without_jobs_says_the_first_sync_fills_the_page(cast):
    SyncRunFactory(connection=cast.connection, status="running")
    page = client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    assert "Nothing mirrored yet" in page and "it is running now" in page
    # The running sync's progress comes from the integrations' polled partial.
    assert reverse("integrations:connection-progress", args=[cast.connection.pk]) in page


def test_only_closed_jobs_get_their_own_empty_state(cast):
    JobFactory(connection=cast.connection, status="closed")
    page = client_for(cast.recruiter).get(reverse("dashboard:index")).content.decode()
    assert "No open jobs" in page and "Nothing mirrored yet" not in page


# -- the job cards ------------------------------------------------------------------------------------------


def funnel_svg(page: str, job) -> str:
    start = page.index(f'aria-labelledby="funnel-{job.pk}-title')
    return page[page.rindex("<svg", 0, start) : page.index("</svg>", start)]


def test_the_funnel_is_an_accessible_svg_with_stages_in_order_and_links_to_the_pipeline(cast):
    job = JobFactory(connection=cast.connection, name="Data Engineer")
    screen = JobStageFactory(job=job, stage__name="Screen", position=1).stage
    new = JobStageFactory(job=job, stage__name="New", position=0).stage
    JobStageFactory(job=job, stage__name="Offer", position=2)
    for stage in (new, new, screen):
        ApplicationFactory(connection=cast.connection, job=job, current_stage=stage)
    page = client_for(cast.viewer).get(reverse("dashboard:index")).content.decode()
    svg = funnel_svg(page, job)
    assert 'role="img"' in svg
    assert "<title" in svg and "Data Engineer: 3 active applications by stage</title>" in svg
    assert "New 2, Screen 1, Offer 0.</desc>" in svg
    labels = re.findall(r'class="funnel-label"[^>]*>([^<]+)</text>', svg)
    counts = re.findall(r'class="funnel-count[^"]*"[^>]*>(\d+)</text>', svg)
    assert labels == ["New", "Screen", "Offer"] and counts == ["2", "1", "0"]
    widths = [float(w) for w in re.findall(r'class="funnel-bar"[^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]  # Offer has nobody: no bar
    pipeline_list = reverse("jobs:pipeline-list", args=[job.pk])
    assert f'href="{pipeline_list}?stage={new.pk}"' in svg
    assert reverse("jobs:pipeline", args=[job.pk]) in page


def test_job_card_shows_new_this_week_tier_1_waiting_and_time_in_stage(cast):
    job = JobFactory(connection=cast.connection)
    new = JobStageFactory(job=job, stage__name="New", position=0).stage
    application = ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=new,
        stage_entered_at=timezone.now() - timedelta(days=4),
    )
    ScoreFactory(application=application, tier="tier_1")
    response = client_for(cast.viewer).get(reverse("dashboard:index"))
    page = response.content.decode()
    assert "<strong>1</strong> new this week" in page
    assert '<strong>1</strong> <span class="badge tier_1">Tier 1</span> not moved forward' in page
    assert "median <strong>4 d</strong>" in page and "Longest wait: <strong>New</strong>" in page
    assert "still in the job&#x27;s first stage" in page  # the definition is on the page, not only a tooltip
    assert response.context["summary"].tier1_waiting == 1


def test_more_than_twelve_open_jobs_link_to_all_jobs(cast):
    for n in range(13):
        JobFactory(connection=cast.connection, name=f"Job {n:02d}")
    page = client_for(cast.viewer).get(reverse("dashboard:index")).content.decode()
    assert page.count('class="card dash-job"') == 12
    assert "All jobs →" in page and f"{reverse('jobs:list')}?status=open" in page


def test_output_is_escaped(cast):
    job = JobFactory(connection=cast.connection, name="<script>alert(1)</script>")
    JobStageFactory(job=job, stage__name="<b>New</b>", position=0)
    page = client_for(cast.viewer).get(reverse("dashboard:index")).content.decode()
    assert "<script>alert(1)</script>" not in page and "<b>New</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def make_jobs(cast, n):
    for i in range(n):
        job = JobFactory(connection=cast.connection, name=f"Job {i}")
        stages = [JobStageFactory(job=job, stage__name=f"Stage {i}.{p}", position=p).stage for p in range(3)]
        for stage in stages:
            application = ApplicationFactory(
                connection=cast.connection, job=job, current_stage=stage, stage_entered_at=timezone.now()
            )
            ScoreFactory(application=application)


def count_queries(client):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard:index")).status_code == 200
    return len(captured)


def test_the_dashboard_costs_the_same_queries_for_3_or_15_jobs(cast, django_assert_max_num_queries):
    client = client_for(cast.recruiter)
    client.get(reverse("dashboard:index"))  # the first request also saves the session
    make_jobs(cast, 3)
    with_three = count_queries(client)
    make_jobs(cast, 12)
    with_fifteen = count_queries(client)
    assert with_three == with_fifteen
    # Session, user, membership and the layout's banners included.
    with django_assert_max_num_queries(10):
        client.get(reverse("dashboard:index"))
