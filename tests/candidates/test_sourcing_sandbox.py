"""End to end against the Lever sandbox: add → export → one person in Lever; the same person again never twice."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.candidates.models import Application, Candidate, CandidateExport, ExportStatus
from apps.candidates.sourcing import (
    NewCandidate,
    candidate_add,
    candidate_export,
    export_add_to_job,
    exports_settle,
)
from apps.candidates.sourcing_triggers import export_triggers_on_add, job_export_settings_update
from apps.integrations.models import WritebackAction
from apps.jobs.models import ExportTrigger, Job
from apps.lever_sandbox.documents import render_pdf
from tests.integrations.writeback_sandbox import (
    lever,
    opportunities_by_email,
    posts,
    process,
    small_sandbox,
    synced_connection,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox():
    yield from small_sandbox()


@pytest.fixture
def connection(sandbox):
    return synced_connection(sandbox)


def fresh_email():
    return f"sourced-{uuid.uuid4().hex[:10]}@people.example"


def a_job(connection, index=0):
    jobs = Job.objects.for_connection(connection).alive().filter(status="published").order_by("pk")
    return list(jobs)[index]


def add(connection, new, **options):
    return candidate_add(workspace=connection.workspace, new=new, requested_by=None, **options)


def settled(export):
    [export] = exports_settle(CandidateExport.objects.filter(pk=export.pk))
    return export


def exported(connection, sandbox, email, job):
    """Add a new person with `email` to `job`, export them, and return the settled export."""
    new = NewCandidate(
        name="Ada Sourced",
        emails=(email,),
        linkedin_url=f"https://www.linkedin.com/in/ada-{email[8:18]}/",
        current_title="Analyst",
        current_company="Engines",
        source="Recruitdesk",
        tags=("Sourced",),
    )
    resume = SimpleUploadedFile(
        "ada.pdf", render_pdf([("title", "Ada"), ("text", "Python")]), "application/pdf"
    )
    result = add(connection, new, job=job, resume=resume, export=True)
    assert result.export.status == ExportStatus.PENDING, result.export.message
    assert process(connection) == {"succeeded": 1}
    return result, settled(result.export)


def test_add_then_export_creates_exactly_one_person(sandbox, connection):
    email, job = fresh_email(), a_job(connection)
    result, export = exported(connection, sandbox, email, job)
    assert export.status == ExportStatus.EXPORTED and export.message == "Created in Lever."
    [opportunity] = opportunities_by_email(sandbox, email)
    assert opportunity["applications"][0]["posting"] == job.remote_id
    assert (opportunity["headline"], opportunity["sources"], opportunity["tags"]) == (
        "Analyst at Engines",
        ["Recruitdesk"],
        ["Sourced"],
    )
    with lever(sandbox) as client:
        assert len(list(client.iter_resumes(opportunity["id"]))) == 1
    # The local row became the Lever person, and the local application gave way to Lever's.
    candidate = Candidate.objects.get(pk=result.candidate.pk)
    assert (candidate.connection, candidate.remote_id) == (connection, opportunity["contact"])
    [application] = Application.objects.filter(candidate=candidate, job=job)
    assert application.remote_id == opportunity["id"] and export.application == application


def test_the_same_email_in_another_case_never_makes_a_second_person(sandbox, connection):
    email, job = fresh_email(), a_job(connection)
    first, _ = exported(connection, sandbox, email, job)
    sandbox.reset_counts()
    again = add(connection, NewCandidate(name="Ada Again", emails=(email.upper(),)), job=job, export=True)
    export = again.export
    assert export.status == ExportStatus.DUPLICATE and export.action is None
    assert export.matched_candidate == Candidate.objects.get(pk=first.candidate.pk)
    assert export.match_reason == f"same email {email}"
    process(connection)
    assert posts(sandbox) == 0 and len(opportunities_by_email(sandbox, email)) == 1


@pytest.mark.parametrize(
    "spelling", ["HTTP://LinkedIn.com/in/{handle}?trk=search", "uk.linkedin.com/in/{handle}/en/"]
)
def test_a_linkedin_url_variant_never_makes_a_second_person(sandbox, connection, spelling):
    email, job = fresh_email(), a_job(connection)
    first, _ = exported(connection, sandbox, email, job)
    handle = first.candidate.linkedin_url.rstrip("/").rsplit("/", 1)[-1]
    other_email = fresh_email()
    new = NewCandidate(
        name="Ada Again", emails=(other_email,), linkedin_url=spelling.format(handle=handle.upper())
    )
    export = add(connection, new, job=job, export=True).export
    assert export.status == ExportStatus.DUPLICATE
    assert export.match_reason == f"same LinkedIn profile linkedin.com/in/{handle}"
    sandbox.reset_counts()
    process(connection)
    assert posts(sandbox) == 0 and opportunities_by_email(sandbox, other_email) == []


def test_a_person_only_lever_knows_is_found_by_the_worker_and_reported_as_a_duplicate(sandbox, connection):
    email, job = fresh_email(), a_job(connection, 1)
    with lever(sandbox) as client:
        existing = client.create_opportunity(
            connection.writeback_user.remote_id, {"name": "Quiet Person", "emails": [email]}
        )
    result = add(connection, NewCandidate(name="Quiet Person", emails=(email.upper(),)), job=job, export=True)
    assert (
        result.duplicates == [] and result.export.status == ExportStatus.PENDING
    )  # the mirror does not know them
    process(connection)
    export = settled(result.export)
    assert export.status == ExportStatus.DUPLICATE
    assert (export.match_reason, export.matched_contact_id) == (f"same email {email}", existing["contact"])
    assert export.message.startswith(f"Lever already had this person (same email {email}): ")
    assert {o["contact"] for o in opportunities_by_email(sandbox, email)} == {existing["contact"]}
    assert export.matched_candidate.remote_id == existing["contact"]


def test_add_to_this_job_instead_puts_the_known_person_on_the_job(sandbox, connection):
    email, job = fresh_email(), a_job(connection)
    first, _ = exported(connection, sandbox, email, job)
    other_job = a_job(connection, 1)
    duplicate = add(connection, NewCandidate(name="Ada", emails=(email,)), job=other_job, export=True).export
    assert duplicate.status == ExportStatus.DUPLICATE
    export = export_add_to_job(export=duplicate, requested_by=None)
    assert process(connection) == {"succeeded": 1}
    export = settled(export)
    assert export.status == ExportStatus.EXPORTED
    opportunities = opportunities_by_email(sandbox, email)
    assert len(opportunities) == 2 and len({o["contact"] for o in opportunities}) == 1
    person = Candidate.objects.get(pk=first.candidate.pk)
    assert set(person.applications.values_list("job", flat=True)) == {job.pk, other_job.pk}
    assert not person.applications.filter(remote_id=None).exists()


def test_the_pipeline_trigger_exports_once(sandbox, connection):
    job = a_job(connection)
    job_export_settings_update(job=job, trigger=ExportTrigger.ADDED_TO_PIPELINE, tier="", by=None)
    email = fresh_email()
    result = add(connection, NewCandidate(name="Triggered", emails=(email,)), job=job)
    assert result.export is not None and result.export.trigger == "added_to_pipeline"
    process(connection)
    assert settled(result.export).status == ExportStatus.EXPORTED
    candidate = Candidate.objects.get(pk=result.candidate.pk)
    sandbox.reset_counts()
    assert export_triggers_on_add(candidate, result.application) is None
    with pytest.raises(Exception, match="already in Lever"):
        candidate_export(candidate=candidate, requested_by=None)
    process(connection)
    assert posts(sandbox) == 0 and len(opportunities_by_email(sandbox, email)) == 1
    assert WritebackAction.objects.filter(candidate=candidate).count() == 1
