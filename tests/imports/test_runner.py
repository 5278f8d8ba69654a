"""The background import: chunks, resuming after a crash, never a row twice, and the candidate_add path."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.candidates.csv_import import bulk
from apps.candidates.models import Application, Candidate, CandidateExport
from apps.candidates.sourcing_triggers import job_export_settings_update
from apps.imports import runner
from apps.imports.models import CandidateImport, ImportRow, ImportStatus
from apps.jobs.models import ExportTrigger
from tests.conftest import client_for
from tests.imports.factories import CandidateImportFactory, ImportRowFactory
from tests.imports.helpers import latest_import, run, save_mapping, upload
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db

SEVEN = (
    "Name,Email\n"
    + "".join(f"Person {i},p{i}@example.com\n" for i in range(7))
    + "No Email Twin,p0@example.com\n"
)


@pytest.fixture
def small_chunks(settings):
    settings.IMPORT_CHUNK_SIZE = 2


def prepared(cast, content: str = SEVEN, **mapping) -> CandidateImport:
    client = client_for(cast.recruiter)
    upload(client, content)
    save_mapping(client, latest_import(), **mapping)
    return latest_import()


def test_a_crash_mid_import_resumes_after_the_last_chunk_and_imports_no_row_twice(
    cast, small_chunks, django_capture_on_commit_callbacks
):
    candidate_import = prepared(cast)
    calls = {"n": 0}
    real = bulk.people_create

    def crash_on_third_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("worker lost its disk")
        return real(**kwargs)

    client = client_for(cast.recruiter)
    with mock.patch.object(runner, "people_create", side_effect=crash_on_third_chunk), pytest.raises(OSError):
        run(client, candidate_import, django_capture_on_commit_callbacks)  # tasks run inline in tests
    candidate_import.refresh_from_db()
    assert candidate_import.status == ImportStatus.FAILED
    assert candidate_import.error == "OSError: worker lost its disk"
    assert (candidate_import.rows_done, candidate_import.created_count) == (4, 4)  # two chunks committed
    assert Candidate.objects.filter(name__startswith="Person").count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{candidate_import.pk}/run/")  # Resume
    candidate_import.refresh_from_db()
    assert candidate_import.status == ImportStatus.SUCCEEDED
    assert (candidate_import.rows_done, candidate_import.created_count, candidate_import.skipped_count) == (
        8,
        7,
        1,
    )
    names = list(Candidate.objects.filter(name__startswith="Person").values_list("name", flat=True))
    assert sorted(names) == [f"Person {i}" for i in range(7)]  # each exactly once
    twin = ImportRow.objects.get(candidate_import=candidate_import, row_number=9)
    # Person 0 was created by this import before the crash: still "row 2", not "already in the workspace".
    assert twin.reason == "Duplicate within the file: same email as row 2."


def test_a_worker_that_finds_its_rows_written_by_another_rolls_its_chunk_back(cast, small_chunks):
    candidate_import = prepared(cast)
    CandidateImport.objects.filter(pk=candidate_import.pk).update(status=ImportStatus.QUEUED)
    real = runner.workspace_lookups

    def other_worker_commits_first(*args, **kwargs):
        # After this worker read which rows were done, another one finished row 2.
        ImportRowFactory(candidate_import=candidate_import, row_number=2, status="created")
        return real(*args, **kwargs)

    with mock.patch.object(runner, "workspace_lookups", side_effect=other_worker_commits_first):
        assert runner.import_run(candidate_import.pk) == "stopped: another worker took this import over"
    assert not Candidate.objects.filter(name__startswith="Person").exists()


def test_claiming_takes_queued_or_silent_imports_only(cast):
    queued = CandidateImportFactory(workspace=cast.workspace, status="queued")
    busy = CandidateImportFactory(workspace=cast.workspace, status="running", progress_at=timezone.now())
    silent = CandidateImportFactory(
        workspace=cast.workspace, status="running", progress_at=timezone.now() - timedelta(hours=1)
    )
    done = CandidateImportFactory(workspace=cast.workspace, status="succeeded")
    assert runner.import_claim(queued.pk) is True
    assert runner.import_claim(queued.pk) is False  # now running, and fresh
    assert runner.import_claim(busy.pk) is False
    assert runner.import_claim(silent.pk) is True
    assert runner.import_claim(done.pk) is False


def test_a_spent_time_slice_queues_the_rest(cast, small_chunks, django_capture_on_commit_callbacks):
    candidate_import = prepared(cast)
    CandidateImport.objects.filter(pk=candidate_import.pk).update(status=ImportStatus.QUEUED)
    with mock.patch("django_q.tasks.async_task") as enqueue:
        assert runner.import_run(candidate_import.pk, time_budget=0) == "continues in a new task"
    enqueue.assert_called_once_with("apps.imports.tasks.import_candidates", candidate_import.pk)
    candidate_import.refresh_from_db()
    assert (candidate_import.status, candidate_import.rows_done) == (ImportStatus.QUEUED, 2)
    assert runner.import_run(candidate_import.pk) == "done"
    candidate_import.refresh_from_db()
    assert (candidate_import.rows_done, candidate_import.created_count) == (8, 7)


def test_rows_whose_job_exports_on_add_go_through_candidate_add(cast, django_capture_on_commit_callbacks):
    exporting = JobFactory(connection=cast.connection, name="Exporting job")
    quiet = JobFactory(connection=cast.connection, name="Quiet job")
    job_export_settings_update(job=exporting, trigger=ExportTrigger.ADDED_TO_PIPELINE, tier="", by=cast.owner)
    content = "Name,Email,Job\nAda,ada@example.com,Exporting job\nGrace,grace@example.com,Quiet job\nLin,,\n"
    candidate_import = prepared(cast, content)
    real = runner_person_add()
    with mock.patch("apps.candidates.csv_import.apply.person_add", side_effect=real) as person_add:
        run(
            client_for(cast.recruiter), candidate_import, django_capture_on_commit_callbacks, export="trigger"
        )
    assert [c.kwargs["person"].name for c in person_add.call_args_list] == ["Ada"]
    assert person_add.call_args_list[0].kwargs["export"] is None
    assert candidate_import.created_count == 3
    ada, grace = Candidate.objects.get(name="Ada"), Candidate.objects.get(name="Grace")
    assert CandidateExport.objects.filter(candidate=ada, job=exporting).exists()  # the trigger fired
    assert not CandidateExport.objects.filter(candidate=grace).exists()
    assert Application.objects.get(candidate=grace).job == quiet
    assert ada.sourcing["via"] == grace.sourcing["via"] == "import"


def test_never_export_keeps_everyone_local_even_on_an_exporting_job(cast, django_capture_on_commit_callbacks):
    job = JobFactory(connection=cast.connection)
    job_export_settings_update(job=job, trigger=ExportTrigger.ADDED_TO_PIPELINE, tier="", by=cast.owner)
    candidate_import = prepared(cast, "Name,Email\nAda,ada@example.com\n", job=job)
    with mock.patch("apps.candidates.csv_import.apply.person_add") as person_add:
        run(client_for(cast.recruiter), candidate_import, django_capture_on_commit_callbacks, export="never")
    person_add.assert_not_called()
    assert candidate_import.created_count == 1
    assert not CandidateExport.objects.exists()


def test_a_row_candidate_add_refuses_is_reported_as_failed(cast, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    job = JobFactory(connection=cast.connection)
    job_export_settings_update(job=job, trigger=ExportTrigger.ADDED_TO_PIPELINE, tier="", by=cast.owner)
    candidate_import = prepared(cast, "Name\nAda\nGrace\n", job=job)
    refusal = ValidationError({"job": ["Choose a job of this workspace."]})
    with mock.patch("apps.candidates.csv_import.apply.candidate_add", side_effect=refusal):
        run(
            client_for(cast.recruiter), candidate_import, django_capture_on_commit_callbacks, export="trigger"
        )
    assert (candidate_import.created_count, candidate_import.failed_count) == (0, 2)
    row = ImportRow.objects.get(candidate_import=candidate_import, row_number=2)
    assert (row.status, row.reason) == ("failed", "Choose a job of this workspace.")


def runner_person_add():
    from apps.candidates.csv_import.apply import person_add

    return person_add


CANDIDATE_FIELDS = [
    "name", "first_name", "last_name", "email", "emails", "phones", "links", "linkedin_url", "location",
    "headline", "current_title", "current_company", "sourcing", "connection_id", "remote_id",
]  # fmt: skip
APPLICATION_FIELDS = ["job_id", "current_stage_id", "origin", "sources", "sourced_by_id", "remote_id"]


def test_the_bulk_path_stores_what_candidate_add_stores(cast, django_capture_on_commit_callbacks):
    """The same row through both paths gives the same rows (the bulk path is only faster)."""
    from apps.candidates.csv_import.apply import person_add
    from apps.candidates.csv_import.bulk import people_create

    first = JobStageFactory(job=JobFactory(connection=cast.connection), position=0)
    JobStageFactory(job=first.job, position=1)
    candidate_import = prepared(
        cast,
        "First name,Last name,Email,Phone,Links,City,Country,Title,Company,Source,Tags\n"
        "Ada,Lovelace,ADA@example.com,+44 20 7946 0000,https://www.linkedin.com/in/ada https://ada.example,"
        "London,UK,Engineer,Engines Ltd,Referral,python;maths\n",
        job=first.job,
    )
    checked = next(
        runner.RowChecker(
            runner.mapping_of(candidate_import),
            11,
            runner.workspace_lookups(cast.workspace),
            job_id=first.job_id,
        ).check_all(runner.load_csv(candidate_import).records())
    )
    person = checked.person
    assert person.stage_id == first.stage_id  # no stage chosen: the pipeline's first, as candidate_add does
    via_add = Candidate.objects.get(
        pk=person_add(
            workspace=cast.workspace,
            person=person,
            requested_by=cast.recruiter,
            job=first.job,
            stage=None,
            export=False,
        )
    )
    (bulk_pk,) = people_create(
        workspace=cast.workspace,
        people=[person],
        added_by=cast.recruiter,
        now=timezone.now(),
        export_triggers=False,  # as candidate_add(export=False)
    )
    via_bulk = Candidate.objects.get(pk=bulk_pk)
    assert {f: getattr(via_bulk, f) for f in CANDIDATE_FIELDS} == {
        f: getattr(via_add, f) for f in CANDIDATE_FIELDS
    }
    app_add, app_bulk = (
        Application.objects.get(candidate=via_add),
        Application.objects.get(candidate=via_bulk),
    )
    assert {f: getattr(app_bulk, f) for f in APPLICATION_FIELDS} == {
        f: getattr(app_add, f) for f in APPLICATION_FIELDS
    }
