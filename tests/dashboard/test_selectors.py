from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Field, Func
from django.utils import timezone

from apps.candidates.models import Application
from apps.dashboard.selectors import (
    EpochDays,
    active_in_stages,
    connection_progress,
    dashboard_summary,
    job_cards,
    tier1_waiting_per_job,
)
from apps.integrations.models import SyncKind, SyncRun
from apps.integrations.progress import sync_progress
from apps.jobs.models import JobStatus
from apps.jobs.selectors import stage_counts_for_jobs
from tests.candidates.factories import ApplicationFactory
from tests.integrations.factories import SyncRunFactory
from tests.jobs.factories import JobFactory, JobStageFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db


def job_with_stages(connection, *names, **fields):
    """A job whose pipeline is `names`, in that order (created out of order to prove position wins)."""
    job = JobFactory(connection=connection, **fields)
    stages = {}
    for position, name in reversed(list(enumerate(names))):
        stages[name] = JobStageFactory(job=job, stage__name=name, position=position).stage
    return job, stages


def card_for(summary, job):
    return next(card for card in summary.jobs if card.job.pk == job.pk)


def test_funnel_counts_active_applications_per_stage_in_pipeline_order(cast):
    job, stages = job_with_stages(cast.connection, "New", "Screen", "Onsite")
    for _ in range(3):
        ApplicationFactory(connection=cast.connection, job=job, current_stage=stages["New"])
    ApplicationFactory(connection=cast.connection, job=job, current_stage=stages["Screen"])
    ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stages["Screen"], outcome="rejected"
    )
    ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stages["Onsite"], remote_deleted_at=timezone.now()
    )
    card = card_for(dashboard_summary(workspace=cast.workspace), job)
    assert [(s.name, s.count) for s in card.stages] == [("New", 3), ("Screen", 1), ("Onsite", 0)]
    assert card.active == 4
    assert [bar.label for bar in card.funnel.bars] == ["New", "Screen", "Onsite"]
    assert [bar.count for bar in card.funnel.bars] == [3, 1, 0]


def test_new_this_week_counts_applications_of_the_last_seven_days(cast):
    now = timezone.now()
    job = JobFactory(connection=cast.connection)
    ApplicationFactory(connection=cast.connection, job=job, applied_at=now - timedelta(days=6, hours=23))
    ApplicationFactory(
        connection=cast.connection, job=job, applied_at=now - timedelta(days=7)
    )  # boundary: in
    ApplicationFactory(connection=cast.connection, job=job, applied_at=now - timedelta(days=7, minutes=1))
    # A new application already rejected still arrived this week.
    ApplicationFactory(
        connection=cast.connection, job=job, applied_at=now - timedelta(days=1), outcome="rejected"
    )
    card = card_for(dashboard_summary(workspace=cast.workspace, now=now), job)
    assert card.new_this_week == 3


def test_tier_1_not_moved_forward(cast):
    now = timezone.now()
    job, stages = job_with_stages(cast.connection, "New", "Screen", "Onsite")

    def tier_1(stage, *, entered, tier_changed, tier="tier_1", **fields):
        application = ApplicationFactory(
            connection=cast.connection,
            job=job,
            current_stage=stages[stage],
            stage_entered_at=entered,
            **fields,
        )
        ScoreFactory(application=application, tier=tier, tier_changed_at=tier_changed)
        return application

    day = timedelta(days=1)
    tier_1("New", entered=now - 5 * day, tier_changed=now - 2 * day)  # waiting in the first stage: counts
    tier_1("New", entered=now - day, tier_changed=now - 2 * day)  # first stage, whatever the dates: counts
    tier_1("Screen", entered=now - 5 * day, tier_changed=now - 2 * day)  # not moved since Tier 1: counts
    tier_1("Screen", entered=None, tier_changed=now - 2 * day)  # no stage date at all: counts
    tier_1("Screen", entered=now - day, tier_changed=now - 2 * day)  # moved after Tier 1: not
    tier_1("Onsite", entered=None, tier_changed=now - 2 * day, last_advanced_at=now - day)  # advanced: not
    tier_1("New", entered=now - 5 * day, tier_changed=now - 2 * day, tier="tier_2")  # Tier 2: not
    tier_1("New", entered=now - 5 * day, tier_changed=now - 2 * day, outcome="rejected")  # archived: not
    assert tier1_waiting_per_job(workspace=cast.workspace) == {job.pk: 4}
    summary = dashboard_summary(workspace=cast.workspace, now=now)
    assert summary.tier1_waiting == 4 and card_for(summary, job).tier1_waiting == 4


