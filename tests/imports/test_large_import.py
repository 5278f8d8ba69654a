"""50,000 rows end to end through the pages and the background task: the report is exact, row by row.

Not timed here (bench/csv_import.py measures the phases); it takes about half a minute.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.candidates.models import Candidate
from apps.imports.models import ImportRow, ImportStatus
from tests.candidates.factories import CandidateFactory
from tests.conftest import client_for
from tests.imports.generate import existing_emails, generate
from tests.imports.helpers import latest_import, run, save_mapping, upload

pytestmark = pytest.mark.django_db

ROWS = 50_000


def test_a_50000_row_import_finishes_with_a_correct_report(cast, django_capture_on_commit_callbacks):
    for email in existing_emails(60):
        CandidateFactory(connection=cast.connection, email=email, emails=[email])
    generated = generate(ROWS, existing=60)
    client = client_for(cast.recruiter)

    assert upload(client, generated.data, name="everyone.csv").status_code == 302
    candidate_import = latest_import()
    assert candidate_import.row_count == ROWS
    assert save_mapping(client, candidate_import).status_code == 302
    candidate_import.refresh_from_db()
    assert candidate_import.preview["valid"] == generated.expected["created"]
    assert candidate_import.preview["invalid"] == generated.expected["skipped"]
    assert dict(candidate_import.preview["kinds"]) == {
        "Missing name": generated.expected["missing_name"],
        "Bad email": generated.expected["bad_email"],
        "Duplicate within the file": generated.expected["duplicate_in_file"],
        "Bad LinkedIn URL": generated.expected["bad_linkedin"],
        "Already in this workspace": generated.expected["duplicate_in_workspace"],
        "More cells than columns": generated.expected["extra_cells"],
    }

    run(client, candidate_import, django_capture_on_commit_callbacks)
    assert candidate_import.status == ImportStatus.SUCCEEDED
    assert candidate_import.rows_done == ROWS
    assert candidate_import.created_count == generated.expected["created"]
    assert candidate_import.skipped_count == generated.expected["skipped"]
    assert candidate_import.failed_count == 0
    assert (
        Candidate.objects.filter(workspace=cast.workspace, sourcing__via="import").count()
        == (generated.expected["created"])
    )

    results = dict(
        ImportRow.objects.filter(candidate_import=candidate_import).values_list("row_number", "status")
    )
    assert results == generated.statuses

    response = client.get(reverse("imports:report", args=[candidate_import.pk]))
    report = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert len(report) == ROWS
    assert [int(r["Row"]) for r in report] == list(range(2, ROWS + 2))
    skipped = [r for r in report if r["Status"] == "Skipped"]
    assert len(skipped) == generated.expected["skipped"] and all(r["Reason"] for r in skipped)
    assert all(r["Candidate link"] for r in report if r["Status"] == "Imported")
