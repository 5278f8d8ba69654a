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


def test_disconnect_keeps_the_mirror_cancels_unsent_writebacks_and_forgets_credentials(db):
    from django_q.models import Schedule

    from apps.integrations.models import ConnectionStatus, WritebackStatus
    from apps.integrations.schedules import ensure_schedules
    from apps.integrations.services import connection_disconnect
    from tests.candidates.factories import ApplicationFactory
    from tests.integrations.factories import ConnectionFactory, WritebackActionFactory

    connection = ConnectionFactory(access_token="tok", refresh_token="ref")
    application = ApplicationFactory(connection=connection)
    pending = WritebackActionFactory(connection=connection, status=WritebackStatus.PENDING)
    done = WritebackActionFactory(connection=connection, status=WritebackStatus.SUCCEEDED)
    ensure_schedules()
    connection_disconnect(connection=connection)
    connection.refresh_from_db()
    pending.refresh_from_db()
    done.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED and connection.disconnected_at
    assert (connection.api_key, connection.access_token, connection.refresh_token) == ("", "", "")
    assert pending.status == WritebackStatus.CANCELLED and "disconnected" in pending.status_reason
    assert done.status == WritebackStatus.SUCCEEDED
    application.refresh_from_db()
    assert application.remote_deleted_at is None  # every mirrored record is kept
    ensure_schedules()
    assert not Schedule.objects.filter(name__contains=f"connection:{connection.pk}:").exists()


def test_a_mistyped_key_for_a_working_connection_keeps_the_working_key():
    from apps.integrations.models import Environment
    from apps.integrations.services import ConnectionCheckFailed, connection_connect_api_key
    from apps.lever_sandbox.server import SandboxServer

    with SandboxServer(seed=2, opportunities=3, rate_limit=False) as sandbox:
        connection = ConnectionFactory(
            environment=Environment.CUSTOM,
            base_url=sandbox.url,
            api_key=sandbox.api_key,
            status=ConnectionStatus.ACTIVE,
        )
        with pytest.raises(ConnectionCheckFailed):
            connection_connect_api_key(
                workspace=connection.workspace,
                api_key="mistyped-key",
                environment=Environment.CUSTOM,
                base_url=sandbox.url,
            )
        connection.refresh_from_db()
        assert connection.api_key == sandbox.api_key and connection.status == ConnectionStatus.ACTIVE

        # The right key (here: the same one again) still goes through and keeps the connection active.
        again = connection_connect_api_key(
            workspace=connection.workspace,
            api_key=sandbox.api_key,
            environment=Environment.CUSTOM,
            base_url=sandbox.url,
        )
        assert again.pk == connection.pk and again.status == ConnectionStatus.ACTIVE
