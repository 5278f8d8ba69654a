"""The write-back status chip, polled every second while an action is open: cheap, and the same chip."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.integrations.models import WritebackStatus
from tests.conftest import client_for
from tests.integrations.factories import WritebackActionFactory

pytestmark = pytest.mark.django_db


def chip_url(action):
    return reverse("integrations:writeback-status", args=[action.pk])


def test_an_open_action_polls_on(cast, django_assert_max_num_queries):
    action = WritebackActionFactory(connection=cast.connection, payload={"tag": "Shortlist"})
    client = client_for(cast.recruiter)
    client.get(chip_url(action))
    with django_assert_max_num_queries(4):  # session, user, membership, the action
        response = client.get(chip_url(action), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="{chip_url(action)}"' in html and 'data-status="pending"' in html
    assert "Add tag “Shortlist”: pending" in html and "Retry" not in html


def test_a_finished_action_stops_the_polling(cast):
    action = WritebackActionFactory(connection=cast.connection, status=WritebackStatus.SUCCEEDED)
    response = client_for(cast.recruiter).get(chip_url(action))
    assert response.status_code == 286
    assert (
        "hx-get" not in response.content.decode() and 'data-status="succeeded"' in response.content.decode()
    )


def test_a_failed_action_offers_retry_to_those_who_write_back(cast):
    action = WritebackActionFactory(
        connection=cast.connection, status=WritebackStatus.FAILED, last_error="Lever <said> no"
    )
    response = client_for(cast.recruiter).get(chip_url(action))
    html = response.content.decode()
    assert response.status_code == 286 and "Lever &lt;said&gt; no" in html
    assert reverse("integrations:writeback-retry", args=[action.pk]) in html
    assert 'name="csrfmiddlewaretoken"' in html and f'name="next" value="{chip_url(action)}"' in html
    assert "Retry" not in client_for(cast.viewer).get(chip_url(action)).content.decode()


def test_another_workspaces_action_is_a_404(cast):
    action = WritebackActionFactory(connection=cast.other_connection)
    assert client_for(cast.recruiter).get(chip_url(action)).status_code == 404
