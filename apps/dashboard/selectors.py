"""The dashboard's read model: what a recruiter needs to see first.

Every number comes from a fixed set of aggregate queries, whatever the number of jobs and
applications: one for the jobs (and how many are open), one for their active applications (the stage
counts and the time people have spent in their stage alike), one for their stages, one for Tier 1
candidates waiting, one for the workspace's totals. The last two depend on the workspace alone and are
compiled once per process (apps/core/precompiled.py): compiling them cost more than running them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, FloatField, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Candidate, Outcome
from apps.core.precompiled import PrecompiledQuery
from apps.dashboard.funnel import Funnel, funnel_geometry
from apps.integrations.models import Connection, ConnectionStatus, SyncKind, SyncRun
from apps.integrations.progress import RunProgress, keeps_polling, run_progress, sync_progress
from apps.jobs.models import OPEN_JOB_STATUSES, Job, JobStage
from apps.jobs.selectors import StageCount, stage_counts_for_jobs
from apps.scoring.models import Score, Tier

JOB_LIMIT = 12
SYNC_KINDS = (SyncKind.FULL, SyncKind.DELTA)  # the runs whose progress the dashboard shows (`sync_progress`)
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
    progress = connection_progress(connection, last_sync) if connection is not None else None
    waiting = tier1_waiting_per_job(workspace=workspace)
    cards, open_count = job_cards(workspace=workspace, now=now, waiting=waiting)
    active_applications, candidates = workspace_totals(workspace=workspace)
    return DashboardSummary(
        connection=connection,
        last_sync=last_sync,
        open_jobs=open_count,
        active_applications=active_applications,
        candidates=candidates,
        tier1_waiting=sum(waiting.values()),
        jobs=cards,
        any_jobs=bool(open_count) or Job.objects.for_workspace(workspace).alive().exists(),
        progress=progress,
        polling=keeps_polling(connection, progress) if connection is not None else False,
    )


def connection_progress(connection: Connection, last_sync: SyncRun | None) -> RunProgress | None:
    """Return `sync_progress(connection)` without its query when the workspace's last run tells: with no
    run at all there is no progress; when the last is the connection's full or delta run, it is the one."""
    if last_sync is None:
        return None
    if last_sync.connection_id != connection.pk or last_sync.kind not in SYNC_KINDS:
        return sync_progress(connection)
    last_sync.connection = connection  # as `sync_progress` joins it
    return run_progress(last_sync)


def job_cards(
    *, workspace: Workspace, now: datetime, waiting: dict[int, int], limit: int = JOB_LIMIT
) -> tuple[list[JobCard], int]:
    """Return the busiest open jobs (most active applications first) with their funnel and waits, and
    how many open jobs there are in all."""
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
        # Counted over every open job, before the limit: no query of its own.
        .annotate(open_jobs=Window(Count("pk")))
        .order_by("-active", "-new_this_week", "name", "pk")[:limit]
    )
    if not jobs:
        return [], 0
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
    return cards, jobs[0].open_jobs  # type: ignore[attr-defined]


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
    # Grouped first, counted and turned into days per group: half the Python work per row.
    grouped: dict[tuple[int, int | None], list[float | None]] = defaultdict(list)
    for job_id, stage_id, entered_days in rows:
        grouped[job_id, stage_id].append(entered_days)
    today = now.timestamp() / 86_400
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    found: dict[int, dict[int | None, list[float]]] = defaultdict(dict)
    for (job_id, stage_id), entered in grouped.items():
        counts[job_id][stage_id] = len(entered)
        # As max(today - days, 0): what has no date counts, but has no wait.
        days = [waited if (waited := today - e) >= 0 else 0 for e in entered if e is not None]
        if days:
            found[job_id][stage_id] = days
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
    return dict(TIER_1_WAITING.rows(workspace.pk))


def _tier1_waiting(workspace_id: int) -> QuerySet:
    first_stage = (
        JobStage.objects.alive()
        .filter(job_id=OuterRef("job_id"))
        .order_by("position", "pk")
        .values("stage_id")[:1]
    )
    moved_at = Coalesce("application__stage_entered_at", "application__last_advanced_at")
    return (
        Score.objects.for_workspace(workspace_id)
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
        .values_list("job_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _count(queryset: QuerySet) -> Subquery:
    """`queryset.count()` as a subquery (a plain COUNT, no GROUP BY: one row, one value)."""
    counted = queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def _workspace_totals(workspace_id: int) -> QuerySet:
    return Workspace.objects.filter(pk=workspace_id).values_list(
        _count(Application.objects.for_workspace(workspace_id).alive().active()),
        _count(Candidate.objects.for_workspace(workspace_id).alive()),
    )


def workspace_totals(*, workspace: Workspace) -> tuple[int, int]:
    """Return the workspace's active applications and its candidates (one query)."""
    [(applications, candidates)] = WORKSPACE_TOTALS.rows(workspace.pk)
    return applications, candidates


# Their only per-request value is the workspace: built and compiled once (see apps/core/precompiled.py).
TIER_1_WAITING = PrecompiledQuery(_tier1_waiting)
WORKSPACE_TOTALS = PrecompiledQuery(_workspace_totals)
