from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import Membership, User, Workspace

pytestmark = pytest.mark.django_db


def test_demo_setup_is_idempotent_and_prints_a_working_login():
    out = StringIO()
    call_command("demo_setup", "--email", "Demo@Example.com", "--password", "first-pass-123", stdout=out)
    call_command("demo_setup", "--email", "demo@example.com", "--password", "second-pass-456", stdout=out)
    assert (User.objects.count(), Workspace.objects.count(), Membership.objects.count()) == (1, 1, 1)
    assert "demo@example.com" in out.getvalue() and "second-pass-456" in out.getvalue()
    client = Client()
    assert client.login(email="demo@example.com", password="second-pass-456")
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert Membership.objects.get().role == "owner"


def test_demo_setup_connects_the_sandbox_registers_webhooks_and_queues_the_first_sync(
    settings, django_capture_on_commit_callbacks
):
    from unittest import mock

    from apps.integrations.models import Connection, LeverWebhook
    from apps.lever_sandbox.server import SandboxServer

    settings.SITE_URL = "http://127.0.0.1:9"  # nothing listens: the sandbox's deliveries just fail
    out = StringIO()
    with SandboxServer(seed=3, opportunities=5, rate_limit=False) as sandbox:
        with (
            mock.patch("django_q.tasks.async_task") as queued,
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command(
                "demo_setup",
                "--sandbox-url",
                sandbox.url,
                "--sandbox-api-key",
                sandbox.api_key,
                stdout=out,
            )
        registered_at_sandbox = len(sandbox.webhooks.list())
        url = sandbox.url
    connection = Connection.objects.get()
    assert connection.is_live and connection.base_url == url
    hooks = LeverWebhook.objects.filter(connection=connection)
    assert hooks.count() == registered_at_sandbox > 0
    assert all(hook.url.startswith("http://127.0.0.1:9/webhooks/lever/") for hook in hooks)
    assert f"Registered {registered_at_sandbox} webhooks" in out.getvalue()
    assert any(call.args[0] == "apps.integrations.tasks.sync_connection" for call in queued.call_args_list)
