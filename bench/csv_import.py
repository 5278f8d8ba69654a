"""Benchmark the CSV import of 50,000 rows through the real code, on a fresh SQLite database.

    .venv/bin/python bench/csv_import.py [--rows 50000] [--existing 5000] [--one-by-one 1000] [--keep]

Builds a CSV with about 1 bad row in 40 (missing names, bad emails and LinkedIn URLs, duplicates in
the file and in the workspace, ragged rows), then times each phase as the app runs it: upload
(decode, sniff, count, store), check (the preview: every row validated against the workspace),
import (the background task: chunks of bulk inserts with a result per row) and the report CSV.
Prints rows/s per phase and the report's counts, and exits non-zero unless the report matches what
the generator decided for every row. `--one-by-one N` also times N rows through
sourcing.candidate_add (the path for jobs whose export trigger fires on add), for comparison.
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="recruitdesk-bench-"))
# Production-like: DEBUG off (with DEBUG on, Django logs every SQL query, which costs time and memory).
os.environ.update(
    DEBUG="False",
    SECRET_KEY="bench-" + "x" * 50,
    FIELD_ENCRYPTION_KEY="Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA=",
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
    MEDIA_ROOT=str(WORK / "media"),
    REDIS_URL="",
    LOG_LEVEL="ERROR",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.services import workspace_create  # noqa: E402
from apps.candidates.csv_import.report import REPORT_HEADERS, csv_lines  # noqa: E402
from apps.candidates.models import Candidate  # noqa: E402
from apps.imports import services  # noqa: E402
from apps.imports.models import ImportRow, ImportStatus  # noqa: E402
from apps.imports.runner import import_run  # noqa: E402
from tests.imports.generate import existing_emails, generate  # noqa: E402


def phase(label: str, rows: int, started: float) -> float:
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:7.2f} s  {rows / elapsed:>9,.0f} rows/s", flush=True)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=5_000, help="people already in the workspace")
    parser.add_argument("--one-by-one", type=int, default=0, help="also time N rows through candidate_add")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print where it is)")
    args = parser.parse_args()
    if not args.keep:
        atexit.register(shutil.rmtree, WORK, ignore_errors=True)

    call_command("migrate", verbosity=0)
    owner, _ = User.objects.get_or_create(email="bench@recruitdesk.local")
    workspace = workspace_create(name="Bench", owner=owner)
    emails = existing_emails(args.existing)
    Candidate.objects.bulk_create(
        [
            Candidate(workspace=workspace, name=f"Already {i}", email=e, emails=[e])
            for i, e in enumerate(emails)
        ]
    )
    generated = generate(args.rows, existing=args.existing)
    print(
        f"{args.rows:,} rows, {len(generated.data) / 1e6:.1f} MB; {args.existing:,} people already in the workspace"
    )
    if args.keep:
        print(f"database: {WORK / 'bench.sqlite3'}  (SQLite, WAL)")

    total = 0.0
    started = time.perf_counter()
    upload = SimpleUploadedFile("bench.csv", generated.data, content_type="text/csv")
    candidate_import = services.import_create(workspace=workspace, user=owner, upload=upload)
    total += phase("upload (decode, sniff, count, store)", args.rows, started)

    started = time.perf_counter()
    services.import_save_mapping(
        candidate_import=candidate_import, mapping={int(i): k for i, k in candidate_import.mapping.items()}
    )
    total += phase("check (the preview's validation)", args.rows, started)

    started = time.perf_counter()
    services.import_start(candidate_import=candidate_import, export="never")  # queued; run inline below
    outcome = import_run(candidate_import.pk)
    total += phase("import (task: chunks + results)", args.rows, started)

    started = time.perf_counter()
    report = list(
        ImportRow.objects.filter(candidate_import=candidate_import)
        .order_by("row_number")
        .values_list("row_number", "status", "name", "reason", "candidate_id")
    )
    report_csv = "".join(csv_lines([REPORT_HEADERS, *report]))  # what the report download streams
    total += phase("report (every row's result as CSV)", args.rows, started)
    print(f"{'total':<34} {total:7.2f} s  {args.rows / total:>9,.0f} rows/s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    candidate_import.refresh_from_db()
    preview = candidate_import.preview
    print(
        f"\npreview: {preview['valid']:,} valid, {preview['invalid']:,} invalid "
        f"({', '.join(f'{label} {n:,}' for label, n in preview['kinds'])})"
    )
    print(
        f"report:  {outcome}; {candidate_import.created_count:,} created, {candidate_import.skipped_count:,} skipped, "
        f"{candidate_import.failed_count:,} failed, {candidate_import.rows_done:,} of {candidate_import.row_count:,} rows"
    )
    expected = generated.expected
    created = Candidate.objects.filter(workspace=workspace, sourcing__via="import").count()
    duplicated = (
        Candidate.objects.filter(workspace=workspace)
        .values("email")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    checks = {
        "status succeeded": candidate_import.status == ImportStatus.SUCCEEDED,
        "created count": candidate_import.created_count == expected["created"] == created,
        "skipped count": candidate_import.skipped_count == expected["skipped"],
        "no failures": candidate_import.failed_count == 0,
        "preview agrees": (preview["valid"], preview["invalid"])
        == (expected["created"], expected["skipped"]),
        "one result per row, each as generated": {r[0]: r[1] for r in report} == generated.statuses,
        "report has a line per row": report_csv.count("\r\n") == args.rows + 1,
        "no person twice": duplicated == 0,
    }
    for label, ok in checks.items():
        print(f"  {'ok ' if ok else 'FAIL'} {label}")
    if args.one_by_one:
        one_by_one(workspace, owner, args.one_by_one)
    return 0 if all(checks.values()) else 1


def one_by_one(workspace, owner, count: int) -> None:
    """Time `count` rows through sourcing.candidate_add, the path for jobs whose trigger exports on add."""
    from apps.candidates.csv_import.apply import person_add
    from apps.candidates.csv_import.validation import Person

    people = [Person(row_number=i, name=f"Solo {i}", emails=(f"solo{i}@example.net",)) for i in range(count)]
    started = time.perf_counter()
    for person in people:
        person_add(workspace=workspace, person=person, requested_by=owner, job=None, stage=None, export=False)
    elapsed = time.perf_counter() - started
    print(f"\ncandidate_add, one by one: {count:,} rows in {elapsed:.2f} s = {count / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    sys.exit(main())
