"""The write-back services of candidates and applications: what they enqueue and what they refuse."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.roles import Role
from apps.candidates import services
from apps.candidates.models import Candidate, ReasonType
from apps.integrations.models import ConnectionStatus, WritebackKind, WritebackSource, WritebackStatus
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.candidates.factories import ApplicationFactory, CandidateFactory, RejectionReasonFactory
from tests.integrations.factories import AtsUserFactory, ConnectionFactory
from tests.jobs.factories import JobFactory, StageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection():
    connection = ConnectionFactory()
    connection.writeback_user = AtsUserFactory(connection=connection)
    connection.save()
    return connection


@pytest.fixture
def application(connection):
    return ApplicationFactory(connection=connection)


def cv(name="cv.pdf", body=b"%PDF-1.4 cv"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_tags_notes_stages_rejections_and_unarchive_enqueue_their_action(connection, application):
    recruiter = UserFactory()
    MembershipFactory(workspace=connection.workspace, user=recruiter, role=Role.RECRUITER)
    stage = StageFactory(connection=connection)
    reason = RejectionReasonFactory(connection=connection)
    actions = [
        services.application_add_tag(application=application, tag=" Tier 1 ", requested_by=recruiter),
        services.application_remove_tag(application=application, tag="Tier 2", requested_by=None),
        services.application_add_note(
            application=application, text="Strong", secret=True, score=4, requested_by=None
        ),
        services.application_move_stage(application=application, stage=stage, requested_by=None),
        services.application_reject(
            application=application, reason=reason, clean_interviews=True, requested_by=None
        ),
        services.application_unarchive(
            application=application, requested_by=None, source=WritebackSource.AUTOMATION
        ),
    ]
    assert [(a.kind, a.payload) for a in actions] == [
        (WritebackKind.ADD_TAG, {"tag": "Tier 1"}),
        (WritebackKind.REMOVE_TAG, {"tag": "Tier 2"}),
        (WritebackKind.ADD_NOTE, {"text": "Strong", "secret": True, "score": 4}),
        (WritebackKind.MOVE_STAGE, {"stage_id": stage.remote_id, "stage_name": stage.name}),
        (
            WritebackKind.REJECT,
            {"reason_id": reason.remote_id, "reason_name": reason.name, "clean_interviews": True},
        ),
        (WritebackKind.UNARCHIVE, {}),
    ]
    assert {a.target_key for a in actions} == {f"application:{application.pk}"}
    assert actions[0].requested_by == recruiter and actions[-1].source == WritebackSource.AUTOMATION


def test_the_same_idempotency_key_returns_the_first_action(application):
    first = services.application_add_tag(
        application=application, tag="x", requested_by=None, idempotency_key="form-1"
    )
    again = services.application_add_tag(
        application=application, tag="x", requested_by=None, idempotency_key="form-1"
    )
    assert first.pk == again.pk


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda a: services.application_add_tag(application=a, tag="  ", requested_by=None),
            "tag is required",
        ),
        (lambda a: services.application_add_tag(application=a, tag="x" * 256, requested_by=None), "too long"),
        (
            lambda a: services.application_add_note(application=a, text="x", score=5, requested_by=None),
            "1 to 4",
        ),
        (
            lambda a: services.application_add_note(application=a, text="", requested_by=None),
            "note is required",
        ),
        (
            lambda a: services.application_add_tag(application=a, tag="x", requested_by=None, source="bogus"),
            "Unknown write-back source",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(application, call, message):
    with pytest.raises(ValidationError, match=message):
        call(application)


def test_targets_not_in_lever_deleted_or_disconnected_are_refused(connection, application):
    local = ApplicationFactory(connection=connection, remote_id=None)
    with pytest.raises(ValidationError, match="not in Lever yet"):
        services.application_add_tag(application=local, tag="x", requested_by=None)
    gone = ApplicationFactory(connection=connection, remote_deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="deleted in Lever"):
        services.application_unarchive(application=gone, requested_by=None)
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()
    application.refresh_from_db()
    with pytest.raises(ValidationError, match="disconnected"):
        services.application_add_tag(application=application, tag="x", requested_by=None)


def test_stages_reasons_and_requesters_of_another_workspace_are_refused(application):
    with pytest.raises(ValidationError, match="another workspace"):
        services.application_move_stage(application=application, stage=StageFactory(), requested_by=None)
    with pytest.raises(ValidationError, match="another workspace"):
        services.application_reject(
            application=application, reason=RejectionReasonFactory(), requested_by=None
        )
    with pytest.raises(ValidationError, match="not a member"):
        services.application_add_tag(application=application, tag="x", requested_by=UserFactory())


def test_a_rejection_needs_an_active_rejection_reason(connection, application):
    hired = RejectionReasonFactory(connection=connection, reason_type=ReasonType.HIRED, name="Hired")
    with pytest.raises(ValidationError, match="hired reason"):
        services.application_reject(application=application, reason=hired, requested_by=None)
    old = RejectionReasonFactory(connection=connection, is_active=False)
    with pytest.raises(ValidationError, match="no longer in use"):
        services.application_reject(application=application, reason=old, requested_by=None)


def test_an_attachment_goes_to_an_application_or_a_candidate(connection, application):
    on_application = services.attachment_add(application=application, file=cv(), requested_by=None)
    assert on_application.payload == {
        "file_name": "cv.pdf",
        "content_type": "application/pdf",
        "size": 11,
        "on": "application",
    }
    assert on_application.file.read() == b"%PDF-1.4 cv"
    on_candidate = services.attachment_add(candidate=application.candidate, file=cv(), requested_by=None)
    assert (on_candidate.application, on_candidate.candidate) == (None, application.candidate)
    assert on_candidate.target_key == f"candidate:{application.candidate.pk}"


def test_attachments_lever_would_refuse_are_refused(connection, application):
    with pytest.raises(ValidationError, match="accepts doc, docx"):
        services.attachment_add(application=application, file=cv("run.exe"), requested_by=None)
    with pytest.raises(ValidationError, match="empty"):
        services.attachment_add(application=application, file=cv(body=b""), requested_by=None)
    lonely = CandidateFactory(connection=connection)
    with pytest.raises(ValidationError, match="no opportunity in Lever"):
        services.attachment_add(candidate=lonely, file=cv(), requested_by=None)
    with pytest.raises(ValidationError, match="another candidate"):
        services.attachment_add(candidate=lonely, application=application, file=cv(), requested_by=None)
    connection.writeback_user = None
    connection.save()
    application.refresh_from_db()
    with pytest.raises(ValidationError, match="No Lever user"):
        services.attachment_add(application=application, file=cv(), requested_by=None)


def test_a_result_link_keeps_label_url_and_details(application):
    action = services.result_link_add(
        application=application,
        label=" Coding test ",
        url="assess.example/r/1",
        details={"score": 87, "passed": True},
        requested_by=None,
    )
    assert action.kind == WritebackKind.ADD_RESULT_LINK
    assert action.payload == {
        "label": "Coding test",
        "url": "https://assess.example/r/1",
        "details": [["score", "87"], ["passed", "True"]],  # ordered pairs on every database
        "on": "application",
    }
    with pytest.raises(ValidationError, match="not a web address"):
        services.result_link_add(
            application=application, label="x", url="javascript:alert(1)", requested_by=None
        )
    with pytest.raises(ValidationError, match="single value"):
        services.result_link_add(
            application=application, label="x", url="https://a.example", details={"k": [1]}, requested_by=None
        )


def test_a_candidate_create_from_a_local_row_and_data(connection):
    job = JobFactory(connection=connection)
    stage = StageFactory(connection=connection)
    sourcer = AtsUserFactory(connection=connection)
    local = Candidate.objects.create(
        workspace=connection.workspace,
        name="Ada Lovelace",
        email="ada@example.com",
        emails=["ada@example.com", "a@l.io"],
        phones=[{"type": "mobile", "value": "+44 1"}],
        linkedin_url="https://www.linkedin.com/in/ada-l",
        links=["https://www.linkedin.com/in/ada-l", "https://ada.dev"],
        current_title="Analyst",
        current_company="Engines",
    )
    action = services.candidate_create_in_lever(
        candidate=local,
        data={"tags": ["Math"], "location": "London"},
        job=job,
        stage=stage,
        sourced_by=sourcer,
        resume=cv(),
        requested_by=None,
    )
    assert action.payload == {
        "name": "Ada Lovelace",
        "emails": ["ada@example.com", "a@l.io"],
        "phones": [{"type": "mobile", "value": "+44 1"}],
        "links": ["https://ada.dev"],
        "linkedin_url": "https://www.linkedin.com/in/ada-l",
        "location": "London",
        "headline": "Analyst at Engines",
        "title": "Analyst",
        "company": "Engines",
        "tags": ["Math"],
        "origin": "sourced",
        "posting_id": job.remote_id,
        "stage_id": stage.remote_id,
        "sourced_by": sourcer.remote_id,
        "file_name": "cv.pdf",
        "content_type": "application/pdf",
        "size": 11,
    }
    assert (action.candidate, action.job, action.target_key) == (local, job, f"candidate:{local.pk}")
    assert action.status == WritebackStatus.PENDING


def test_creates_of_one_person_without_a_local_row_share_a_target_key(connection):
    first = services.candidate_create_in_lever(
        data={"name": "Bo", "emails": ["BO@example.com"]}, connection=connection, requested_by=None
    )
    second = services.candidate_create_in_lever(
        data={"name": "Bo", "emails": ["bo@example.com "]}, connection=connection, requested_by=None
    )
    other = services.candidate_create_in_lever(
        data={"name": "Cy", "linkedin_url": "linkedin.com/in/cy"}, connection=connection, requested_by=None
    )
    assert first.target_key == second.target_key != other.target_key
    assert first.target_key.startswith("person:") and other.target_key.startswith("person:")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"emails": ["a@b.co"]}, "name is required"),
        ({"name": "A", "emails": ["not-an-email"]}, "not an email address"),
        ({"name": "A", "emails": "a@b.co"}, "as a list"),
        ({"name": "A", "linkedin_url": "https://linkedin.com/company/acme"}, "not a LinkedIn profile"),
        ({"name": "A", "phones": [{"type": "pager", "value": "1"}]}, "Unknown phone type"),
        ({"name": "A", "origin": "magic"}, "Unknown origin"),
        ({"name": "A", "nickname": "Al"}, "Unknown candidate field"),
        ({"name": "A", "links": ["not a url"]}, "not a web address"),
    ],
)
def test_a_candidate_create_refuses_bad_data(connection, data, message):
    with pytest.raises(ValidationError, match=message):
        services.candidate_create_in_lever(data=data, connection=connection, requested_by=None)


def test_a_candidate_create_refuses_what_cannot_work(connection):
    in_lever = CandidateFactory(connection=connection)
    with pytest.raises(ValidationError, match="already in Lever"):
        services.candidate_create_in_lever(candidate=in_lever, requested_by=None)
    with pytest.raises(ValidationError, match="not connected"):
        services.candidate_create_in_lever(data={"name": "A"}, requested_by=None)
    with pytest.raises(ValidationError, match="another workspace"):
        services.candidate_create_in_lever(
            data={"name": "A"}, connection=connection, stage=StageFactory(), requested_by=None
        )
    inactive = AtsUserFactory(connection=connection, deactivated_at=timezone.now())
    with pytest.raises(ValidationError, match="deactivated"):
        services.candidate_create_in_lever(
            data={"name": "A"}, connection=connection, sourced_by=inactive, requested_by=None
        )


def test_an_application_create_needs_a_lever_candidate_and_a_new_job(connection, application):
    job = JobFactory(connection=connection)
    action = services.application_create_in_lever(
        candidate=application.candidate, job=job, origin="referred", requested_by=None
    )
    assert (action.kind, action.payload, action.target_key) == (
        WritebackKind.CREATE_APPLICATION,
        {"origin": "referred"},
        f"candidate:{application.candidate.pk}",
    )
    with pytest.raises(ValidationError, match="already has an application"):
        services.application_create_in_lever(
            candidate=application.candidate, job=application.job, requested_by=None
        )
    local = Candidate.objects.create(workspace=connection.workspace, name="Local")
    with pytest.raises(ValidationError, match="Choose a candidate|not in Lever yet"):
        services.application_create_in_lever(candidate=local, job=job, requested_by=None)
    with pytest.raises(ValidationError, match="another workspace"):
        services.application_create_in_lever(
            candidate=application.candidate, job=JobFactory(), requested_by=None
        )


def test_connecting_a_local_row_when_the_mirror_has_no_such_person(connection):
    local = Candidate.objects.create(workspace=connection.workspace, name="Local")
    result = services.candidate_connect_to_lever(candidate=local, connection=connection, contact_id="c-1")
    local.refresh_from_db()
    assert result == {"result": "connected", "candidate": local.pk}
    assert (local.connection, local.remote_id) == (connection, "c-1")
