"""Adding a candidate in Recruitdesk: checks, local rows, duplicate matching, and the export lifecycle."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.candidates import sourcing_checks
from apps.candidates.models import (
    Application,
    Attachment,
    Candidate,
    CandidateExport,
    ExportCause,
    ExportStatus,
)
from apps.candidates.sourcing import (
    NewCandidate,
    candidate_add,
    candidate_export,
    duplicates_in_workspace,
    export_add_to_job,
    export_skip,
    exports_settle,
)
from apps.integrations.models import WritebackAction, WritebackKind, WritebackSource, WritebackStatus
from apps.lever_sandbox.documents import render_docx, render_pdf
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db


def pdf(name="ada.pdf", text="Python and distributed systems"):
    return SimpleUploadedFile(name, render_pdf([("title", "Ada"), ("text", text)]), "application/pdf")


def docx(name="ada.docx"):
    content = render_docx([("title", "Grace"), ("text", "Rust and Kubernetes")])
    return SimpleUploadedFile(name, content, "application/octet-stream")


def add(cast, **options):
    new = options.pop("new", None) or NewCandidate(name="Ada Lovelace", emails=("ada@new.example",))
    options.setdefault("requested_by", cast.recruiter)
    return candidate_add(workspace=cast.workspace, new=new, **options)


@pytest.fixture
def lever_user(cast):
    """The recruiter's own Lever user, so their exports can be attributed (perform_as)."""
    return AtsUserFactory(connection=cast.connection, email=cast.recruiter.email, name="Rita Recruiter")


# -- adding ---------------------------------------------------------------------------------------------------


def test_a_new_person_exists_locally_at_once_with_their_application_and_resume(cast, lever_user):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    new = NewCandidate(
        first_name="Ada",
        last_name="Lovelace",
        emails=(" ADA@New.Example ", "ada@home.example"),
        phones=("+44 20 7946 0000",),
        linkedin_url="www.linkedin.com/in/ada-lovelace/",
        links=("github.com/ada",),
        city="London",
        country="United Kingdom",
        current_title="Analyst",
        current_company="Analytical Engines",
        source="Conference",
        tags=("Math", "Math", "Poetry"),
    )
    result = add(cast, new=new, job=job_stage.job, stage=job_stage.stage, sourced_by=lever_user, resume=pdf())
    candidate = Candidate.objects.get(pk=result.candidate.pk)
    assert candidate.remote_id is None and candidate.connection is None
    assert (candidate.name, candidate.email, candidate.emails) == (
        "Ada Lovelace",
        "ada@new.example",
        ["ada@new.example", "ada@home.example"],
    )
    assert candidate.phones == [{"value": "+44 20 7946 0000"}]
    assert candidate.linkedin_url == "https://www.linkedin.com/in/ada-lovelace/"
    assert candidate.links == ["https://github.com/ada", "https://www.linkedin.com/in/ada-lovelace/"]
    assert (candidate.location, candidate.headline) == (
        "London, United Kingdom",
        "Analyst at Analytical Engines",
    )
    assert candidate.sourcing == {
        "source": "Conference",
        "tags": ["Math", "Poetry"],
        "sourced_by": lever_user.pk,
        "added_by": cast.recruiter.pk,
        "via": "ui",
    }
    application = Application.objects.get(candidate=candidate)
    assert (application.job, application.current_stage, application.remote_id) == (
        job_stage.job,
        job_stage.stage,
        None,
    )
    assert (application.sources, application.sourced_by, application.origin) == (
        ["Conference"],
        lever_user,
        "sourced",
    )
    resume = Attachment.objects.get(candidate=candidate)
    assert (resume.kind, resume.name, resume.application) == ("resume", "ada.pdf", application)
    assert "distributed systems" in resume.extracted_text and resume.file
    assert result.export is None and result.waiting_for == "only with the Export to ATS button"


def test_each_bad_value_is_named_by_its_field(cast):
    new = NewCandidate(
        emails=("not-an-email",),
        phones=("call me",),
        linkedin_url="https://example.com/ada",
        links=("javascript:alert(1)",),
        city="x" * 101,
    )
    with pytest.raises(ValidationError) as caught:
        add(cast, new=new)
    errors = caught.value.message_dict
    assert set(errors) == {"name", "emails", "phones", "linkedin_url", "links", "city"}
    assert errors["name"] == ["Enter the person's name."]
    assert "“not-an-email” is not an email address." in errors["emails"]
    assert not Candidate.objects.exists()


