"""Creating candidates in Lever against the sandbox: fields, resume, dedupe, local rows, retries, preview."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.candidates.models import Application, Attachment, Candidate
from apps.candidates.services import candidate_create_in_lever
from apps.integrations.models import AtsUser, WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.outbox import writeback_enqueue, writeback_preview
from apps.jobs.models import Job, Stage
from apps.lever_sandbox.documents import render_pdf
from tests.integrations.writeback_sandbox import (
    as_if_the_worker_died,
    lever,
    opportunities_by_email,
    posts,
    process,
    small_sandbox,
    succeeded,
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
    return f"new-{uuid.uuid4().hex[:10]}@people.example"


def a_job(connection, index=0):
    return list(Job.objects.for_connection(connection).alive().filter(status="published").order_by("pk"))[
        index
    ]


def known_person(connection):
    """A mirrored candidate with an email, a LinkedIn profile and an application to a job."""
    application = (
        Application.objects.for_connection(connection)
        .alive()
        .exclude(job=None)
        .exclude(candidate__email="")
        .exclude(candidate__linkedin_url="")
        .order_by("pk")
        .first()
    )
    return application.candidate, application


def test_a_new_lead_is_created_with_every_field_and_mirrored(sandbox, connection):
    email = fresh_email()
    sourcer = (
        AtsUser.objects.for_connection(connection)
        .filter(deactivated_at=None)
        .exclude(pk=connection.writeback_user_id)[0]
    )
    action = candidate_create_in_lever(
        data={
            "name": "Ada Lovelace",
            "emails": [email.upper()],
            "phones": [{"type": "mobile", "value": "+44 20 7946 0000"}],
            "links": ["https://ada.dev"],
            "linkedin_url": "linkedin.com/in/ada-lovelace-1815",
            "location": "London",
            "title": "Analyst",
            "company": "Analytical Engines",
            "sources": ["Recruitdesk"],
            "tags": ["Math"],
        },
        sourced_by=sourcer,
        connection=connection,
        requested_by=None,
    )
    assert process(connection) == {"succeeded": 1}
    response = succeeded(action).response
    assert response["deduped"] is False and response["matched_by"] is None
    [opportunity] = opportunities_by_email(sandbox, email)
    assert opportunity["headline"] == "Analyst at Analytical Engines" and opportunity["origin"] == "sourced"
    assert opportunity["links"] == ["https://ada.dev", "https://linkedin.com/in/ada-lovelace-1815"]
    assert opportunity["phones"] == [{"type": "mobile", "value": "+44 20 7946 0000"}]
    assert (opportunity["tags"], opportunity["sources"], opportunity["sourcedBy"]) == (
        ["Math"],
        ["Recruitdesk"],
        sourcer.remote_id,
    )
    candidate = Candidate.objects.get(connection=connection, remote_id=opportunity["contact"])
    assert (candidate.email, candidate.current_title, candidate.current_company) == (
        email,
        "Analyst",
        "Analytical Engines",
    )
    application = candidate.applications.get()
    assert application.job is None and application.sourced_by == sourcer
    assert application.tags.filter(name="Math").exists()


def test_an_application_to_a_job_at_a_stage_with_a_resume(sandbox, connection):
    email, job = fresh_email(), a_job(connection)
    stage = Stage.objects.for_connection(connection).order_by("global_index")[1]
    content = render_pdf([("title", "Grace Hopper"), ("text", "COBOL")])
    resume = SimpleUploadedFile("grace.pdf", content, content_type="application/pdf")
    action = candidate_create_in_lever(
        data={"name": "Grace Hopper", "emails": [email], "phones": ["+1 555 0100"]},
        job=job,
        stage=stage,
        resume=resume,
        requested_by=None,
    )
    process(connection)
    assert succeeded(action).request["calls"][-1]["file"] == "resumeFile"
    [opportunity] = opportunities_by_email(sandbox, email)
    assert opportunity["applications"][0]["posting"] == job.remote_id
    assert opportunity["stage"] == stage.remote_id
    assert opportunity["phones"] == [{"type": None, "value": "+1 555 0100"}]  # survived multipart
    with lever(sandbox) as client:
        [stored] = client.iter_resumes(opportunity["id"])
        assert client.download_resume(opportunity["id"], stored["id"]) == content
    application = Application.objects.get(connection=connection, remote_id=opportunity["id"])
    assert (application.job, application.current_stage) == (job, stage)


def test_a_person_with_an_opportunity_for_the_job_gets_nothing_new(sandbox, connection):
    candidate, application = known_person(connection)
    before = opportunities_by_email(sandbox, candidate.email)
    action = candidate_create_in_lever(
        data={"name": candidate.name, "emails": [f"  {candidate.email.upper()} "]},
        job=application.job,
        requested_by=None,
    )
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    response = succeeded(action).response
    assert response["deduped"] is True and response["matched_by"] == "email"
    assert response["contact"] == candidate.remote_id
    assert posts(sandbox) == 0
    assert len(opportunities_by_email(sandbox, candidate.email)) == len(before)


def test_a_known_person_on_a_new_job_is_attached_not_duplicated(sandbox, connection):
    candidate, _ = known_person(connection)
    job = Job.objects.for_connection(connection).alive().exclude(applications__candidate=candidate).first()
    before = opportunities_by_email(sandbox, candidate.email)
    action = candidate_create_in_lever(
        data={"name": candidate.name, "emails": [candidate.email.title()]}, job=job, requested_by=None
    )
    process(connection)
    response = succeeded(action).response
    assert response["deduped"] is False and response["contact"] == candidate.remote_id
    assert action.request["calls"][-1]["body"]["contact"] == candidate.remote_id
    after = opportunities_by_email(sandbox, candidate.email)
    assert len(after) == len(before) + 1 and {o["contact"] for o in after} == {candidate.remote_id}


@pytest.mark.parametrize(
    "spelling",
    [
        "HTTPS://WWW.LinkedIn.com/in/{handle}/?trk=people-search",
        "uk.linkedin.com/in/{handle}/en",
        "http://linkedin.com/in/{handle}/de-de/",
    ],
)
def test_a_linkedin_url_in_another_spelling_finds_the_person(sandbox, connection, spelling):
    candidate, application = known_person(connection)
    handle = candidate.linkedin_url.rstrip("/").rsplit("/", 1)[-1].upper()
    new_email = fresh_email()  # Lever alone could not match this person: only the profile does
    action = candidate_create_in_lever(
        data={"name": candidate.name, "emails": [new_email], "linkedin_url": spelling.format(handle=handle)},
        job=application.job,
        requested_by=None,
    )
    assert writeback_preview(action)["dedupe"]["matched_by"] == "linkedin"
    process(connection)
    response = succeeded(action).response
    assert (response["deduped"], response["matched_by"], response["contact"]) == (
        True,
        "linkedin",
        candidate.remote_id,
    )
    assert opportunities_by_email(sandbox, new_email) == []  # no second person


def test_a_person_only_lever_knows_is_found_by_email(sandbox, connection):
    email = fresh_email()
    with lever(sandbox) as client:
        existing = client.create_opportunity(
            connection.writeback_user.remote_id, {"name": "Zoe Quiet", "emails": [email]}
        )
    job = a_job(connection, 1)
    action = candidate_create_in_lever(
        data={"name": "Zoe Quiet", "emails": [email.upper()]}, job=job, requested_by=None
    )
    process(connection)
    response = succeeded(action).response
    assert (response["found_in"], response["contact"]) == ("lever", existing["contact"])
    assert {o["contact"] for o in opportunities_by_email(sandbox, email)} == {existing["contact"]}
    lead = candidate_create_in_lever(
        data={"name": "Zoe Quiet", "emails": [email]}, connection=connection, requested_by=None
    )
    process(connection)
    assert succeeded(lead).response["deduped"] is True  # a lead for someone already in Lever: nothing new
    assert len(opportunities_by_email(sandbox, email)) == 2


def test_a_local_candidate_becomes_the_lever_person(sandbox, connection):
    email = fresh_email()
    local = Candidate.objects.create(
        workspace=connection.workspace, name="Local Lin", email=email, emails=[email]
    )
    action = candidate_create_in_lever(candidate=local, job=a_job(connection), requested_by=None)
    assert action.target_key == f"candidate:{local.pk}"
    process(connection)
    response = succeeded(action).response
    local.refresh_from_db()
    assert (local.connection, local.remote_id) == (connection, response["contact"])
    assert response["local_candidate"] == {"result": "connected", "candidate": local.pk}
    assert local.applications.get().remote_id == response["opportunity"]["id"]


def test_a_local_candidate_of_a_known_person_is_merged_into_them(sandbox, connection):
    candidate, _ = known_person(connection)
    local = Candidate.objects.create(
        workspace=connection.workspace, name=candidate.name, email=candidate.email.upper()
    )
    note = Attachment.objects.create(workspace=connection.workspace, candidate=local, name="sourcing.txt")
    job = Job.objects.for_connection(connection).alive().exclude(applications__candidate=candidate).first()
    action = candidate_create_in_lever(candidate=local, job=job, requested_by=None)
    process(connection)
    response = succeeded(action).response
    assert response["local_candidate"] == {"result": "merged", "candidate": local.pk, "into": candidate.pk}
    assert not Candidate.objects.filter(pk=local.pk).exists()
    note.refresh_from_db()
    assert note.candidate == candidate and action.candidate == candidate
    assert candidate.applications.filter(job=job).exists()


def test_a_retried_create_finds_its_opportunity_instead_of_making_another(sandbox, connection):
    email = fresh_email()
    action = candidate_create_in_lever(
        data={"name": "Once Only", "emails": [email]}, job=a_job(connection), requested_by=None
    )
    process(connection)
    as_if_the_worker_died(action)
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    assert posts(sandbox) == 0 and succeeded(action).response["recovered"] is True
    assert len(opportunities_by_email(sandbox, email)) == 1


def test_a_retried_linkedin_only_create_is_recognised_by_its_profile(sandbox, connection):
    profile = f"https://www.linkedin.com/in/only-linkedin-{uuid.uuid4().hex[:8]}"
    action = candidate_create_in_lever(
        data={"name": "Link Only", "linkedin_url": profile}, connection=connection, requested_by=None
    )
    process(connection)
    contact = succeeded(action).response["contact"]
    # As if the worker died before mirroring: only Lever knows the person now.
    Candidate.objects.filter(connection=connection, remote_id=contact).update(
        remote_deleted_at=timezone.now()
    )
    as_if_the_worker_died(action)
    sandbox.reset_counts()
    process(connection)
    assert posts(sandbox) == 0 and succeeded(action).response["contact"] == contact


def test_an_unknown_posting_is_parked_with_levers_message(connection):
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.CREATE_CANDIDATE,
        payload={"name": "Nobody", "emails": [fresh_email()], "posting_id": "no-such-posting"},
    )
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert action.status == WritebackStatus.FAILED and "no-such-posting" in action.last_error


def test_the_preview_shows_the_lookups_the_create_and_the_mirror_match_without_sending(sandbox, connection):
    candidate, application = known_person(connection)
    action = candidate_create_in_lever(
        data={"name": candidate.name, "emails": [candidate.email]}, job=application.job, requested_by=None
    )
    WritebackAction.objects.filter(pk=action.pk).update(status=WritebackStatus.AWAITING_APPROVAL)
    sandbox.reset_counts()
    preview = writeback_preview(action)
    assert sandbox.request_counts()["total"] == 0
    lookup, create = preview["calls"]
    assert (lookup["method"], lookup["params"]["contact_id"]) == ("GET", candidate.remote_id)
    assert (create["method"], create["path"], create["body"]["contact"]) == (
        "POST",
        "/opportunities",
        candidate.remote_id,
    )
    assert preview["dedupe"]["matched_by"] == "email"
    assert preview["dedupe"]["existing_application"] == application.pk
    assert preview["dedupe"]["result"] == "nothing to create"
