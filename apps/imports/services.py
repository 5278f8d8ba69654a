"""The steps of a CSV import: upload, choose columns (which checks every row), start, resume, discard.

The rows are imported by `runner.import_run` in a background task; see there for how a crash resumes.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User, Workspace
from apps.candidates.csv_import.decoding import CsvRejected
from apps.candidates.csv_import.fields import auto_mapping, column_labels, mapping_errors
from apps.candidates.csv_import.index import workspace_lookups
from apps.candidates.csv_import.reader import CsvFile, read_csv
from apps.candidates.csv_import.validation import PROBLEM_LABELS, RowChecker
from apps.imports import conf
from apps.imports.models import CandidateImport, ImportStatus
from apps.jobs.models import Job, Stage

IMPORT_TASK = "apps.imports.tasks.import_candidates"
SPREADSHEET_EXTENSIONS = {"xlsx", "xlsm", "xls", "ods", "numbers"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def display_name(name: str | None) -> str:
    """Return the uploaded file's name for display: its last path part, without control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("", base).strip()[:255] or "upload.csv"


def _megabytes(size: int) -> str:
    """Return a size as people read it: "850 KB", "12.4 MB"."""
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


def too_large_message(name: str, size: int) -> str:
    return (
        f"{name} is {_megabytes(size)}; files up to {_megabytes(conf.max_bytes())} can be imported. "
        "Split it into smaller files."
    )


def import_create(*, workspace: Workspace, user: User, upload: UploadedFile) -> CandidateImport:
    """Check an uploaded CSV and keep it with its columns guessed; raise ValidationError when refused."""
    name = display_name(upload.name)
    limit = conf.max_bytes()
    if (upload.size or 0) > limit:
        raise ValidationError(too_large_message(name, upload.size or 0), code="too_large")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in SPREADSHEET_EXTENSIONS:
        raise ValidationError(
            f"{name} is a spreadsheet workbook, not a CSV file: open it and save it as "
            "“CSV UTF-8 (comma delimited)”, then upload that file.",
            code="not_csv",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:  # the declared size was wrong
        raise ValidationError(f"{name} is larger than {_megabytes(limit)}.", code="too_large")
    try:
        parsed = read_csv(data, max_rows=conf.max_rows())
    except CsvRejected as exc:
        raise ValidationError(str(exc), code="not_csv") from None
    first_rows = zip(range(conf.SAMPLE_ROWS), parsed.records(), strict=False)
    sample = [[cell[:200] for cell in record.cells] for _, record in first_rows]  # shown, never imported
    candidate_import = CandidateImport(
        workspace=workspace,
        created_by=user,
        original_name=name,
        size=len(data),
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        headers=list(parsed.headers),
        sample=sample,
        row_count=parsed.row_count,
        mapping={str(i): key for i, key in auto_mapping(parsed.headers).items()},
    )
    candidate_import.file.save("upload.csv", ContentFile(data), save=False)
    candidate_import.save()
    return candidate_import


def load_csv(candidate_import: CandidateImport) -> CsvFile:
    """Read the import's stored file again (the same bytes decode the same way)."""
    with candidate_import.file.open("rb") as handle:
        data = handle.read()
    return read_csv(data, max_rows=max(conf.max_rows(), candidate_import.row_count))


def mapping_of(candidate_import: CandidateImport) -> dict[int, str]:
    return {int(i): key for i, key in (candidate_import.mapping or {}).items() if key}


def import_save_mapping(
    *,
    candidate_import: CandidateImport,
    mapping: dict[int, str],
    job: Job | None = None,
    stage: Stage | None = None,
) -> CandidateImport:
    """Save which column holds what and where everyone goes, then check every row for the preview."""
    if not candidate_import.is_editable:
        raise ValidationError("This import has started: its columns can no longer change.", code="started")
    errors = mapping_errors(mapping, column_labels(candidate_import.headers))
    if errors:
        raise ValidationError(errors, code="mapping")
    candidate_import.mapping = {str(i): key for i, key in sorted(mapping.items()) if key}
    candidate_import.job, candidate_import.stage = job, stage
    candidate_import.preview = import_check(candidate_import)
    candidate_import.status = ImportStatus.READY
    candidate_import.save(update_fields=["mapping", "job", "stage", "preview", "status", "updated_at"])
    return candidate_import


def import_check(candidate_import: CandidateImport) -> dict[str, Any]:
    """Validate every row against the file and the workspace; return counts and the first problems."""
    parsed = load_csv(candidate_import)
    lookups = workspace_lookups(candidate_import.workspace)
    checker = RowChecker(
        mapping_of(candidate_import),
        len(parsed.headers),
        lookups,
        job_id=candidate_import.job_id,
        stage_id=candidate_import.stage_id,
    )
    valid = invalid = 0
    kinds: Counter[str] = Counter()
    jobs: Counter[int] = Counter()
    problems: list[dict[str, Any]] = []
    for result in checker.check_all(parsed.records()):
        if result.person is not None:
            valid += 1
            if result.person.job_id:
                jobs[result.person.job_id] += 1
            continue
        invalid += 1
        kinds.update({p.code for p in result.problems})
        if len(problems) < conf.PREVIEW_PROBLEMS:
            problems.append(
                {
                    "row": result.row_number,
                    "name": result.name,
                    "reasons": [p.message for p in result.problems],
                    "candidate": result.existing_candidate_id,
                }
            )
    return {
        "valid": valid,
        "invalid": invalid,
        "leads": valid - sum(jobs.values()),
        "kinds": [(PROBLEM_LABELS[code], n) for code, n in kinds.most_common()],
        "jobs": [(job_id, lookups.job_names.get(job_id, ""), n) for job_id, n in jobs.most_common()],
        "problems": problems,
        "checked_at": timezone.now().isoformat(),
    }


def import_start(*, candidate_import: CandidateImport, export: str) -> CandidateImport:
    """Queue the import of the valid rows (once: a second click finds it queued already)."""
    started = CandidateImport.objects.filter(pk=candidate_import.pk, status=ImportStatus.READY).update(
        status=ImportStatus.QUEUED, export=export, updated_at=timezone.now()
    )
    if not started:
        raise ValidationError("This import has already started.", code="started")
    _enqueue(candidate_import.pk)
    candidate_import.refresh_from_db()
    return candidate_import


def import_resume(*, candidate_import: CandidateImport) -> CandidateImport:
    """Queue a stopped import again; it carries on after the last row it finished."""
    resumed = CandidateImport.objects.filter(pk=candidate_import.pk, status=ImportStatus.FAILED).update(
        status=ImportStatus.QUEUED, error="", updated_at=timezone.now()
    )
    if not resumed:
        raise ValidationError("Only a stopped import can be resumed.", code="not_stopped")
    _enqueue(candidate_import.pk)
    candidate_import.refresh_from_db()
    return candidate_import


def _enqueue(import_id: int) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(IMPORT_TASK, import_id))


def import_discard(*, candidate_import: CandidateImport) -> None:
    """Forget an import that is not running: its file and its report (imported people stay)."""
    if candidate_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        raise ValidationError("This import is running: wait until it is done.", code="running")
    if candidate_import.file:
        candidate_import.file.delete(save=False)
    candidate_import.delete()
