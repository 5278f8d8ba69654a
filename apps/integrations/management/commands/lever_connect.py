from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import Workspace
from apps.integrations.models import Environment
from apps.integrations.services import ConnectionCheckFailed, connection_connect_api_key


class Command(BaseCommand):
    help = "Create or update a workspace's Lever API-key connection (non-interactive); prints its id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Workspace slug or id.")
        parser.add_argument("--api-key", required=True)
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--environment",
            choices=[Environment.PRODUCTION, Environment.SANDBOX],
            default=Environment.PRODUCTION,
        )
        where.add_argument("--base-url", help="A custom Lever-protocol server, e.g. http://127.0.0.1:8765")
        parser.add_argument("--name", default="", help="A label for the connection.")
        parser.add_argument("--no-verify", action="store_true", help="Do not check the key with Lever first.")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["workspace"]
        workspace = Workspace.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
        workspace = workspace or Workspace.objects.filter(slug=ref).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug or id {ref!r}.")
        environment = Environment.CUSTOM if options["base_url"] else options["environment"]
        try:
            connection = connection_connect_api_key(
                workspace=workspace,
                api_key=options["api_key"],
                environment=environment,
                base_url=options["base_url"] or "",
                name=options["name"],
                verify=not options["no_verify"],
            )
        except (ConnectionCheckFailed, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"{workspace.name}: Lever connection {connection.pk} is {connection.get_status_display()}."
        )
        self.stdout.write(str(connection.pk))
