from __future__ import annotations

import time
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.services import demo_setup


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo workspace and its owner login, print how to log in, and with "
        "--sandbox-url connect it to a running Lever sandbox and start its first sync."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="demo@recruitdesk.local")
        parser.add_argument("--password", default="recruitdesk-demo")
        parser.add_argument(
            "--workspace", default="Demo recruiting team", help="Name for a new demo workspace."
        )
        parser.add_argument(
            "--sandbox-url", help="A running `manage.py lever_sandbox`, e.g. http://127.0.0.1:8765"
        )
        parser.add_argument("--sandbox-api-key", help="The API key the sandbox accepts.")
        parser.add_argument(
            "--wait", type=float, default=60.0, help="Seconds to wait for the sandbox to answer."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_setup(
            email=options["email"], password=options["password"], workspace_name=options["workspace"]
        )
        verb = "Created" if result.workspace_created else "Kept"
        self.stdout.write(f"{verb} workspace “{result.workspace.name}”.")
        if options["sandbox_url"]:
            self._connect_sandbox(result.workspace, options)
        self.stdout.write(self.style.SUCCESS("Log in with:"))
        self.stdout.write(f"  email:    {result.user.email}")
        self.stdout.write(f"  password: {options['password']}")
        self.stdout.write("  (this login is also a staff admin: /admin/)")

    def _connect_sandbox(self, workspace: Any, options: dict[str, Any]) -> None:
        from apps.integrations.models import Environment, SyncKind, SyncRun, SyncTrigger
        from apps.integrations.services import (
            ConnectionCheckFailed,
            connection_connect_api_key,
            connection_sync_enqueue,
        )

        url = options["sandbox_url"].rstrip("/")
        if not options["sandbox_api_key"]:
            raise CommandError("--sandbox-url needs --sandbox-api-key.")
        _wait_for(url, options["wait"])
        try:
            connection = connection_connect_api_key(
                workspace=workspace,
                api_key=options["sandbox_api_key"],
                environment=Environment.CUSTOM,
                base_url=url,
                name="Lever sandbox",
            )
        except ConnectionCheckFailed as exc:
            raise CommandError(f"The sandbox at {url} refused the key: {exc}") from exc
        self._register_webhooks(connection)
        if SyncRun.objects.filter(connection=connection).exists():
            self.stdout.write(
                f"Connected to the Lever sandbox at {url} (already synced; schedules keep it fresh)."
            )
            return
        connection_sync_enqueue(connection=connection, kind=SyncKind.FULL, trigger=SyncTrigger.CONNECT)
        self.stdout.write(
            f"Connected to the Lever sandbox at {url}; the first sync is queued for the worker."
        )

    def _register_webhooks(self, connection: Any) -> None:
        """Let the sandbox deliver its events to this site (SITE_URL), as Lever would."""
        from apps.integrations.webhook_registration import register_webhooks

        result = register_webhooks(connection)
        if result.error:
            self.stdout.write(f"Webhooks were not registered: {result.error}")
        elif result.registered:
            self.stdout.write(f"Registered {len(result.registered)} webhooks with the sandbox.")


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(f"{url}/_sandbox", timeout=2)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The Lever sandbox at {url} did not answer within {seconds:.0f}s."
                ) from None
            time.sleep(0.5)
