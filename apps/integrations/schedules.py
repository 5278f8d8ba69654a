"""Every periodic job, declared once. `manage.py ensure_schedules` makes django-q2's table match.

Per live connection: write-back retries (and the take-over of a dead worker's write-backs) every
minute, a delta sync every 10 minutes, a sweep of active applications' notes, interviews and files
every 30 minutes (they do not change Lever's updatedAt), and a full sync every night at a minute
derived from the connection id so many connections do not all start at once. OAuth
connections also get a daily check that refreshes a grant left idle for a month, so Lever's 90-day
inactivity expiry never ends it. Once, for all connections: every minute, resume the sync runs whose
worker died (see `tasks.resume_stale_syncs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_q.models import Schedule

from apps.integrations.models import AuthType, Connection, SyncKind, SyncTrigger
from apps.integrations.models.connection import LIVE_STATUSES

PREFIX = "recruitdesk:"
SYNC_TASK = "apps.integrations.tasks.sync_connection"
WRITEBACK_TASK = "apps.integrations.tasks.process_writebacks"
TOKEN_REFRESH_TASK = "apps.integrations.tasks.refresh_idle_token"
RESUME_TASK = "apps.integrations.tasks.resume_stale_syncs"
RESUME_SCHEDULE = f"{PREFIX}resume-stale-syncs"
AUTOMATION_EVENTS_TASK = "apps.automation.tasks.evaluate_events"
AUTOMATION_IDLE_TASK = "apps.automation.tasks.scan_idle"
DIGEST_TASK = "apps.automation.tasks.send_digests"


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    args: str  # django-q2 stores positional args as the repr of a tuple
    schedule_type: str
    minutes: int | None = None
    cron: str | None = None


def _sync_args(connection: Connection, kind: str) -> str:
    # Plain values only: django-q2 reads the stored args back with ast.literal_eval.
    return repr((connection.pk, str(kind), str(SyncTrigger.SCHEDULE)))


def connection_schedules(connection: Connection) -> list[ScheduleSpec]:
    base = f"{PREFIX}connection:{connection.pk}:"
    specs = [
        # https://crontab.guru/#*/10_*_*_*_*
        ScheduleSpec(
            base + "delta", SYNC_TASK, _sync_args(connection, SyncKind.DELTA), Schedule.MINUTES, minutes=10
        ),
        ScheduleSpec(
            base + "sweep", SYNC_TASK, _sync_args(connection, SyncKind.SWEEP), Schedule.MINUTES, minutes=30
        ),
        # Write-backs go out when made; this picks up retries whose backoff has run out.
        ScheduleSpec(base + "writeback", WRITEBACK_TASK, repr((connection.pk,)), Schedule.MINUTES, minutes=1),
        # https://crontab.guru/#M_2_*_*_* with M = id mod 60: nightly, spread over an hour
        ScheduleSpec(
            base + "full",
            SYNC_TASK,
            _sync_args(connection, SyncKind.FULL),
            Schedule.CRON,
            cron=f"{connection.pk % 60} 2 * * *",
        ),
    ]
    if connection.auth_type == AuthType.OAUTH:
        # https://crontab.guru/#M_4_*_*_* : daily; it only calls Lever when the grant idled for a month
        specs.append(
            ScheduleSpec(
                base + "token-refresh",
                TOKEN_REFRESH_TASK,
                repr((connection.pk,)),
                Schedule.CRON,
                cron=f"{connection.pk % 60} 4 * * *",
            )
        )
    return specs


def automation_schedules() -> list[ScheduleSpec]:
    """Automation runs for every workspace, connected or not (sourcing rules, notifications)."""
    return [
        # Events are evaluated as they are recorded; this catches any whose wake-up task was lost.
        ScheduleSpec(f"{PREFIX}automation-events", AUTOMATION_EVENTS_TASK, "()", Schedule.MINUTES, minutes=1),
        # https://crontab.guru/#*/15_*_*_*_* : "idle in a stage for N days", and dry runs that ended
        ScheduleSpec(f"{PREFIX}automation-idle", AUTOMATION_IDLE_TASK, "()", Schedule.MINUTES, minutes=15),
        # https://crontab.guru/#0_7_*_*_* : the daily digest of unread notifications
        ScheduleSpec(f"{PREFIX}notification-digest", DIGEST_TASK, "()", Schedule.CRON, cron="0 7 * * *"),
    ]


def desired_schedules() -> list[ScheduleSpec]:
    connections = list(Connection.objects.filter(status__in=LIVE_STATUSES).order_by("pk"))
    specs = [spec for connection in connections for spec in connection_schedules(connection)]
    specs += automation_schedules()
    if connections:
        # A sync whose worker died (kill -9, a lost host) resumes from its checkpoint within a minute
        # of its heartbeat going stale (SYNC_STALE_AFTER); write-backs recover through "writeback".
        specs.append(ScheduleSpec(RESUME_SCHEDULE, RESUME_TASK, "()", Schedule.MINUTES, minutes=1))
    return specs


@transaction.atomic
def ensure_schedules() -> dict[str, int]:
    """Create, update and delete our django-q2 schedules to match `desired_schedules()`; idempotent."""
    wanted = {spec.name: spec for spec in desired_schedules()}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    existing = {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX)}
    for name, spec in wanted.items():
        values = {
            "func": spec.func,
            "args": spec.args,
            "schedule_type": spec.schedule_type,
            "minutes": spec.minutes,
            "cron": spec.cron,
            "repeats": -1,
        }
        current = existing.get(name)
        if current is None:
            Schedule.objects.create(name=name, **values)
            counts["created"] += 1
        elif any(getattr(current, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    stale = [s.pk for name, s in existing.items() if name not in wanted]
    counts["deleted"] = Schedule.objects.filter(pk__in=stale).delete()[0]
    return counts