def test_name_wins_over_first_and_last_and_a_linkedin_link_becomes_the_profile(cast):
    new = NewCandidate(
        name="Augusta Ada King",
        first_name="Ada",
        last_name="Lovelace",
        links=("https://linkedin.com/in/ada?trk=x", "https://ada.dev"),
    )
    candidate = add(cast, new=new).candidate
    assert candidate.name == "Augusta Ada King"
    assert candidate.linkedin_url == "https://linkedin.com/in/ada?trk=x"
    assert candidate.links == ["https://ada.dev", "https://linkedin.com/in/ada?trk=x"]


def test_a_resume_is_checked_by_its_content_not_its_name(cast):
    text_as_pdf = SimpleUploadedFile("cv.pdf", b"just some text, honestly", "application/pdf")
    with pytest.raises(ValidationError) as caught:
        add(cast, resume=text_as_pdf)
    assert caught.value.message_dict["resume"] == ["The resume must be a PDF or a Word (.docx) document."]
    candidate = add(cast, resume=pdf(name="cv")).candidate  # a PDF without an extension
    assert Attachment.objects.get(candidate=candidate).name == "cv.pdf"
    word = add(cast, new=NewCandidate(name="Grace"), resume=docx(name="grace.bin")).candidate
    stored = Attachment.objects.get(candidate=word)
    assert (stored.name, stored.extension) == ("grace.docx", "docx")
    assert "Rust and Kubernetes" in stored.extracted_text


def test_a_resume_over_10_mb_is_refused(cast, monkeypatch):
    monkeypatch.setattr(sourcing_checks, "MAX_RESUME_BYTES", 100)
    with pytest.raises(ValidationError) as caught:
        add(cast, resume=pdf())
    assert caught.value.message_dict["resume"] == ["The resume is larger than 10 MB."]


def test_the_job_and_stage_must_fit_together_and_the_workspace(cast):
    job = JobFactory(connection=cast.connection)
    other_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    foreign_job = JobFactory(connection=cast.other_connection)
    with pytest.raises(ValidationError) as caught:
        add(cast, job=job, stage=other_stage.stage)
    assert "stage" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        add(cast, stage=other_stage.stage)
    assert caught.value.message_dict["stage"] == ["Choose the job this stage belongs to."]
    with pytest.raises(ValidationError) as caught:
        add(cast, job=foreign_job)
    assert caught.value.message_dict["job"] == ["Choose a job of this workspace."]
    inactive = AtsUserFactory(connection=cast.connection, deactivated_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        add(cast, sourced_by=inactive)
    assert "sourced_by" in caught.value.message_dict


# -- duplicates -------------------------------------------------------------------------------------------------


def test_an_email_in_another_case_with_spaces_matches(cast):
    person = CandidateFactory(connection=cast.connection, email="ada@example.org", emails=["ada@example.org"])
    [match] = duplicates_in_workspace(cast.workspace, NewCandidate(emails=("  ADA@Example.ORG ",)))
    assert (match.candidate, match.remote_contact_id, match.reason) == (
        person,
        person.remote_id,
        "same email ada@example.org",
    )
    assert match.in_lever and match.name == person.name


def test_a_secondary_email_matches(cast):
    person = CandidateFactory(
        connection=cast.connection, email="a@x.example", emails=["a@x.example", "b@y.example"]
    )
    [match] = duplicates_in_workspace(cast.workspace, NewCandidate(emails=("B@Y.example",)))
    assert match.candidate == person and match.reason == "same email b@y.example"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://www.linkedin.com/in/ada-lovelace",
        "http://linkedin.com/in/ada-lovelace/",
        "linkedin.com/in/Ada-Lovelace?trk=people-search#about",
        "https://uk.linkedin.com/in/ada-lovelace/en",
        "www.linkedin.com/in/ada-lovelace/de-de/",
    ],
)
def test_a_linkedin_url_in_another_spelling_matches(cast, spelling):
    person = CandidateFactory(
        connection=cast.connection,
        linkedin_url="https://www.linkedin.com/in/ada-lovelace/",
        links=["https://www.linkedin.com/in/ada-lovelace/"],
    )
    [match] = duplicates_in_workspace(cast.workspace, NewCandidate(linkedin_url=spelling))
    assert match.candidate == person
    assert match.reason == "same LinkedIn profile linkedin.com/in/ada-lovelace"
    [also] = duplicates_in_workspace(cast.workspace, NewCandidate(links=(spelling,)))
    assert also.candidate == person


