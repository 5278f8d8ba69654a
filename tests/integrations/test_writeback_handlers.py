"""Attachments, result links, applications to another job and job updates, end to end against the sandbox."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.candidates.models import Application, Attachment, Candidate, Note
from apps.candidates.services import application_create_in_lever, attachment_add, result_link_add
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.outbox import writeback_enqueue, writeback_preview
from apps.jobs.models import Job, Stage
from apps.jobs.services import job_update_in_lever
from apps.lever_sandbox.documents import render_pdf
from tests.integrations.writeback_sandbox import (
    as_if_the_worker_died,
    lever,
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


def an_application(connection, index=0):
    return list(Application.objects.for_connection(connection).alive().exclude(job=None).order_by("pk"))[
        index
    ]


SAMPLES = render_pdf([("title", "Work samples"), ("text", "Three projects")])


def pdf(name="portfolio.pdf", body=SAMPLES):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# -- attachments ---------------------------------------------------------------------------------------


def test_a_file_on_an_application_is_uploaded_and_mirrored(sandbox, connection):
    application = an_application(connection)
    action = attachment_add(application=application, file=pdf(), requested_by=None)
    assert process(connection) == {"succeeded": 1}
    succeeded(action)
    with lever(sandbox) as client:
        files = [f for f in client.iter_files(application.remote_id) if f["name"] == "portfolio.pdf"]
        assert len(files) == 1
        assert client.download_file(application.remote_id, files[0]["id"]) == SAMPLES
    attachment = Attachment.objects.get(remote_id=files[0]["id"], connection=connection)
    assert (attachment.application, attachment.candidate) == (application, application.candidate)
    assert (attachment.kind, attachment.extension) == ("file", "pdf")


def test_a_file_on_a_candidate_goes_to_their_latest_opportunity(sandbox, connection):
    candidate = Candidate.objects.for_connection(connection).filter(applications__isnull=False).first()
    latest = candidate.applications.alive().order_by("-applied_at", "-pk").first()
    action = attachment_add(candidate=candidate, file=pdf("test.txt", b"take-home"), requested_by=None)
    process(connection)
    assert succeeded(action).application == latest  # pinned, so a retry checks the same opportunity
    with lever(sandbox) as client:
        assert [f["name"] for f in client.iter_files(latest.remote_id)].count("test.txt") == 1


def test_a_candidate_without_an_opportunity_in_lever_is_refused(connection):
    lonely = Candidate.objects.create(
        workspace=connection.workspace, connection=connection, remote_id="c-lonely", name="Lonely"
    )
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_ATTACHMENT,
        payload={"file_name": "cv.pdf", "content_type": "application/pdf", "on": "candidate"},
        candidate=lonely,
        file=pdf("cv.pdf"),
    )
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert "no opportunity in Lever" in action.last_error


def test_a_retried_upload_is_found_not_uploaded_twice(sandbox, connection):
    application = an_application(connection, 1)
    action = attachment_add(application=application, file=pdf("once.pdf"), requested_by=None)
    process(connection)
    as_if_the_worker_died(action)
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    assert posts(sandbox, "POST /v1/opportunities/:id/files") == 0
    with lever(sandbox) as client:
        assert [f["name"] for f in client.iter_files(application.remote_id)].count("once.pdf") == 1


# -- result links --------------------------------------------------------------------------------------


def test_a_result_link_is_a_link_on_the_person_and_a_note_with_the_details(sandbox, connection):
    application = an_application(connection, 2)
    url = "https://assess.example/r/123"
    action = result_link_add(
        application=application,
        label="Coding test",
        url=url,
        details={"score": 87, "level": "senior"},
        requested_by=None,
    )
    assert process(connection) == {"succeeded": 1}
    text = f"Coding test\n{url}\nscore: 87\nlevel: senior"
    with lever(sandbox) as client:
        assert url in client.get_opportunity(application.remote_id)["links"]
        notes = list(client.iter_notes(application.remote_id))
    assert sum(c["value"] == text for n in notes for c in n["fields"]) == 1
    application.candidate.refresh_from_db()
    assert url in application.candidate.links  # mirrored at once
    assert Note.objects.filter(application=application, body=text).exists()
    assert succeeded(action).response["note"]["fields"][0]["value"] == text


def test_a_retried_result_link_writes_its_note_once(sandbox, connection):
    candidate = an_application(connection, 3).candidate
    action = result_link_add(
        candidate=candidate, label="Interview recording", url="https://rec.example/9", requested_by=None
    )
    process(connection)
    opportunity_id = succeeded(action).application.remote_id
    as_if_the_worker_died(action)
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    assert posts(sandbox, "POST /v1/opportunities/:id/notes") == 0
    with lever(sandbox) as client:
        notes = list(client.iter_notes(opportunity_id))
    text = "Interview recording\nhttps://rec.example/9"
    assert sum(c["value"] == text for n in notes for c in n["fields"]) == 1


# -- an application to another job ---------------------------------------------------------------------


def another_job(connection, candidate):
    applied = candidate.applications.values_list("job", flat=True)
    return Job.objects.for_connection(connection).alive().exclude(pk__in=applied).order_by("pk").first()


def test_a_candidate_is_put_on_another_job_as_a_new_opportunity_on_their_contact(sandbox, connection):
    candidate = an_application(connection).candidate
    job = another_job(connection, candidate)
    stage = Stage.objects.for_connection(connection).order_by("global_index").last()
    action = application_create_in_lever(candidate=candidate, job=job, stage=stage, requested_by=None)
    assert process(connection) == {"succeeded": 1}
    created = succeeded(action).response["opportunity"]
    assert created["contact"] == candidate.remote_id and created["stage"] == stage.remote_id
    with lever(sandbox) as client:
        theirs = list(client.iter_opportunities(contact_id=candidate.remote_id))
    assert any(a["posting"] == job.remote_id for o in theirs for a in o["applications"])
    application = Application.objects.get(connection=connection, remote_id=created["id"])
    assert (application.candidate, application.job, application.current_stage) == (candidate, job, stage)
    # Asked again: the mirror now has the application, so nothing is sent.
    again = writeback_enqueue(
        connection=connection, kind=WritebackKind.CREATE_APPLICATION, payload={}, candidate=candidate, job=job
    )
    assert writeback_preview(again)["calls"] == []
    sandbox.reset_counts()
    process(connection)
    assert succeeded(again).response == {"deduped": True, "application": created["id"]}
    assert sandbox.request_counts()["total"] == 0


def test_a_retried_application_is_created_once(sandbox, connection):
    candidate = an_application(connection, 4).candidate
    job = another_job(connection, candidate)
    action = application_create_in_lever(candidate=candidate, job=job, requested_by=None)
    process(connection)
    as_if_the_worker_died(action)
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    assert posts(sandbox) == 0 and succeeded(action).response["recovered"] is True
    with lever(sandbox) as client:
        theirs = list(client.iter_opportunities(contact_id=candidate.remote_id, posting_id=job.remote_id))
    assert len(theirs) == 1


# -- job updates ---------------------------------------------------------------------------------------


def test_a_job_update_changes_only_the_given_fields_of_the_posting(sandbox, connection):
    job = Job.objects.for_connection(connection).alive().filter(workplace_type="unspecified").first()
    before = job.department
    action = job_update_in_lever(
        job=job,
        changes={
            "name": "Staff Platform Engineer",
            "description_html": "<div>Build <b>the platform</b></div>",
            "requirement_lists": [{"text": "You have", "items": ["Python & Django", "<3 for tests"]}],
            "team": "Core",
            "location": "Lisbon",
            "workplace_type": "remote",
            "salary": {"min": 90000, "max": 120000, "currency": "EUR", "interval": "per-year-salary"},
            "state": "internal",
        },
        requested_by=None,
    )
    assert process(connection) == {"succeeded": 1}
    assert succeeded(action).request["calls"][0]["method"] == "POST"
    with lever(sandbox) as client:
        posting = client.get_posting(job.remote_id)
    assert posting["text"] == "Staff Platform Engineer" and posting["state"] == "internal"
    assert posting["content"]["lists"] == [
        {"text": "You have", "content": "<li>Python &amp; Django</li><li>&lt;3 for tests</li>"}
    ]
    assert posting["categories"]["team"] == "Core" and posting["categories"]["department"] == before
    job.refresh_from_db()
    assert (job.name, job.team, job.location, job.workplace_type) == (
        "Staff Platform Engineer",
        "Core",
        "Lisbon",
        "remote",
    )
    assert job.requirement_lists == [{"text": "You have", "items": ["Python & Django", "<3 for tests"]}]
    assert (job.salary_min, job.salary_currency, job.status) == (90000, "EUR", "internal")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"salary": {"min": 1, "max": 2, "currency": "EUR"}}, "missing interval"),
        ({"description_html": "<script>x()</script>"}, "<script> is not allowed"),
        ({"state": "archived"}, "state must be one of"),
    ],
)
def test_a_job_update_lever_would_refuse_is_parked_with_the_reason(connection, payload, message):
    job = Job.objects.for_connection(connection).alive().first()
    action = writeback_enqueue(connection=connection, kind=WritebackKind.UPDATE_JOB, payload=payload, job=job)
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert action.status == WritebackStatus.FAILED and message in action.last_error


def test_the_preview_of_an_upload_shows_the_call_and_sends_nothing(sandbox, connection):
    application = an_application(connection)
    action = attachment_add(application=application, file=pdf(), requested_by=None)
    WritebackAction.objects.filter(pk=action.pk).update(status=WritebackStatus.AWAITING_APPROVAL)
    sandbox.reset_counts()
    preview = writeback_preview(action)
    assert preview["calls"] == [
        {
            "method": "POST",
            "path": f"/opportunities/{application.remote_id}/files",
            "params": {"perform_as": connection.writeback_user.remote_id},
            "file": "file",
        }
    ]
    assert sandbox.request_counts()["total"] == 0
