from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from apps.accounts.models import Workspace
from apps.candidates.models import Application
from apps.integrations.progress import TerminalProgress
from apps.jobs.models import Job
from apps.scoring.services import ScoringSummary, score_applications


class ScoringProgress(TerminalProgress):
    """The sync progress bar without request counts (scoring makes none), with an ETA from elapsed time."""

    def line(self) -> str:
        parts = [self.name]
        if self.total:
            done = min(self.records, self.total)
            filled = int(self.width * done / self.total)
            parts.append(f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{self.total} applications")
            if done:
                left = (time.monotonic() - self.started) * (self.total - done) / done
                parts.append(f"ETA {int(left)}s")
        return " · ".join(parts)

    def _finish_line(self) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(
            ("\r\033[K" if self.tty else "") + f"{self.name}: {self.records} applications, {elapsed:.1f}s\n"
        )
        self.stream.flush()


class Command(BaseCommand):
    help = "Score applications whose inputs changed (a job, a workspace or everything); --force rescores all."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--job", type=int, help="Score this job's pipeline (job id).")
        which.add_argument(
            "--all", action="store_true", help="Every workspace (or every job of --workspace)."
        )
        parser.add_argument("--workspace", help="Only this workspace (slug).")
        parser.add_argument(
            "--force", action="store_true", help="Rescore even where the inputs did not change."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        applications = self._applications(options)
        progress = ScoringProgress(self.stderr._out)
        started = time.monotonic()
        summary: ScoringSummary = score_applications(applications, force=options["force"], progress=progress)
        progress.close()
        self.stdout.write(
            f"Scored {summary.scored}, unchanged {summary.unchanged}, failed {summary.failed} "
            f"({summary.tier_changes} tier change{'s' if summary.tier_changes != 1 else ''}, "
            f"{summary.written_back} sent to Lever) in {time.monotonic() - started:.1f}s."
        )
        if summary.failed:
            raise CommandError(f"{summary.failed} application(s) could not be scored; see the log for why.")

    def _applications(self, options: dict[str, Any]) -> QuerySet[Application]:
        workspace = None
        if options["workspace"]:
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"No workspace with the slug {options['workspace']!r}.")
        if options["job"]:
            jobs = Job.objects.filter(pk=options["job"])
            if workspace is not None:
                jobs = jobs.for_workspace(workspace)
            job = jobs.first()
            if job is None:
                raise CommandError(
                    f"No job {options['job']}" + (f" in {workspace.slug}." if workspace else ".")
                )
            return Application.objects.filter(job=job)
        if workspace is not None:
            return Application.objects.for_workspace(workspace)
        if options["all"]:
            return Application.objects.all()
        raise CommandError("Say what to score: --job ID, --all, or --workspace SLUG.")