def test_nobody_else_matches(cast):
    CandidateFactory(connection=cast.connection, email="ada@example.org", linkedin_url="linkedin.com/in/ada")
    CandidateFactory(connection=cast.other_connection, email="grace@example.org")
    CandidateFactory(connection=cast.connection, email="gone@example.org", remote_deleted_at=timezone.now())
    CandidateFactory(connection=cast.connection, email="anon@example.org", is_anonymized=True)
    for new in [
        NewCandidate(emails=("ada@example.com",)),
        NewCandidate(linkedin_url="linkedin.com/in/ada-2"),
        NewCandidate(emails=("grace@example.org", "gone@example.org", "anon@example.org")),
        NewCandidate(name="Ada"),
    ]:
        assert duplicates_in_workspace(cast.workspace, new) == []


def test_people_in_lever_come_before_local_ones(cast):
    local = add(cast).candidate
    mirrored = CandidateFactory(connection=cast.connection, email="ada@new.example")
    matches = duplicates_in_workspace(cast.workspace, NewCandidate(emails=("ada@new.example",)))
    assert [m.candidate for m in matches] == [mirrored, local]
    assert [m.in_lever for m in matches] == [True, False]


# -- exporting ---------------------------------------------------------------------------------------------------


def test_a_mirror_match_queues_nothing_and_says_who_and_why(cast, lever_user):
    person = CandidateFactory(connection=cast.connection, email="ada@example.org", name="Ada in Lever")
    job = JobFactory(connection=cast.connection)
    result = add(cast, new=NewCandidate(name="Ada", emails=("Ada@Example.org",)), job=job, export=True)
    assert [m.candidate for m in result.duplicates] == [person]
    export = result.export
    assert (export.status, export.matched_candidate, export.matched_contact_id) == (
        ExportStatus.DUPLICATE,
        person,
        person.remote_id,
    )
    assert export.match_reason == "same email ada@example.org"
    assert export.message == "Not exported: Ada in Lever is already in Lever (same email ada@example.org)."
    assert export.can_resolve and export.action is None
    assert not WritebackAction.objects.exists()


def test_the_button_queues_one_create_with_the_sourcing_data(cast, lever_user):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    new = NewCandidate(name="Ada", emails=("ada@new.example",), source="Meetup", tags=("Math",))
    result = add(cast, new=new, job=job_stage.job, stage=job_stage.stage, sourced_by=lever_user, resume=pdf())
    assert result.export is None  # the job never exports on its own
    export = candidate_export(candidate=result.candidate, requested_by=cast.recruiter, token="press-1")
    assert (export.status, export.trigger, export.job, export.application) == (
        ExportStatus.PENDING,
        ExportCause.MANUAL,
        job_stage.job,
        result.application,
    )
    action = export.action
    assert (action.kind, action.source, action.candidate, action.idempotency_key) == (
        WritebackKind.CREATE_CANDIDATE,
        WritebackSource.UI,
        result.candidate,
        f"export:{export.pk}",
    )
    payload = action.payload
    assert (payload["posting_id"], payload["stage_id"], payload["sourced_by"]) == (
        job_stage.job.remote_id,
        job_stage.stage.remote_id,
        lever_user.remote_id,
    )
    assert (payload["sources"], payload["tags"], payload["emails"]) == (
        ["Meetup"],
        ["Math"],
        ["ada@new.example"],
    )
    assert payload["file_name"] == "ada.pdf" and action.file
    assert export.message == "Queued for Lever."
    # The same press again, or another press while this one is pending: still one export.
    assert (
        candidate_export(candidate=result.candidate, requested_by=cast.recruiter, token="press-1") == export
    )
    assert (
        candidate_export(candidate=result.candidate, requested_by=cast.recruiter, token="press-2") == export
    )
    assert CandidateExport.objects.count() == 1 and WritebackAction.objects.count() == 1


def test_a_lead_is_exported_without_a_job(cast, lever_user):
    candidate = add(cast).candidate
    export = candidate_export(candidate=candidate, requested_by=cast.recruiter)
    assert export.job is None and "posting_id" not in export.action.payload


def test_an_export_that_cannot_be_queued_fails_with_the_reason(cast):
    cast.connection.delete()  # the workspace is not connected to Lever any more
    export = candidate_export(candidate=add(cast).candidate, requested_by=cast.recruiter)
    assert export.status == ExportStatus.FAILED
    assert export.message == "This workspace is not connected to Lever."


def test_a_person_in_lever_has_nothing_to_export(cast):
    with pytest.raises(ValidationError):
        candidate_export(candidate=CandidateFactory(connection=cast.connection), requested_by=cast.recruiter)


# -- settling ----------------------------------------------------------------------------------------------------


def finish(export, status, **fields):
    WritebackAction.objects.filter(pk=export.action_id).update(
        status=status, completed_at=timezone.now(), **fields
    )
    [settled] = exports_settle(CandidateExport.objects.filter(pk=export.pk))
    return settled


