"""The dashboard's read model: what a recruiter needs to see first.

Every number comes from a fixed set of aggregate queries, whatever the number of jobs and
applications: one for the jobs, one for their stage counts, one for their stages, one for the time
people have spent in their stage, one for Tier 1 candidates waiting.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, FloatField, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Candidate, Outcome
from apps.dashboard.funnel import Funnel, funnel_geometry
from apps.integrations.models import Connection, ConnectionStatus, SyncRun
from apps.integrations.progress import RunProgress, keeps_polling, sync_progress
from apps.jobs.models import OPEN_JOB_STATUSES, Job, JobStage
from apps.jobs.selectors import StageCount, stage_counts_for_jobs
from apps.scoring.models import Score, Tier

JOB_LIMIT = 12
NEW_WINDOW = timedelta(days=7)
TIER_1_WAITING_HELP = (
    "Active Tier 1 applications that are still in the job's first stage, or that have not changed "
    "stage since their score became Tier 1."
)


@dataclass(frozen=True)
class StageWait:
    name: str
    median_days: float
    applications: int


@dataclass
class JobCard:
    job: Job
    active: int
    new_this_week: int
    tier1_waiting: int = 0
    stages: list[StageCount] = field(default_factory=list)
    funnel: Funnel | None = None
    median_days_in_stage: float | None = None
    average_days_in_stage: float | None = None
    longest_wait: StageWait | None = None


@dataclass(frozen=True)
class DashboardSummary:
    connection: Connection | None
    last_sync: SyncRun | None
    open_jobs: int
    active_applications: int
    candidates: int
    tier1_waiting: int = 0
    jobs: list[JobCard] = field(default_factory=list)
    any_jobs: bool = False
    progress: RunProgress | None = None
    polling: bool = False

    @property
    def needs_attention(self) -> bool:
        return self.connection is not None and self.connection.status == ConnectionStatus.NEEDS_REAUTH

    @property
    def more_jobs(self) -> bool:
        return self.open_jobs > len(self.jobs)


def dashboard_summary(*, workspace: Workspace, now: datetime | None = None) -> DashboardSummary:
    now = now or timezone.now()
    connection = (
        Connection.objects.for_workspace(workspace)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("-created_at")
        .first()
    )
    last_sync = SyncRun.objects.for_workspace(workspace).order_by("-created_at").first()
    progress = sync_progress(connection) if connection is not None else None
    waiting = tier1_waiting_per_job(workspace=workspace)
    cards = job_cards(workspace=workspace, now=now, waiting=waiting)
    open_count = Job.objects.for_workspace(workspace).alive().open().count()
    return DashboardSummary(
        connection=connection,
        last_sync=last_sync,
        open_jobs=open_count,
        active_applications=Application.objects.for_workspace(workspace).alive().active().count(),
        candidates=Candidate.objects.for_workspace(workspace).alive().count(),
        tier1_waiting=sum(waiting.values()),
        jobs=cards,
        any_jobs=bool(open_count) or Job.objects.for_workspace(workspace).alive().exists(),
        progress=progress,
        polling=keeps_polling(connection, progress) if connection is not None else False,
    )


def job_cards(
    *, workspace: Workspace, now: datetime, waiting: dict[int, int], limit: int = JOB_LIMIT
) -> list[JobCard]:
    """Return the busiest open jobs (most active applications first) with their funnel and waits."""
    alive = Q(applications__remote_deleted_at__isnull=True)
    jobs = list(
        Job.objects.for_workspace(workspace)
        .alive()
        .open()
        # What the cards show: whole rows carry the posting's HTML and Lever's JSON.
        .only("id", "name", "department", "location")
        .annotate(
            active=Count("applications", filter=alive & Q(applications__outcome=Outcome.ACTIVE)),
            new_this_week=Count(
                "applications", filter=alive & Q(applications__applied_at__gte=now - NEW_WINDOW)
            ),
        )
        .order_by("-active", "-new_this_week", "name", "pk")[:limit]
    )
    if not jobs:
        return []
    job_ids = [job.pk for job in jobs]
    counts, waits = active_in_stages(job_ids, now=now)
    stages = stage_counts_for_jobs(job_ids, counts=counts)
    cards = []
    for job in jobs:
        card = JobCard(
            job=job,
            active=job.active,  # type: ignore[attr-defined]
            new_this_week=job.new_this_week,  # type: ignore[attr-defined]
            tier1_waiting=waiting.get(job.pk, 0),
            stages=stages.get(job.pk, []),
        )
        card.funnel = funnel_geometry([(s.stage_id, s.name, s.count) for s in card.stages])
        _add_waits(card, waits.get(job.pk, {}))
        cards.append(card)
    return cards


class EpochDays(Func):
    """A moment as days since 1970-01-01 UTC (a float), computed by the database.

    The dashboard needs, for every active application, how long it has been in its stage: reading
    a plain number costs far less than turning each row's timestamp into a Python datetime.
    """

    output_field = FloatField()
    # PostgreSQL. Its EXTRACT gives a numeric: cast here, the driver need not build a Decimal per row
    # (both roundings to the nearest float give the same number).
    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)::float8"

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)")

    @property
    def convert_value(self):  # type: ignore[no-untyped-def]
        # Both databases give floats already: no float() per row.
        return self._convert_value_noop


def active_in_stages(
    job_ids: list[int], *, now: datetime
) -> tuple[dict[int, dict[int | None, int]], dict[int, dict[int | None, list[float]]]]:
    """Return, per job and stage, how many active applications there are, and how many days each
    has been in its stage: one query for the funnel's counts and the waits.

    The stage was entered at `stage_entered_at`; without it, at the last advance, else at the
    application. Applications with none of these count, but have no days.
    """
    entered = EpochDays(Coalesce("stage_entered_at", "last_advanced_at", "applied_at"))
    rows = (
        Application.objects.alive()
        .active()
        .filter(job_id__in=job_ids)
        .annotate(entered=entered)
        .values_list("job_id", "current_stage_id", "entered")
        .order_by()
    )
    today = now.timestamp() / 86_400
    counts: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    found: dict[int, dict[int | None, list[float]]] = defaultdict(lambda: defaultdict(list))
    for job_id, stage_id, entered_days in rows:
        counts[job_id][stage_id] += 1
        if entered_days is not None:
            found[job_id][stage_id].append(max(today - entered_days, 0))
    return counts, found


def _add_waits(card: JobCard, per_stage: dict[int | None, list[float]]) -> None:
    every = [days for values in per_stage.values() for days in values]
    if not every:
        return
    # Days to one decimal: enough to compare stages, calm to read.
    card.median_days_in_stage = round(statistics.median(every), 1)
    card.average_days_in_stage = round(statistics.fmean(every), 1)
    names = {stage.stage_id: stage.name for stage in card.stages}
    longest = max(
        (
            StageWait(names.get(stage_id, "Other stages"), round(statistics.median(values), 1), len(values))
            for stage_id, values in per_stage.items()
        ),
        key=lambda wait: wait.median_days,
    )
    card.longest_wait = longest


def tier1_waiting_per_job(*, workspace: Workspace) -> dict[int, int]:
    """Count, per open job, the Tier 1 candidates not moved forward (one query for every job).

    An application counts when it is active, its score is Tier 1, and it is still in the job's
    first stage or has not changed stage since the score became Tier 1 (it entered its current
    stage, or was last advanced, before `tier_changed_at`; with no stage date at all it counts).
    """
    first_stage = (
        JobStage.objects.alive()
        .filter(job_id=OuterRef("job_id"))
        .order_by("position", "pk")
        .values("stage_id")[:1]
    )
    moved_at = Coalesce("application__stage_entered_at", "application__last_advanced_at")
    rows = (
        Score.objects.for_workspace(workspace)
        .filter(
            tier=Tier.TIER_1,
            application__outcome=Outcome.ACTIVE,
            application__remote_deleted_at__isnull=True,
            job__remote_deleted_at__isnull=True,
            job__status__in=OPEN_JOB_STATUSES,
        )
        .alias(first_stage=Subquery(first_stage), moved_at=moved_at)
        # The cheap comparisons first: the database stops at the first true one, and the first-stage
        # subquery, run per row, was most of the dashboard's database time when asked first.
        .filter(
            Q(moved_at__isnull=True)
            | Q(moved_at__lt=F("tier_changed_at"))
            | Q(application__current_stage_id=F("first_stage"))
        )
        .values("job_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["job_id"]: row["n"] for row in rows}
