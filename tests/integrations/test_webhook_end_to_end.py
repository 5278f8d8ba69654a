"""One delivery the whole way: the sandbox POSTs a signed event to our live server, which stores and
processes it (django-q2 runs tasks inline in tests), and the mirror follows Lever."""

from __future__ import annotations

import time

import pytest

from apps.candidates.models import Application
from apps.integrations.models import WebhookEvent, WebhookStatus
from apps.integrations.webhook_registration import register_webhooks
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.writeback_sandbox import synced_connection


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


@pytest.mark.django_db(transaction=True)
def test_a_stage_change_in_lever_reaches_the_mirror(live_server, settings):
    settings.SITE_URL = live_server.url
    with SandboxServer(seed=4, opportunities=6, rate_limit=False, webhook_retries=0) as sandbox:
        connection = synced_connection(sandbox)
        assert register_webhooks(connection).error == ""
        application = Application.objects.for_connection(connection).alive().order_by("pk").first()
        target = next(
            s["id"] for s in sandbox.store.ds.stages if s["id"] != application.current_stage.remote_id
        )

        sandbox.simulate_stage_change(application.remote_id, target)

        (delivery,) = wait_for(
            lambda: [
                d for d in sandbox.deliveries() if d["event"] == "candidateStageChange" and d["attempts"]
            ]
        )
        assert delivery["attempts"][0]["status"] == 200, delivery["attempts"]
        event = WebhookEvent.objects.get(connection=connection, delivery_token=delivery["payload"]["token"])
        assert event.status == WebhookStatus.PROCESSED, event.error
        application.refresh_from_db()
        assert application.current_stage.remote_id == target