def test_a_created_person_is_exported(cast, lever_user):
    export = candidate_export(candidate=add(cast).candidate, requested_by=cast.recruiter)
    assert exports_settle([export])[0].status == ExportStatus.PENDING  # still in the outbox
    settled = finish(export, WritebackStatus.SUCCEEDED, response={"deduped": False, "matched_by": None})
    assert (settled.status, settled.message) == (ExportStatus.EXPORTED, "Created in Lever.")
    assert settled.finished_at is not None


def test_a_failed_write_back_keeps_levers_message(cast, lever_user):
    export = candidate_export(candidate=add(cast).candidate, requested_by=cast.recruiter)
    settled = finish(export, WritebackStatus.FAILED, last_error="Posting not found: abc")
    assert (settled.status, settled.message) == (ExportStatus.FAILED, "Posting not found: abc")


def test_a_person_the_worker_found_in_lever_is_a_duplicate_with_why(cast, lever_user):
    candidate = add(cast, new=NewCandidate(name="Ada", emails=("ada@new.example",))).candidate
    export = candidate_export(candidate=candidate, requested_by=cast.recruiter)
    response = {"deduped": True, "matched_by": "email", "found_in": "lever", "contact": "contact-1"}
    settled = finish(export, WritebackStatus.SUCCEEDED, response=response)
    assert settled.status == ExportStatus.DUPLICATE
    assert (settled.matched_candidate, settled.matched_contact_id, settled.match_reason) == (
        candidate,
        "contact-1",
        "same email ada@new.example",
    )
    assert settled.message.startswith("Lever already had this person (same email ada@new.example)")
    assert not settled.can_resolve  # the worker already put them where they belong


# -- resolving a duplicate -------------------------------------------------------------------------------------


def duplicate_export(cast):
    person = CandidateFactory(connection=cast.connection, email="ada@example.org", name="Ada in Lever")
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    result = add(
        cast,
        new=NewCandidate(name="Ada", emails=("ada@example.org",)),
        job=job_stage.job,
        stage=job_stage.stage,
        resume=pdf(),
        export=True,
    )
    return person, result


def test_add_to_this_job_instead_puts_the_person_found_on_the_job(cast, lever_user):
    person, result = duplicate_export(cast)
    export = export_add_to_job(export=result.export, requested_by=cast.recruiter)
    assert (export.status, export.candidate) == (ExportStatus.PENDING, person)
    action = export.action
    assert (action.kind, action.candidate, action.job) == (
        WritebackKind.CREATE_APPLICATION,
        person,
        result.application.job,
    )
    assert action.payload["stage_id"] == result.application.current_stage.remote_id
    # The local row joined the person it duplicates, with its resume; Lever's application replaces the local one.
    assert not Candidate.objects.filter(pk=result.candidate.pk).exists()
    assert not Application.objects.filter(pk=result.application.pk).exists()
    assert Attachment.objects.get(name="ada.pdf").candidate == person
    settled = finish(export, WritebackStatus.SUCCEEDED, response={"id": "opp"})
    assert settled.status == ExportStatus.EXPORTED
    assert (
        settled.message == f"Added to {result.application.job.name} on Ada in Lever's existing Lever profile."
    )


def test_the_local_application_gives_way_to_the_one_lever_made(cast, lever_user):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    result = add(cast, job=job_stage.job, stage=job_stage.stage, resume=pdf(), export=True)
    candidate = result.candidate
    # As the worker leaves it: the local row connected to the contact, Lever's application mirrored.
    Candidate.objects.filter(pk=candidate.pk).update(connection=cast.connection, remote_id="contact-1")
    candidate.refresh_from_db()
    mirrored = ApplicationFactory(connection=cast.connection, candidate=candidate, job=job_stage.job)
    finish(result.export, WritebackStatus.SUCCEEDED, response={"matched_by": None, "contact": "contact-1"})
    assert list(candidate.applications.all()) == [mirrored]
    assert Attachment.objects.get(name="ada.pdf").application == mirrored
    assert CandidateExport.objects.get().application == mirrored


def test_skip_leaves_the_duplicate_out_of_lever(cast, lever_user):
    _, result = duplicate_export(cast)
    export = export_skip(export=result.export, by=cast.recruiter)
    assert export.status == ExportStatus.SKIPPED
    assert (
        export.message == "Skipped by recruiter@acme.example: not sent to Lever (same email ada@example.org)."
    )
    with pytest.raises(ValidationError):
        export_add_to_job(export=export, requested_by=cast.recruiter)
    assert not WritebackAction.objects.exists()
