from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.integrations.models import (
    ALLOWED_TRANSITIONS,
    Connection,
    ConnectionStatus,
    InvalidTransition,
    SyncStatus,
    content_hash,
)
from tests.candidates.factories import ApplicationFactory, CandidateFactory, NoteFactory, TagFactory
from tests.integrations.factories import (
    AtsUserFactory,
    ConnectionFactory,
    SyncRunFactory,
    WebhookEventFactory,
    WritebackActionFactory,
)
from tests.jobs.factories import JobFactory, JobStageFactory, StageFactory

pytestmark = pytest.mark.django_db

MIRRORED_FACTORIES = [AtsUserFactory, JobFactory, StageFactory, CandidateFactory, TagFactory, NoteFactory]


@pytest.mark.parametrize("factory", MIRRORED_FACTORIES, ids=lambda f: f._meta.model.__name__)
def test_remote_id_is_unique_per_connection(factory):
    row = factory(remote_id="same-lever-id")
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(remote_id="same-lever-id", connection=row.connection)


@pytest.mark.parametrize("factory", MIRRORED_FACTORIES, ids=lambda f: f._meta.model.__name__)
def test_remote_id_is_reusable_across_connections(factory):
    first = factory(remote_id="same-lever-id")
    second = factory(remote_id="same-lever-id", connection=ConnectionFactory())
    assert first.connection_id != second.connection_id
    assert type(first).objects.filter(remote_id="same-lever-id").count() == 2


def test_rows_not_yet_in_the_ats_do_not_collide():
    connection = ConnectionFactory()
    first = CandidateFactory(connection=connection, remote_id=None)
    second = CandidateFactory(connection=connection, remote_id=None)
    assert not first.is_in_ats and not second.is_in_ats


def test_a_remote_id_needs_a_connection():
    candidate = CandidateFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(candidate).objects.filter(pk=candidate.pk).update(connection=None)


def test_a_local_row_may_have_no_connection():
    candidate = CandidateFactory(connection=None, remote_id=None, workspace=ConnectionFactory().workspace)
    assert candidate.connection is None


def test_composed_remote_ids_keep_job_stage_rows_unique():
    job_stage = JobStageFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        JobStageFactory(job=job_stage.job, stage=job_stage.stage, remote_id="another-id")


def test_alive_and_deleted_querysets_split_on_remote_deleted_at():
    alive = JobFactory()
    gone = JobFactory(connection=alive.connection)
    gone.remote_deleted_at = gone.created_at
    gone.save()
    jobs = type(alive).objects.for_connection(alive.connection)
    assert list(jobs.alive()) == [alive]
    assert list(jobs.deleted()) == [gone]


def test_application_tags_are_shared_tag_rows():
    application = ApplicationFactory()
    tag = TagFactory(connection=application.connection, name="Tier 1")
    application.tags.add(tag)
    assert list(tag.applications.all()) == [application]


def test_content_hash_ignores_key_order_and_sees_value_changes():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


# -- Connection lifecycle (DESIGN.md §6) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    sorted((start, end) for start, ends in ALLOWED_TRANSITIONS.items() for end in ends),
)
def test_allowed_connection_transitions(start, end):
    connection = Connection(status=start)
    connection.transition_to(end, reason="because")
    assert connection.status == end
    assert connection.status_reason == "because"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (ConnectionStatus.PENDING, ConnectionStatus.SYNCING),
        (ConnectionStatus.NEEDS_REAUTH, ConnectionStatus.SYNCING),
        (ConnectionStatus.DISCONNECTED, ConnectionStatus.SYNCING),
        (ConnectionStatus.DISCONNECTED, ConnectionStatus.NEEDS_REAUTH),
    ],
)
def test_forbidden_connection_transitions(start, end):
    connection = Connection(status=start)
    with pytest.raises(InvalidTransition):
        connection.transition_to(end)
    assert connection.status == start


def test_only_one_open_connection_per_ats_per_workspace():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionFactory(workspace=connection.workspace)


def test_disconnected_connections_stay_as_history_beside_a_new_one():
    old = ConnectionFactory(status=ConnectionStatus.DISCONNECTED)
    new = ConnectionFactory(workspace=old.workspace)
    assert Connection.objects.for_workspace(old.workspace).count() == 2
    assert list(Connection.objects.for_workspace(old.workspace).live()) == [new]


def test_at_most_one_running_sync_per_connection():
    run = SyncRunFactory(status=SyncStatus.RUNNING)
    SyncRunFactory(connection=run.connection, status=SyncStatus.SUCCEEDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRunFactory(connection=run.connection, status=SyncStatus.RUNNING)


def test_webhook_deliveries_are_deduplicated_per_connection():
    event = WebhookEventFactory(dedupe_key="token-1")
    WebhookEventFactory(dedupe_key="token-1")  # another connection: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEventFactory(connection=event.connection, dedupe_key="token-1")


def test_writeback_idempotency_key_is_unique_per_workspace():
    action = WritebackActionFactory(idempotency_key="tag:app-1:Tier 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        WritebackActionFactory(connection=action.connection, idempotency_key="tag:app-1:Tier 1")
