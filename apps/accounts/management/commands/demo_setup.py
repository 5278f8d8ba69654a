from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.accounts.services import demo_setup


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspace and its owner login, and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="demo@recruitdesk.local")
        parser.add_argument("--password", default="recruitdesk-demo")
        parser.add_argument(
            "--workspace", default="Demo recruiting team", help="Name for a new demo workspace."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_setup(
            email=options["email"], password=options["password"], workspace_name=options["workspace"]
        )
        verb = "Created" if result.workspace_created else "Kept"
        self.stdout.write(f"{verb} workspace “{result.workspace.name}”.")
        self.stdout.write(self.style.SUCCESS("Log in with:"))
        self.stdout.write(f"  email:    {result.user.email}")
        self.stdout.write(f"  password: {options['password']}")
        self.stdout.write("  (this login is also a staff admin: /admin/)")
