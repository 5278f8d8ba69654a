"""Processing inbox events against the Lever sandbox over loopback HTTP.

Each test changes something in the sandbox the way a recruiter would in Lever, takes the signed
delivery the sandbox produced for our registered webhook, posts it to our receiver, and runs the
worker's processing: the mirror must show Lever's current state.
"""

from __future__ import annotations

import json

import pytest
from django.db.models import Count
from django.urls import reverse
from django_q.models import Schedule

from apps.candidates.models import Application, Candidate, Interview, Note
from apps.integrations.lever import credentials
from apps.integrations.models import (
    ChangeSource,
    ConnectionStatus,
    RecordChange,
    SyncRun,
    WebhookEvent,
    WebhookStatus,
)
from apps.integrations.webhook_processing import MAX_ATTEMPTS, webhook_event_process
from apps.integrations.webhook_registration import register_webhooks, webhook_url
from apps.integrations.webhooks import webhook_events_replay
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.writeback_sandbox import FAST, lever, synced_connection

pytestmark = pytest.mark.django_db

NOWHERE = "http://127.0.0.1:9"  # the sandbox's own delivery attempts fail at once; tests deliver


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=8, opportunities=15, rate_limit=False, webhook_retries=0) as server:
        yield server


@pytest.fixture
def connection(sandbox, settings):
    settings.SITE_URL = NOWHERE
    connection = synced_connection(sandbox)
    assert register_webhooks(connection).error == ""
    return connection


