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
