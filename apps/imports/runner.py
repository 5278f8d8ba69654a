"""Import the valid rows of a CandidateImport, chunk by chunk, with a result for every row.

Nothing is half-imported: each chunk of rows (IMPORT_CHUNK_SIZE, 500 by default) is one transaction
that writes its people, its ImportRow results and the import's counters together. A crash loses at
most the chunk in flight; the next run (the redelivered task, or "Resume") reads which rows already
have a result and carries on after them. ImportRow is unique on (import, row number), so even two
workers on one import cannot create a row's person twice: the second one's chunk fails as a whole.

Rows go in by one of two paths that store the same thing (see csv_import/bulk.py): bulk_create, or
`sourcing.candidate_add` one by one for people whose job's export trigger fires on adding them.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.candidates.csv_import.bulk import people_create
from apps.candidates.csv_import.index import workspace_lookups
from apps.candidates.csv_import.validation import RowChecker, RowResult
from apps.imports import conf
from apps.imports.models import CandidateImport, ExportChoice, ImportRow, ImportStatus, RowStatus
from apps.imports.selectors import FIRES_ON_ADD
from apps.imports.services import IMPORT_TASK, load_csv, mapping_of
from apps.jobs.models import Job, JobExportSettings, Stage


class LeaseLost(Exception):
    """Another worker is importing these rows (or the import was stopped): leave them to it."""


def import_claim(import_id: int) -> bool:
    """Take a queued import, or a running one whose worker went silent; True if this caller has it."""
    now = timezone.now()
    stale = now - timedelta(seconds=conf.STALE_AFTER_SECONDS)
    return (
        CandidateImport.objects.filter(pk=import_id)
        .filter(Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, progress_at__lt=stale))
        .update(status=ImportStatus.RUNNING, started_at=Coalesce("started_at", now), progress_at=now)
        == 1
    )


def import_run(import_id: int, *, time_budget: float | None = None) -> str:
    """Import what is left of an import; with a time budget, stop after it and queue the rest."""
    if not import_claim(import_id):
        return "skipped: not queued, or another worker has it"
    candidate_import = CandidateImport.objects.select_related("workspace", "created_by").get(pk=import_id)
    try:
        finished = RowWriter(candidate_import).run(time_budget)
    except LeaseLost:
        return "stopped: another worker took this import over"
    except Exception as exc:
        CandidateImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    if not finished:
        from django_q.tasks import async_task

        CandidateImport.objects.filter(pk=import_id).update(status=ImportStatus.QUEUED)
        async_task(IMPORT_TASK, import_id)
        return "continues in a new task"
    CandidateImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.SUCCEEDED, finished_at=timezone.now(), progress_at=timezone.now()
    )
    if candidate_import.file:  # the people are in; a copy of their data has no reason to stay
        candidate_import.file.delete(save=False)
        CandidateImport.objects.filter(pk=import_id).update(file="")
    return "done"


class RowWriter:
    def __init__(self, candidate_import: CandidateImport) -> None:
        self.candidate_import = candidate_import
        self.workspace = candidate_import.workspace
        self.one_by_one_jobs: set[int] = set()
        if candidate_import.export == ExportChoice.TRIGGER:
            self.one_by_one_jobs = set(
                JobExportSettings.objects.filter(
                    workspace=self.workspace, trigger__in=FIRES_ON_ADD
                ).values_list("job_id", flat=True)
            )

    def run(self, time_budget: float | None) -> bool:
        """Write every row without a result yet; return False if the time budget ran out first."""
        deadline = None if time_budget is None else time.monotonic() + time_budget
        imp = self.candidate_import
        parsed = load_csv(imp)
        done = set(ImportRow.objects.filter(candidate_import=imp).values_list("row_number", flat=True))
        own = ImportRow.objects.filter(
            candidate_import=imp, status=RowStatus.CREATED, candidate__isnull=False
        )
        lookups = workspace_lookups(
            self.workspace, exclude_candidates=set(own.values_list("candidate_id", flat=True))
        )
        checker = RowChecker(
            mapping_of(imp), len(parsed.headers), lookups, job_id=imp.job_id, stage_id=imp.stage_id
        )
        chunk: list[RowResult] = []
        for result in checker.check_all(parsed.records()):
            if result.row_number in done:
                continue  # written by an earlier run: its checker state still counted it above
            chunk.append(result)
            if len(chunk) >= conf.chunk_size():
                self.write(chunk)
                chunk = []
                if deadline is not None and time.monotonic() > deadline:
                    return False
        if chunk:
            self.write(chunk)
        return True

    def write(self, chunk: list[RowResult]) -> None:
        """Write one chunk's people, results and counters in one transaction."""
        now = timezone.now()
        try:
            with transaction.atomic():
                outcomes = self._create([r for r in chunk if r.is_valid], now)
                rows = [self._row(result, outcomes) for result in chunk]
                ImportRow.objects.bulk_create(rows)
                created = sum(1 for row in rows if row.status == RowStatus.CREATED)
                failed = sum(1 for row in rows if row.status == RowStatus.FAILED)
                updated = CandidateImport.objects.filter(
                    pk=self.candidate_import.pk, status=ImportStatus.RUNNING
                ).update(
                    rows_done=F("rows_done") + len(rows),
                    created_count=F("created_count") + created,
                    failed_count=F("failed_count") + failed,
                    skipped_count=F("skipped_count") + len(rows) - created - failed,
                    progress_at=now,
                )
                if updated != 1:
                    raise LeaseLost
        except IntegrityError:
            numbers = [r.row_number for r in chunk]
            if ImportRow.objects.filter(
                candidate_import=self.candidate_import, row_number__in=numbers
            ).exists():
                raise LeaseLost from None
            raise

    def _create(self, valid: list[RowResult], now: datetime) -> dict[int, int | str]:
        """Create the people of the valid rows; return row number → candidate id, or why it failed."""
        imp = self.candidate_import
        outcomes: dict[int, int | str] = {}
        bulk = [r.person for r in valid if r.person and r.person.job_id not in self.one_by_one_jobs]
        ids = people_create(
            workspace=self.workspace,
            people=bulk,
            added_by=imp.created_by,
            now=now,  # type: ignore[arg-type]
            export_triggers=imp.export != ExportChoice.NEVER,
        )
        outcomes.update({p.row_number: pk for p, pk in zip(bulk, ids, strict=True)})
        one_by_one = [r.person for r in valid if r.person and r.person.job_id in self.one_by_one_jobs]
        if one_by_one:
            from apps.candidates.csv_import.apply import person_add

            jobs = Job.objects.in_bulk({p.job_id for p in one_by_one})
            stages = Stage.objects.in_bulk({p.stage_id for p in one_by_one if p.stage_id})
            for person in one_by_one:
                try:
                    outcomes[person.row_number] = person_add(
                        workspace=self.workspace,
                        person=person,
                        requested_by=imp.created_by,
                        job=jobs.get(person.job_id),  # type: ignore[arg-type]
                        stage=stages.get(person.stage_id) if person.stage_id else None,
                        export=None,
                    )
                except ValidationError as exc:
                    outcomes[person.row_number] = " ".join(exc.messages)
        return outcomes

    def _row(self, result: RowResult, outcomes: dict[int, int | str]) -> ImportRow:
        row = ImportRow(
            workspace=self.workspace,
            candidate_import=self.candidate_import,
            row_number=result.row_number,
            name=result.name[:255],
        )
        outcome = outcomes.get(result.row_number)
        if not result.is_valid:
            row.status, row.reason, row.candidate_id = (
                RowStatus.SKIPPED,
                result.reason,
                result.existing_candidate_id,
            )
        elif isinstance(outcome, int):
            row.status, row.candidate_id = RowStatus.CREATED, outcome
        else:
            row.status, row.reason = RowStatus.FAILED, outcome or "Not created."
        return row
