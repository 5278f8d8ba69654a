from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.integrations.factories import SyncRunFactory, WebhookEventFactory, WritebackActionFactory

pytestmark = pytest.mark.django_db


def test_catalog_lists_lever_and_searches(cast):
    client = client_for(cast.admin)
    assert "Lever" in client.get(reverse("integrations:index")).content.decode()
    assert [e.name for e in client.get(reverse("integrations:index"), {"q": "lever"}).context["catalog"]] == [
        "Lever"
    ]
    empty = client.get(reverse("integrations:index"), {"q": "greenhouse"}, headers={"HX-Request": "true"})
    body = empty.content.decode()
    assert body.lstrip().startswith('<div id="catalog-results"') and "No integration matches" in body


def test_my_integrations_lists_the_connection_with_its_status(cast):
    page = client_for(cast.recruiter).get(reverse("integrations:index"), {"tab": "mine"}).content.decode()
    assert cast.connection.name in page and "Active" in page
    # Recruiters see it but cannot open the admin-only health panel.
    assert reverse("integrations:connection-detail", args=[cast.connection.pk]) not in page


def test_health_panel_shows_runs_outbox_and_webhooks(cast):
    SyncRunFactory(connection=cast.connection, status="failed", error="Lever answered 503")
    WritebackActionFactory(connection=cast.connection, status="failed")
    WritebackActionFactory(connection=cast.connection, status="pending")
    WebhookEventFactory(connection=cast.connection, event="candidateHired")
    response = client_for(cast.admin).get(
        reverse("integrations:connection-detail", args=[cast.connection.pk])
    )
    assert response.context["outbox_counts"] == {"failed": 1, "pending": 1}
    page = response.content.decode()
    assert "Lever answered 503" in page and "candidateHired" in page
    assert cast.connection.api_key not in page


def test_admins_set_the_sweep_budget_and_junk_is_refused(cast):
    url = reverse("integrations:connection-sweep-budget", args=[cast.connection.pk])
    client = client_for(cast.admin)
    client.post(url, {"sweep_daily_requests": "5000"})
    cast.connection.refresh_from_db()
    assert cast.connection.sweep_daily_requests == 5000
    response = client.post(url, {"sweep_daily_requests": "-3"}, follow=True)
    cast.connection.refresh_from_db()
    assert cast.connection.sweep_daily_requests == 5000
    assert "greater than or equal to 0" in response.content.decode()
    assert client_for(cast.recruiter).post(url, {"sweep_daily_requests": "1"}).status_code == 403
