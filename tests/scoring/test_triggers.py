"""Scoring runs after every sync slice and every processed webhook (the worker runs tasks inline here)."""

from __future__ import annotations

from unittest import mock

import pytest

from apps.integrations import tasks
from apps.integrations.models import SyncStatus, WebhookStatus
from apps.scoring.models import Score
from tests.integrations.factories import SyncRunFactory, WebhookEventFactory
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def unscored(cast):
    return application_with_resume(cast.connection, job=job_to_score(cast.connection))


def test_a_sync_slice_scores_what_it_brought_in(cast, unscored):
    run = SyncRunFactory(connection=cast.connection, status=SyncStatus.SUCCEEDED)
    with mock.patch("apps.integrations.lever.sync.runner.run_sync", return_value=run):
        tasks.sync_connection(cast.connection.pk, "delta")
    assert Score.objects.get(application=unscored).score > 0


def test_a_sync_that_could_not_start_scores_nothing(cast, unscored):
    from apps.integrations.sync_runs import SyncUnavailable

    with mock.patch("apps.integrations.lever.sync.runner.run_sync", side_effect=SyncUnavailable("busy")):
        tasks.sync_connection(cast.connection.pk, "delta")
    assert not Score.objects.exists()


def _process_as(status):
    def process(event_id):
        from apps.integrations.models import WebhookEvent

        WebhookEvent.objects.filter(pk=event_id).update(status=status)
        return status

    return process


def test_a_processed_webhook_scores_the_changes(cast, unscored):
    event = WebhookEventFactory(connection=cast.connection)
    with mock.patch(
        "apps.integrations.webhook_processing.webhook_event_process",
        side_effect=_process_as(WebhookStatus.PROCESSED),
    ):
        tasks.process_webhook_event(event.pk)
    assert Score.objects.filter(application=unscored).exists()


def test_an_ignored_webhook_does_not_start_scoring(cast, unscored):
    event = WebhookEventFactory(connection=cast.connection)
    with mock.patch(
        "apps.integrations.webhook_processing.webhook_event_process",
        side_effect=_process_as(WebhookStatus.IGNORED),
    ):
        tasks.process_webhook_event(event.pk)
    assert not Score.objects.exists()


def test_a_first_sync_ranks_active_pipelines_before_the_history_is_in(
    settings, django_capture_on_commit_callbacks
):
    """The full sync scores once active applications and their resumes are in, mid-run."""
    from apps.candidates.models import Application, Outcome
    from apps.integrations.lever.sync import runner
    from apps.integrations.lever.sync.context import Paused
    from apps.integrations.models import ConnectionStatus, Environment, SyncKind
    from apps.lever_sandbox.server import SandboxServer
    from tests.integrations.factories import ConnectionFactory
    from tests.integrations.writeback_sandbox import FAST

    settings.LEVER_RATE_LIMIT, settings.LEVER_RATE_BURST = 10_000.0, 10_000
    real_sync_children = runner.sync_children

    def stop_before_history(ctx, phase, applications):
        if phase == "children_history":
            raise Paused  # the worker's time slice ends before the archive comes in
        real_sync_children(ctx, phase, applications)

    with SandboxServer(seed=4, opportunities=20, rate_limit=False) as sandbox:
        connection = ConnectionFactory(
            environment=Environment.CUSTOM,
            base_url=sandbox.url,
            api_key=sandbox.api_key,
            status=ConnectionStatus.ACTIVE,
        )
        with (
            mock.patch.object(runner, "sync_children", side_effect=stop_before_history),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run = runner.run_sync(connection, kind=SyncKind.FULL, client_options=FAST)
    assert run.status == SyncStatus.QUEUED  # paused, to be continued
    active = Application.objects.for_connection(connection).filter(outcome=Outcome.ACTIVE, job__isnull=False)
    assert active.exists()
    assert Score.objects.filter(application__in=active).count() == active.count()