def test_tier_1_waiting_ignores_closed_jobs_and_other_workspaces(cast):
    closed, stages = job_with_stages(cast.connection, "New", status=JobStatus.CLOSED)
    ScoreFactory(
        application=ApplicationFactory(connection=cast.connection, job=closed, current_stage=stages["New"])
    )
    theirs, their_stages = job_with_stages(cast.other_connection, "New")
    ScoreFactory(
        application=ApplicationFactory(
            connection=cast.other_connection, job=theirs, current_stage=their_stages["New"]
        )
    )
    assert tier1_waiting_per_job(workspace=cast.workspace) == {}


def test_time_in_stage_median_average_and_longest_wait(cast):
    now = timezone.now()
    job, stages = job_with_stages(cast.connection, "New", "Screen", "Onsite")
    for days, stage in ((1, "New"), (3, "New"), (10, "Screen"), (20, "Onsite"), (2, "Onsite")):
        ApplicationFactory(
            connection=cast.connection,
            job=job,
            current_stage=stages[stage],
            stage_entered_at=now - timedelta(days=days),
        )
    # Without a stage date, the last advance stands in; archived applications do not count.
    ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stages["Screen"],
        stage_entered_at=None,
        last_advanced_at=now - timedelta(days=4),
    )
    ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stages["New"],
        stage_entered_at=now - timedelta(days=300),
        outcome="hired",
    )
    card = card_for(dashboard_summary(workspace=cast.workspace, now=now), job)
    assert card.median_days_in_stage == pytest.approx(3.5)  # 1, 2, 3, 4, 10, 20
    assert card.average_days_in_stage == pytest.approx(6.7)
    assert card.longest_wait.name == "Onsite"  # median 11 days, against Screen's 7
    assert card.longest_wait.median_days == pytest.approx(11)
    assert card.longest_wait.applications == 2


def test_jobs_are_the_busiest_open_ones_first_and_limited(cast):
    quiet = JobFactory(connection=cast.connection, name="Quiet")
    busy = JobFactory(connection=cast.connection, name="Busy")
    JobFactory(connection=cast.connection, name="Closed", status=JobStatus.CLOSED)
    JobFactory(connection=cast.connection, name="Gone", remote_deleted_at=timezone.now())
    for _ in range(3):
        ApplicationFactory(connection=cast.connection, job=busy)
    ApplicationFactory(connection=cast.connection, job=quiet)
    summary = dashboard_summary(workspace=cast.workspace)
    assert [card.job.name for card in summary.jobs] == ["Busy", "Quiet"]
    assert summary.open_jobs == 2 and not summary.more_jobs
    for n in range(12):
        JobFactory(connection=cast.connection, name=f"Extra {n:02d}")
    summary = dashboard_summary(workspace=cast.workspace)
    assert len(summary.jobs) == 12 and summary.open_jobs == 14 and summary.more_jobs
    assert [card.job.name for card in summary.jobs[:2]] == ["Busy", "Quiet"]


def test_days_in_stage_are_exact_fractions_of_days_computed_by_the_database(cast):
    """The database turns each moment into days (EpochDays): the same figures as datetimes gave."""
    now = timezone.now()
    job, stages = job_with_stages(cast.connection, "New")
    waits = {"entered": timedelta(days=2, hours=6), "advanced": timedelta(hours=3, seconds=1)}
    ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stages["New"],
        stage_entered_at=now - waits["entered"],
    )
    ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stages["New"],
        stage_entered_at=None,
        last_advanced_at=now - waits["advanced"],
    )
    ApplicationFactory(  # entered "in the future" (clock skew): zero days, not negative
        connection=cast.connection,
        job=job,
        current_stage=stages["New"],
        stage_entered_at=now + timedelta(hours=1),
    )
    found = sorted(active_in_stages([job.pk], now=now)[1][job.pk][stages["New"].pk])
    expected = sorted([0.0, *(wait.total_seconds() / 86_400 for wait in waits.values())])
    assert found == pytest.approx(expected, abs=1e-6)


