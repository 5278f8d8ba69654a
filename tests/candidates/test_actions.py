"""Recruiter actions without HTTP: one action, bulk batches, skip reasons, idempotency, rescoring."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import WritebackApproval
from apps.candidates import actions
from apps.candidates.actions import Action
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.outbox import BULK_THRESHOLD
from apps.scoring.models import Score
from tests.candidates.factories import ApplicationFactory, RejectionReasonFactory, TagFactory
from tests.jobs.factories import JobFactory, JobStageFactory, StageFactory
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(cast):
    """A job with three stages in order (Applied → Phone Screen → Onsite) and a second job without Onsite."""
    job = JobFactory(connection=cast.connection, name="Backend Engineer")
    other_job = JobFactory(connection=cast.connection, name="Designer")
    stages = [
        StageFactory(connection=cast.connection, name=name, global_index=index)
        for index, name in enumerate(["Applied", "Phone Screen", "Onsite"])
    ]
    for position, stage in enumerate(stages):
        JobStageFactory(job=job, stage=stage, position=position)
    for position, stage in enumerate(stages[:2]):
        JobStageFactory(job=other_job, stage=stage, position=position)
    return job, other_job, stages


def applied(cast, job, stage, **fields):
    return ApplicationFactory(connection=cast.connection, job=job, current_stage=stage, **fields)


def bulk(cast, applications, action, values, **options):
    options.setdefault("requested_by", cast.recruiter)
    return actions.applications_bulk_apply(
        workspace=cast.workspace,
        application_ids=[getattr(a, "pk", a) for a in applications],
        action=action,
        values=values,
        **options,
    )


# -- what a job offers ------------------------------------------------------------------------------------


def test_pipeline_stages_come_in_order_and_the_next_one_is_suggested(pipeline):
    job, _, (applied_stage, phone, onsite) = pipeline
    stages = actions.pipeline_stages(job)
    assert stages == [applied_stage, phone, onsite]
    assert actions.next_stage(stages, applied_stage) == phone
    assert actions.next_stage(stages, onsite) is None  # nothing after the last stage: ask
    assert actions.next_stage(stages, None) == applied_stage
    assert actions.pipeline_stages(None) == []


def test_only_active_not_hired_reasons_of_the_connection_are_offered(cast):
    good = RejectionReasonFactory(connection=cast.connection, name="Underqualified")
    RejectionReasonFactory(connection=cast.connection, name="Hired", reason_type="hired")
    RejectionReasonFactory(connection=cast.connection, name="Old reason", is_active=False)
    RejectionReasonFactory(connection=cast.other_connection, name="Globex reason")
    assert actions.rejection_reasons(cast.workspace, cast.connection.pk) == [good]


# -- one action -----------------------------------------------------------------------------------------


def test_one_move_enqueues_the_stage_with_its_name(cast, pipeline):
    job, _, (first, phone, _) = pipeline
    application = applied(cast, job, first)
    action = actions.application_action_perform(
        application=application, action=Action.MOVE, values={"stage": phone}, requested_by=cast.recruiter
    )
    assert action.kind == WritebackKind.MOVE_STAGE and action.application == application
    assert action.payload == {"stage_id": phone.remote_id, "stage_name": "Phone Screen"}
    assert action.requested_by == cast.recruiter and action.batch_id is None


def test_one_action_is_refused_with_a_sentence(cast, pipeline):
    job, _, (first, phone, _) = pipeline
    application = applied(cast, job, phone)
    with pytest.raises(ValidationError) as refused:
        actions.application_action_perform(
            application=application, action=Action.MOVE, values={"stage": phone}, requested_by=cast.recruiter
        )
    assert refused.value.messages == ["Already in Phone Screen."]
    assert not WritebackAction.objects.exists()


def test_the_same_form_token_returns_the_first_action_even_after_it_went_out(cast, pipeline):
    job, _, (first, phone, _) = pipeline
    application = applied(cast, job, first)
    token = uuid.uuid4()
    options = {"application": application, "action": Action.MOVE, "values": {"stage": phone}}
    one = actions.application_action_perform(**options, requested_by=cast.recruiter, form_token=token)
    # The worker moved it: the resubmitted form must still answer with the first action, not an error.
    application.current_stage = phone
    application.save()
    again = actions.application_action_perform(**options, requested_by=cast.recruiter, form_token=token)
    assert again == one and WritebackAction.objects.count() == 1


def test_the_same_form_token_with_other_content_is_another_action(cast, pipeline):
    job, _, (first, _, _) = pipeline
    application = applied(cast, job, first)
    token = uuid.uuid4()
    for tag in ("Tier 1", "Referral"):
        actions.application_action_perform(
            application=application,
            action=Action.TAG_ADD,
            values={"tag": tag},
            requested_by=cast.recruiter,
            form_token=token,
        )
    assert sorted(a.payload["tag"] for a in WritebackAction.objects.all()) == ["Referral", "Tier 1"]


# -- bulk ---------------------------------------------------------------------------------------------------


def test_a_bulk_tag_is_one_batch_with_a_human_label(cast, pipeline):
    job, _, (first, _, _) = pipeline
    applications = [applied(cast, job, first) for _ in range(3)]
    result = bulk(cast, applications, Action.TAG_ADD, {"tag": "Tier 1"})
    assert result.label == 'Add tag "Tier 1" to 3 applications'
    assert result.summary == "Queued 3 of 3."
    queued = list(WritebackAction.objects.order_by("pk"))
    assert [a.application for a in queued] == applications
    assert {a.batch_id for a in queued} == {result.batch_id} and result.batch_id is not None
    assert {a.batch_label for a in queued} == {result.label}
    assert {(a.kind, a.payload["tag"], a.status) for a in queued} == {
        (WritebackKind.ADD_TAG, "Tier 1", WritebackStatus.PENDING)
    }


def test_a_bulk_move_says_why_each_skipped_application_was_skipped(cast, pipeline):
    job, other_job, (first, phone, onsite) = pipeline
    ok = applied(cast, job, first, candidate__name="Ada Lovelace")
    there = applied(cast, job, onsite, candidate__name="Already There")
    rejected = applied(cast, job, first, outcome="rejected", candidate__name="Rejected Person")
    local = applied(cast, job, first, remote_id=None, candidate__name="Local Only")
    designer = applied(cast, other_job, first, candidate__name="Design Person")
    gone = applied(cast, job, first, remote_deleted_at=timezone.now(), candidate__name="Gone Person")
    lead = ApplicationFactory(connection=cast.connection, job=None, candidate__name="A Lead")
    result = bulk(cast, [ok, there, rejected, local, designer, gone, lead], Action.MOVE, {"stage": onsite})
    assert result.summary == "Queued 1 of 7; 6 skipped."
    assert result.label == "Move 1 application to Onsite"
    reasons = {skip.application.candidate.name: skip.reason for skip in result.skipped}
    assert reasons == {
        "Already There": "already in Onsite",
        "Rejected Person": "already archived (rejected)",
        "Local Only": "not in Lever yet",
        "Design Person": "Onsite is not in the Designer pipeline",
        "Gone Person": "deleted in Lever",
        "A Lead": "a lead: no job pipeline to move in",
    }
    (action,) = result.actions
    assert action.application == ok
    assert action.payload == {"stage_id": onsite.remote_id, "stage_name": "Onsite"}


def test_a_bulk_action_never_touches_another_workspace(cast, pipeline):
    job, _, (first, _, _) = pipeline
    mine = applied(cast, job, first)
    theirs = ApplicationFactory(connection=cast.other_connection)
    result = bulk(cast, [mine, theirs, 999_999], Action.NOTE, {"text": "Great call", "secret": False})
    assert [a.application for a in result.actions] == [mine]
    assert [(s.pk, s.reason, s.application) for s in result.skipped] == [
        (theirs.pk, "not found in this workspace", None),
        (999_999, "not found in this workspace", None),
    ]
    assert not WritebackAction.objects.filter(application=theirs).exists()
    assert not WritebackAction.objects.filter(workspace=cast.other_workspace).exists()


def test_a_bulk_reject_carries_the_reason_and_the_interview_choice(cast, pipeline):
    job, _, (first, _, _) = pipeline
    reason = RejectionReasonFactory(connection=cast.connection, name="Underqualified")
    applications = [applied(cast, job, first) for _ in range(2)]
    result = bulk(cast, applications, Action.REJECT, {"reason": reason, "clean_interviews": True})
    assert result.label == "Reject 2 applications (Underqualified)"
    assert [a.payload for a in result.actions] == [
        {"reason_id": reason.remote_id, "reason_name": "Underqualified", "clean_interviews": True}
    ] * 2
    assert {a.kind for a in result.actions} == {WritebackKind.REJECT}


def test_tags_already_there_or_missing_are_skipped(cast, pipeline):
    job, _, (first, _, _) = pipeline
    tier = TagFactory(connection=cast.connection, name="Tier 1")
    tagged, untagged = applied(cast, job, first), applied(cast, job, first)
    tagged.tags.add(tier)
    added = bulk(cast, [tagged, untagged], Action.TAG_ADD, {"tag": "Tier 1"})
    assert [a.application for a in added.actions] == [untagged]
    assert [s.reason for s in added.skipped] == ["already tagged “Tier 1”"]
    removed = bulk(cast, [tagged, untagged], Action.TAG_REMOVE, {"tag": "Tier 1"})
    assert [a.application for a in removed.actions] == [tagged]
    assert removed.actions[0].kind == WritebackKind.REMOVE_TAG
    assert [s.reason for s in removed.skipped] == ["not tagged “Tier 1”"]
    assert removed.label == 'Remove tag "Tier 1" from 1 application'


@pytest.mark.parametrize(
    ("count", "status"), [(BULK_THRESHOLD, "pending"), (BULK_THRESHOLD + 1, "awaiting_approval")]
)
def test_a_large_batch_waits_for_approval_under_the_bulk_setting(cast, pipeline, count, status):
    cast.workspace.writeback_approval = WritebackApproval.BULK
    cast.workspace.save()
    job, _, (first, _, _) = pipeline
    applications = [applied(cast, job, first) for _ in range(count)]
    result = bulk(cast, applications, Action.TAG_ADD, {"tag": "Tier 1"})
    assert {a.status for a in WritebackAction.objects.all()} == {status}
    assert result.awaiting_approval == (count if status == "awaiting_approval" else 0)
    if status == "awaiting_approval":
        assert result.summary == f"Waiting for approval: {count} of {count}."


def test_a_resubmitted_bulk_form_returns_the_first_batch(cast, pipeline):
    job, _, (first, _, _) = pipeline
    applications = [applied(cast, job, first) for _ in range(3)]
    token = uuid.uuid4()
    one = bulk(cast, applications, Action.NOTE, {"text": "Shortlisted", "secret": True}, form_token=token)
    again = bulk(cast, applications, Action.NOTE, {"text": "Shortlisted", "secret": True}, form_token=token)
    assert WritebackAction.objects.count() == 3
    assert again.actions == one.actions and not again.skipped
    assert {a.payload["secret"] for a in one.actions} == {True}
    assert one.label == "Add a secret note to 3 applications"


def test_refusals_of_the_services_become_skip_reasons(cast, pipeline):
    job, _, (first, _, _) = pipeline
    application = applied(cast, job, first)
    result = bulk(cast, [application], Action.NOTE, {"text": "x" * 10_001, "secret": False})
    assert not result.actions
    assert result.skipped[0].reason == "The note is too long (at most 10000 characters)."


def test_batch_progress_polls_while_something_is_on_its_way(cast, pipeline):
    job, _, (first, _, _) = pipeline
    result = bulk(cast, [applied(cast, job, first) for _ in range(3)], Action.TAG_ADD, {"tag": "A"})
    progress = actions.BatchProgress(result.actions)
    assert progress.polling and progress.counts["on_the_way"] == 3 and progress.batch_id == result.batch_id
    WritebackAction.objects.filter(pk=result.actions[0].pk).update(status=WritebackStatus.FAILED)
    WritebackAction.objects.exclude(pk=result.actions[0].pk).update(status=WritebackStatus.SUCCEEDED)
    progress = actions.BatchProgress(list(WritebackAction.objects.order_by("pk")))
    assert not progress.polling and progress.finished == 3
    assert [a.pk for a in progress.failed] == [result.actions[0].pk]


# -- rescoring ---------------------------------------------------------------------------------------------


def test_a_bulk_rescore_recomputes_scores_in_the_background(cast, django_capture_on_commit_callbacks):
    from apps.scoring.services import score_applications

    job = job_to_score(cast.connection)
    scored = [application_with_resume(cast.connection, job=job) for _ in range(2)]
    lead = ApplicationFactory(connection=cast.connection, job=None)
    score_applications(job.applications.all())
    before = dict(Score.objects.values_list("application_id", "computed_at"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = bulk(cast, [*scored, lead], Action.RESCORE, {})
    assert len(callbacks) == 1  # one task for the whole selection
    assert result.rescored == [a.pk for a in scored] and result.label == "Rescore 2 applications"
    assert [s.reason for s in result.skipped] == ["a lead: no job to score against"]
    after = dict(Score.objects.values_list("application_id", "computed_at"))
    assert all(after[a.pk] > before[a.pk] for a in scored)  # forced: inputs did not change
    assert lead.pk not in after
    assert not WritebackAction.objects.filter(kind__in=[WritebackKind.MOVE_STAGE]).exists()