def deliver(client, sandbox, connection, event):
    """Post the sandbox's newest delivery of `event` for this connection to our receiver."""
    url = webhook_url(connection)
    payload = [d for d in sandbox.deliveries() if d["url"] == url and d["event"] == event][-1]["payload"]
    response = client.post(
        reverse("lever-webhook", args=[connection.webhook_token]),
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return WebhookEvent.objects.get(connection=connection, delivery_token=payload["token"])


def an_application(connection, **filters):
    return Application.objects.for_connection(connection).alive().filter(**filters).order_by("pk").first()


def status_of(event):
    event.refresh_from_db()
    return event.status


def test_a_stage_change_moves_the_application_and_brings_new_notes(client, sandbox, connection):
    application = an_application(connection)
    stages = [s["id"] for s in sandbox.store.ds.stages]
    target = next(s for s in stages if s != application.current_stage.remote_id)
    with lever(sandbox) as api:
        # Lever sends no note webhook; the next event of the opportunity brings notes along.
        api.create_note(
            application.remote_id, "Strong portfolio", perform_as=connection.writeback_user.remote_id
        )
    sandbox.simulate_stage_change(application.remote_id, target)
    event = deliver(client, sandbox, connection, "candidateStageChange")

    outcome = webhook_event_process(event.pk)

    assert status_of(event) == WebhookStatus.PROCESSED, outcome
    application.refresh_from_db()
    assert application.current_stage.remote_id == target
    assert Note.objects.filter(application=application, body__contains="Strong portfolio").exists()
    change = RecordChange.objects.get(webhook_event=event, remote_id=application.remote_id)
    assert change.source == ChangeSource.WEBHOOK
    assert not SyncRun.objects.filter(connection=connection).exclude(kind="full").exists()  # no run claimed


def test_a_deletion_forgets_the_application_and_its_person(client, sandbox, connection):
    application = (
        Application.objects.for_connection(connection)
        .alive()
        .annotate(siblings=Count("candidate__applications"))
        .filter(siblings=1)
        .first()
    )
    sandbox.simulate_delete(application.remote_id)
    event = deliver(client, sandbox, connection, "candidateDeleted")

    webhook_event_process(event.pk)

    assert status_of(event) == WebhookStatus.PROCESSED
    application.refresh_from_db()
    assert application.remote_deleted_at is not None and application.remote_data == {}
    candidate = Candidate.objects.get(pk=application.candidate_id)
    assert candidate.remote_deleted_at is not None  # nobody left: the person is gone too
    assert (candidate.name, candidate.emails) == ("", [])


def test_an_interview_event_brings_the_interview(client, sandbox, connection):
    application = an_application(connection)
    interview = sandbox.simulate_interview(application.remote_id, "created")
    event = deliver(client, sandbox, connection, "interviewCreated")

    webhook_event_process(event.pk)

    assert status_of(event) == WebhookStatus.PROCESSED
    assert Interview.objects.filter(application=application, remote_id=interview["id"]).exists()


def test_a_contact_event_brings_every_opportunity_of_the_person(client, sandbox, connection):
    created = sandbox.simulate_new_application(name="Ada Webhook", email="ada.webhook@example.com")
    event = deliver(client, sandbox, connection, "contactCreated")  # processed before applicationCreated

    webhook_event_process(event.pk)

    assert status_of(event) == WebhookStatus.PROCESSED, event.error
    application = Application.objects.get(connection=connection, remote_id=created["id"])
    assert Candidate.objects.get(pk=application.candidate_id).name == "Ada Webhook"
    later = deliver(client, sandbox, connection, "applicationCreated")
    webhook_event_process(later.pk)
    assert status_of(later) == WebhookStatus.PROCESSED


def test_a_copy_older_than_the_mirror_is_not_written(client, sandbox, connection):
    application = an_application(connection)
    before = application.current_stage_id
    target = next(s["id"] for s in sandbox.store.ds.stages if s["id"] != application.current_stage.remote_id)
    sandbox.simulate_stage_change(application.remote_id, target)
    event = deliver(client, sandbox, connection, "candidateStageChange")
    # A sync (or another event) wrote a newer copy between Lever's answer and our write.
    future = application.remote_updated_at.replace(year=application.remote_updated_at.year + 1)
    Application.objects.filter(pk=application.pk).update(remote_updated_at=future)

    webhook_event_process(event.pk)

    application.refresh_from_db()
    assert application.current_stage_id == before
    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED and "newer copy" in event.error


def test_an_event_is_processed_once_however_often_it_is_run(client, sandbox, connection):
    application = an_application(connection)
    sandbox.simulate_interview(application.remote_id, "created")
    event = deliver(client, sandbox, connection, "interviewCreated")
    sandbox.reset_counts()

    webhook_event_process(event.pk)
    requests_once = sandbox.request_counts()["total"]
    second = webhook_event_process(event.pk)  # a task delivered twice

    assert second.startswith("skipped")
    assert sandbox.request_counts()["total"] == requests_once
    event.refresh_from_db()
    assert event.attempts == 1


def test_a_revoked_credential_flags_the_connection_and_keeps_the_event_replayable(
    client, sandbox, connection, django_capture_on_commit_callbacks
):
    application = an_application(connection)
    sandbox.simulate_interview(application.remote_id, "created")
    event = deliver(client, sandbox, connection, "interviewCreated")
    type(connection).objects.filter(pk=connection.pk).update(api_key="revoked-in-lever")

    webhook_event_process(event.pk)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    event.refresh_from_db()
    assert event.status == WebhookStatus.FAILED and "Replay" in event.error
    assert event.next_attempt_at is None  # no retry loop while nobody can fix it
    with django_capture_on_commit_callbacks() as queued:
        assert webhook_events_replay([event]) == (1, 0)
    assert status_of(event) == WebhookStatus.RECEIVED and len(queued) == 1


def test_events_of_a_connection_that_is_not_live_are_ignored(client, sandbox, connection):
    application = an_application(connection)
    sandbox.simulate_interview(application.remote_id, "created")
    event = deliver(client, sandbox, connection, "interviewCreated")
    type(connection).objects.filter(pk=connection.pk).update(status=ConnectionStatus.NEEDS_REAUTH)
    sandbox.reset_counts()

    webhook_event_process(event.pk)

    assert status_of(event) == WebhookStatus.IGNORED
    assert sandbox.request_counts()["total"] == 0


def test_lever_failures_are_retried_with_backoff_a_bounded_number_of_times(
    client, sandbox, connection, monkeypatch
):
    application = an_application(connection)
    sandbox.simulate_interview(application.remote_id, "created")
    event = deliver(client, sandbox, connection, "interviewCreated")
    fast = {**FAST, "max_attempts": 1}
    monkeypatch.setattr(
        "apps.integrations.webhook_processing.lever_client_for",
        lambda c: credentials.lever_client_for(c, **fast),
    )
    sandbox.set_faults(error_rate=1.0)
    try:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            webhook_event_process(event.pk)
            event.refresh_from_db()
            assert (event.status, event.attempts) == (WebhookStatus.FAILED, attempt)
            retry = Schedule.objects.filter(func="apps.integrations.tasks.process_webhook_event")
            if attempt < MAX_ATTEMPTS:
                assert event.next_attempt_at is not None
                assert retry.filter(args=repr((event.pk,))).count() == attempt
                # Make the retry due now, as the scheduler would once next_run has come.
                WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=event.created_at)
        assert event.next_attempt_at is None and "gave up" in event.error
        assert webhook_event_process(event.pk).startswith("skipped")  # stays failed until replayed
    finally:
        sandbox.set_faults()
