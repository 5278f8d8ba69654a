"""The write-back outbox against the Lever sandbox: each action, ordering, failures, approval, leases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import WritebackApproval
from apps.candidates.models import Application, Note, Outcome, ReasonType, RejectionReason, Tag
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import (
    AtsUser,
    ConnectionStatus,
    Environment,
    SyncKind,
    WritebackAction,
    WritebackKind,
    WritebackStatus,
)
from apps.integrations.outbox import (
    writeback_approve,
    writeback_cancel_open,
    writeback_enqueue,
    writeback_preview,
    writeback_process,
    writeback_retry,
)
from apps.jobs.models import Stage
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import UserFactory, WorkspaceFactory
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

FAST = {"limiter": None, "backoff_base": 0.01, "backoff_cap": 0.05}


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=1, opportunities=30, rate_limit=False) as server:
        yield server


@pytest.fixture
def connection(sandbox):
    workspace = WorkspaceFactory(writeback_approval=WritebackApproval.NONE)
    connection = ConnectionFactory(
        workspace=workspace,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        api_key=sandbox.api_key,
        status=ConnectionStatus.ACTIVE,
    )
    run_sync(connection, kind=SyncKind.FULL, client_options=FAST)
    connection.refresh_from_db()
    connection.writeback_user = (
        AtsUser.objects.for_connection(connection)
        .filter(deactivated_at__isnull=True, access_role="super admin")
        .first()
    )
    connection.save()
    return connection


def process(connection):
    return writeback_process(connection, client_options=FAST)


def lever_opportunity(sandbox, opportunity_id):
    from apps.integrations.lever.auth import ApiKeyAuth
    from apps.integrations.lever.client import LeverClient
    from apps.integrations.lever.environments import environment_for

    with LeverClient(environment_for("custom", sandbox.url), ApiKeyAuth(sandbox.api_key)) as client:
        return client.get_opportunity(opportunity_id), list(client.iter_notes(opportunity_id))


def active_application(connection, index=0):
    return list(
        Application.objects.for_connection(connection).alive().filter(outcome=Outcome.ACTIVE).order_by("pk")
    )[index]


# -- each action, end to end ------------------------------------------------------------------------------


def test_add_and_remove_a_tag(sandbox, connection):
    application = active_application(connection)
    writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "Tier 1 Match"},
        application=application,
    )
    assert process(connection) == {"succeeded": 1}
    opportunity, _ = lever_opportunity(sandbox, application.remote_id)
    assert "Tier 1 Match" in opportunity["tags"]
    assert application.tags.filter(name="Tier 1 Match").exists()  # mirrored at once
    writeback_enqueue(
        connection=connection,
        kind=WritebackKind.REMOVE_TAG,
        payload={"tag": "Tier 1 Match"},
        application=application,
    )
    process(connection)
    assert "Tier 1 Match" not in lever_opportunity(sandbox, application.remote_id)[0]["tags"]
    assert not application.tags.filter(name="Tier 1 Match").exists()
    assert Tag.objects.for_connection(connection).filter(name="Tier 1 Match").exists()


def test_add_a_secret_scored_note(sandbox, connection):
    application = active_application(connection)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_NOTE,
        payload={"text": "Fit 87/100: strong Python", "secret": True, "score": 4},
        application=application,
    )
    process(connection)
    action.refresh_from_db()
    assert action.status == WritebackStatus.SUCCEEDED
    assert action.request["calls"][0]["params"] == {"perform_as": connection.writeback_user.remote_id}
    _, notes = lever_opportunity(sandbox, application.remote_id)
    assert any(c["value"] == "Fit 87/100: strong Python" for n in notes for c in n["fields"] if n["secret"])
    note = Note.objects.get(application=application, body="Fit 87/100: strong Python")
    assert (note.secret, note.score) == (True, 4)


def test_move_reject_and_unarchive(sandbox, connection):
    application = active_application(connection)
    stage = Stage.objects.for_connection(connection).exclude(pk=application.current_stage_id).first()
    reason = (
        RejectionReason.objects.for_connection(connection).filter(reason_type=ReasonType.NON_HIRED).first()
    )
    for kind, payload in (
        (WritebackKind.MOVE_STAGE, {"stage_id": stage.remote_id}),
        (WritebackKind.REJECT, {"reason_id": reason.remote_id, "clean_interviews": True}),
    ):
        writeback_enqueue(connection=connection, kind=kind, payload=payload, application=application)
    assert process(connection) == {"succeeded": 2}
    application.refresh_from_db()
    assert application.current_stage == stage and application.outcome == Outcome.REJECTED
    assert application.rejection_reason == reason
    writeback_enqueue(
        connection=connection, kind=WritebackKind.UNARCHIVE, payload={}, application=application
    )
    process(connection)
    application.refresh_from_db()
    assert application.outcome == Outcome.ACTIVE
    assert lever_opportunity(sandbox, application.remote_id)[0]["archived"] is None


# -- guarantees --------------------------------------------------------------------------------------------


def test_a_duplicate_submission_is_one_action(connection):
    application = active_application(connection)
    first = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "x"},
        application=application,
        idempotency_key="form-123",
    )
    second = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "x"},
        application=application,
        idempotency_key="form-123",
    )
    assert first.pk == second.pk
    assert WritebackAction.objects.filter(idempotency_key="form-123").count() == 1


def test_perform_as_is_the_requesters_own_lever_user_else_the_default(connection):
    application = active_application(connection)
    lever_user = (
        AtsUser.objects.for_connection(connection)
        .filter(deactivated_at__isnull=True)
        .exclude(pk=connection.writeback_user_id)
        .exclude(email="")
        .first()
    )
    recruiter = UserFactory(email=lever_user.email.upper())
    own = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "a"},
        application=application,
        requested_by=recruiter,
    )
    other = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "b"},
        application=application,
        requested_by=UserFactory(email="nobody@else.example"),
    )
    assert own.perform_as_remote_id == lever_user.remote_id
    assert other.perform_as_remote_id == connection.writeback_user.remote_id


def test_actions_on_one_application_go_out_in_order(sandbox, connection):
    application = active_application(connection)
    reason = (
        RejectionReason.objects.for_connection(connection).filter(reason_type=ReasonType.NON_HIRED).first()
    )
    stage = Stage.objects.for_connection(connection).exclude(pk=application.current_stage_id).first()
    reject = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.REJECT,
        payload={"reason_id": reason.remote_id},
        application=application,
    )
    move = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.MOVE_STAGE,
        payload={"stage_id": stage.remote_id},
        application=application,
    )
    # The rejection waits for a retry: the move behind it must wait too, not overtake it.
    WritebackAction.objects.filter(pk=reject.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert process(connection) == {}
    move.refresh_from_db()
    assert move.status == WritebackStatus.PENDING
    WritebackAction.objects.filter(pk=reject.pk).update(next_attempt_at=None)
    assert process(connection) == {"succeeded": 2}
    reject.refresh_from_db()
    move.refresh_from_db()
    assert reject.completed_at <= move.completed_at


def test_a_permanent_error_parks_the_action_with_levers_message_until_retried(sandbox, connection):
    application = active_application(connection)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.MOVE_STAGE,
        payload={"stage_id": "no-such-stage"},
        application=application,
    )
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert action.status == WritebackStatus.FAILED
    assert "no-such-stage" in action.last_error  # Lever's own words
    WritebackAction.objects.filter(pk=action.pk).update(
        payload={"stage_id": application.current_stage.remote_id}
    )
    assert writeback_retry(action)
    assert process(connection) == {"succeeded": 1}


def test_nothing_is_sent_while_not_connected_and_disconnect_cancels(sandbox, connection):
    application = active_application(connection)
    action = writeback_enqueue(
        connection=connection, kind=WritebackKind.ADD_TAG, payload={"tag": "later"}, application=application
    )
    connection.status = ConnectionStatus.NEEDS_REAUTH
    connection.save()
    sandbox.reset_counts()
    assert process(connection) == {}
    assert sandbox.request_counts()["total"] == 0
    action.refresh_from_db()
    assert action.status == WritebackStatus.PENDING  # kept for when access is restored
    assert writeback_cancel_open(connection, reason="Lever was disconnected.") == 1
    action.refresh_from_db()
    assert (action.status, action.status_reason) == (WritebackStatus.CANCELLED, "Lever was disconnected.")


def test_bulk_actions_wait_for_approval_and_preview_sends_nothing(sandbox, connection):
    connection.workspace.writeback_approval = WritebackApproval.BULK
    connection.workspace.save()
    applications = list(Application.objects.for_connection(connection).alive()[:12])
    actions = [
        writeback_enqueue(
            connection=connection,
            kind=WritebackKind.ADD_TAG,
            payload={"tag": "Tier 1"},
            application=a,
            batch_size=len(applications),
            batch_label="Add tag Tier 1",
        )
        for a in applications
    ]
    assert {a.status for a in actions} == {WritebackStatus.AWAITING_APPROVAL}
    sandbox.reset_counts()
    preview = writeback_preview(actions[0])
    assert preview["calls"] == [
        {
            "method": "POST",
            "path": f"/opportunities/{applications[0].remote_id}/addTags",
            "params": {"perform_as": connection.writeback_user.remote_id},
            "body": {"tags": ["Tier 1"]},
        }
    ]
    assert process(connection) == {}
    assert sandbox.request_counts()["total"] == 0
    writeback_approve(actions, by=UserFactory())
    assert process(connection) == {"succeeded": 12}


def test_a_killed_workers_note_is_checked_not_sent_twice(sandbox, connection):
    application = active_application(connection, 1)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_NOTE,
        payload={"text": "Sent once, whatever happens"},
        application=application,
    )
    process(connection)  # the note reaches Lever…
    # …but the worker "dies" before recording it: the action is still running, its lease runs out.
    WritebackAction.objects.filter(pk=action.pk).update(
        status=WritebackStatus.RUNNING, completed_at=None, claimed_at=timezone.now() - timedelta(minutes=10)
    )
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    posts = sandbox.request_counts()["endpoints"].get("POST /v1/opportunities/:id/notes", 0)
    assert posts == 0  # found by the check, not sent again
    _, notes = lever_opportunity(sandbox, application.remote_id)
    assert sum(c["value"] == "Sent once, whatever happens" for n in notes for c in n["fields"]) == 1


def test_an_uncertain_note_that_never_arrived_is_sent(sandbox, connection):
    application = active_application(connection, 2)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_NOTE,
        payload={"text": "Lost on the way"},
        application=application,
    )
    WritebackAction.objects.filter(pk=action.pk).update(uncertain=True)
    assert process(connection) == {"succeeded": 1}
    _, notes = lever_opportunity(sandbox, application.remote_id)
    assert sum(c["value"] == "Lost on the way" for n in notes for c in n["fields"]) == 1


def test_a_failing_check_of_an_uncertain_action_requeues_it_still_uncertain(sandbox, connection):
    application = active_application(connection, 3)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_NOTE,
        payload={"text": "Checked before sending"},
        application=application,
    )
    WritebackAction.objects.filter(pk=action.pk).update(uncertain=True)
    sandbox.set_faults(error_rate=1.0)  # the check (a read) fails with 5xx every time
    try:
        assert process(connection) == {"retry": 1}
    finally:
        sandbox.set_faults(error_rate=0.0)
    action.refresh_from_db()
    assert (action.status, action.uncertain) == (WritebackStatus.PENDING, True)
    assert action.next_attempt_at is not None and action.claimed_at is None


def test_a_bulk_block_wakes_each_worker_once_and_nothing_when_it_fails(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.integrations import outbox
    from tests.integrations.factories import ConnectionFactory as Factory

    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *args: queued.append((name, args)))
    first, second = Factory(), Factory()
    with django_capture_on_commit_callbacks(execute=True), outbox.waking_once():
        for _ in range(5):
            outbox.wake_worker(first)
        outbox.wake_worker(second)
    assert queued == [(outbox.PROCESS_TASK, (first.pk,)), (outbox.PROCESS_TASK, (second.pk,))]

    queued.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        outbox.waking_once(),
    ):
        outbox.wake_worker(first)
        raise RuntimeError("the bulk action failed half-way")
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        outbox.wake_worker(first)  # outside a block: one wake per call, as before
    assert queued == [(outbox.PROCESS_TASK, (first.pk,))]