def test_the_funnel_counts_come_with_the_waits_and_match_the_stage_counts_query(
    cast, django_assert_num_queries
):
    """The dashboard counts per stage from the rows of the waits: the same figures as the counting
    query of `stage_counts_for_jobs`, applications without any date included (they have no wait)."""
    now = timezone.now()
    job, stages = job_with_stages(cast.connection, "New", "Screen")
    other, other_stages = job_with_stages(cast.connection, "Applied")
    for stage, entered in ((stages["New"], now), (stages["New"], None), (stages["Screen"], now)):
        ApplicationFactory(
            connection=cast.connection,
            job=job,
            current_stage=stage,
            stage_entered_at=entered,
            last_advanced_at=None,
            applied_at=None,
        )
    ApplicationFactory(connection=cast.connection, job=job, current_stage=None)  # "Other stages"
    ApplicationFactory(connection=cast.connection, job=job, current_stage=stages["New"], outcome="hired")
    ApplicationFactory(connection=cast.connection, job=other, current_stage=other_stages["Applied"])
    job_ids = [job.pk, other.pk]
    with django_assert_num_queries(1):
        counts, waits = active_in_stages(job_ids, now=now)
    with django_assert_num_queries(1):  # the stages only
        shared = stage_counts_for_jobs(job_ids, counts=counts)
    assert shared == stage_counts_for_jobs(job_ids)
    assert [(s.name, s.count) for s in shared[job.pk]] == [("New", 2), ("Screen", 1), ("Other stages", 1)]
    assert len(waits[job.pk][stages["New"].pk]) == 1  # the one without a date has no wait


def test_job_cards_cost_three_queries_whatever_the_number_of_jobs(cast, django_assert_num_queries):
    """The jobs (with how many are open), their active applications (counts and waits alike), their stages."""
    for n in range(3):
        job, stages = job_with_stages(cast.connection, f"New {n}", f"Screen {n}")
        ApplicationFactory(connection=cast.connection, job=job, current_stage=stages[f"New {n}"])
    with django_assert_num_queries(3):
        cards, open_jobs = job_cards(workspace=cast.workspace, now=timezone.now(), waiting={})
    assert len(cards) == 3 and all(card.funnel.total == 1 for card in cards)
    assert open_jobs == 3


def test_open_jobs_count_every_open_job_beyond_the_cards_limit(cast):
    for n in range(3):
        JobFactory(connection=cast.connection, name=f"Open {n}")
    JobFactory(connection=cast.connection, status="closed")
    JobFactory(connection=cast.connection, remote_deleted_at=timezone.now())
    JobFactory(connection=cast.other_connection)  # another workspace's
    cards, open_jobs = job_cards(workspace=cast.workspace, now=timezone.now(), waiting={}, limit=2)
    assert len(cards) == 2 and open_jobs == 3
    assert job_cards(workspace=cast.workspace, now=timezone.now(), waiting={}, limit=0) == ([], 0)


def test_days_cast_to_floats_in_postgresql_are_the_floats_its_decimals_gave(cast):
    """PostgreSQL's EXTRACT gives a numeric, which `EpochDays` casts to float8 there: the same float
    Python made of the numeric before, to the last bit (the medians cannot move)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite computes the days as floats")
    now = timezone.now()
    for days in (0, 1, 17, 400):
        ApplicationFactory(
            connection=cast.connection, stage_entered_at=now - timedelta(days=days, microseconds=days * 7919)
        )
    numeric = Func(
        F("stage_entered_at"),
        template="(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)",
        output_field=Field(),
    )
    rows = Application.objects.annotate(entered=EpochDays(F("stage_entered_at")), numeric=numeric)
    pairs = list(rows.values_list("entered", "numeric"))
    assert len(pairs) == 4 and all(isinstance(numeric, Decimal) for _, numeric in pairs)
    assert [entered for entered, _ in pairs] == [float(numeric) for _, numeric in pairs]


def latest_run(workspace):
    return SyncRun.objects.for_workspace(workspace).order_by("-created_at").first()


def test_sync_progress_without_any_run_costs_no_query(cast, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert connection_progress(cast.connection, None) is None
    assert sync_progress(cast.connection) is None


def test_sync_progress_reuses_the_last_run_when_it_is_the_connections_full_or_delta_run(
    cast, django_assert_num_queries
):
    SyncRunFactory(connection=cast.connection, kind=SyncKind.FULL, status="succeeded")
    SyncRunFactory(connection=cast.connection, kind=SyncKind.DELTA, status="running")
    last = latest_run(cast.workspace)
    with django_assert_num_queries(0):
        progress = connection_progress(cast.connection, last)
    assert progress == sync_progress(cast.connection) and progress.status == "running"


def test_sync_progress_asks_when_the_last_run_is_another_kind(cast, django_assert_num_queries):
    SyncRunFactory(connection=cast.connection, kind=SyncKind.FULL, status="succeeded")
    SyncRunFactory(connection=cast.connection, kind=SyncKind.WEBHOOK, status="running")
    last = latest_run(cast.workspace)
    with django_assert_num_queries(1):
        progress = connection_progress(cast.connection, last)
    assert progress == sync_progress(cast.connection) and progress.status == "succeeded"
