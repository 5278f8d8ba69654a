from __future__ import annotations

import pytest

from apps.integrations.models import ConnectionStatus
from apps.integrations.services import connection_mark_needs_reauth
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_refused_grant_moves_a_live_connection_to_needs_reauth():
    connection = ConnectionFactory(status=ConnectionStatus.SYNCING)
    updated = connection_mark_needs_reauth(connection=connection, reason="Lever refused the refresh token.")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH == updated.status
    assert connection.status_reason == "Lever refused the refresh token."
    assert connection.last_error == "Lever refused the refresh token."
    assert connection.last_error_at is not None


def test_a_disconnected_connection_keeps_its_status_and_records_the_error():
    connection = ConnectionFactory(status=ConnectionStatus.DISCONNECTED)
    connection_mark_needs_reauth(connection=connection, reason="invalid_grant")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.last_error == "invalid_grant"
