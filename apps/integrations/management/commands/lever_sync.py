from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.integrations.lever.sync.runner import DELTA_PHASES, FULL_PHASES, run_sync
from apps.integrations.models import Connection, SyncKind, SyncRun, SyncTrigger
from apps.integrations.models.connection import LIVE_STATUSES
from apps.integrations.progress import TerminalProgress
from apps.integrations.services import connection_sync_enqueue
from apps.integrations.sync_runs import SyncUnavailable


class Command(BaseCommand):
    help = "Sync Lever connections now (delta by default) with progress, or queue them with --async."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--connection", type=int, help="Connection id.")
        which.add_argument("--all", action="store_true", help="Every live connection.")
        parser.add_argument("--full", action="store_true", help="Full sync instead of delta.")
        parser.add_argument("--since", help="Delta from this ISO date-time instead of the last sync.")
        parser.add_argument(
            "--resource",
            action="append",
            choices=sorted(set(FULL_PHASES) | set(DELTA_PHASES)),
            help="Only this phase (repeatable).",
        )
        parser.add_argument("--async", dest="enqueue", action="store_true", help="Queue for the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _parse_since(options["since"]) if options["since"] else None
        kind = SyncKind.FULL if options["full"] else SyncKind.DELTA
        connections = Connection.objects.filter(status__in=LIVE_STATUSES).order_by("pk")
        if options["connection"]:
            connections = Connection.objects.filter(pk=options["connection"])
            if not connections:
                raise CommandError(f"No connection {options['connection']}.")
        failed = False
        for connection in connections:
            if options["enqueue"]:
                connection_sync_enqueue(connection=connection, kind=kind, trigger=SyncTrigger.COMMAND)
                self.stdout.write(f"Queued a {kind} sync of connection {connection.pk}.")
                continue
            progress = TerminalProgress(self.stderr._out)
            try:
                run = run_sync(
                    connection,
                    kind=kind,
                    trigger=SyncTrigger.COMMAND,
                    since=since,
                    only=options["resource"],
                    progress=progress,
                )
            except SyncUnavailable as exc:
                progress.close()
                self.stderr.write(f"Connection {connection.pk}: {exc}")
                failed = True
                continue
            progress.close()
            self._summary(connection, run)
            failed = failed or run.status != "succeeded"
        if failed:
            raise CommandError("At least one sync did not succeed (see above).")

    def _summary(self, connection: Connection, run: SyncRun) -> None:
        run.refresh_from_db()
        rows = [
            (label, c.get("created", 0), c.get("updated", 0), c.get("unchanged", 0), c.get("deleted", 0))
            for label, c in sorted(run.stats.items())
            if label != "requests"
        ]
        self.stdout.write(
            f"\nConnection {connection.pk} · {run.get_kind_display()} sync #{run.pk}: {run.status}"
            + (f" — {run.error}" if run.error else "")
        )
        self.stdout.write(f"{'model':<32}{'created':>9}{'updated':>9}{'unchanged':>11}{'deleted':>9}")
        for label, *counts in rows:
            self.stdout.write(
                f"{label:<32}" + "".join(f"{n:>{w}}" for n, w in zip(counts, (9, 9, 11, 9), strict=True))
            )
        duration = (run.finished_at or timezone.now()) - (run.started_at or timezone.now())
        self.stdout.write(
            f"{run.requests_made} requests, {run.rate_limit_waits} rate-limit waits, "
            f"{duration.total_seconds():.1f}s"
        )
        for error in run.errors:
            self.stdout.write(f"  note: {error.get('phase')}: {error.get('message')}")


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since {value!r} is not an ISO date-time (e.g. 2026-11-01T00:00:00Z).") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
