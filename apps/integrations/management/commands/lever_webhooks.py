"""`manage.py lever_webhooks`: look at a connection's webhook inbox, replay events, (un)register webhooks.

lever_webhooks list --connection 3
lever_webhooks replay --event 41 42
lever_webhooks replay --connection 3 --since 2026-11-20T08:00 [--until 2026-11-20T09:00]
lever_webhooks register --connection 3
lever_webhooks unregister --connection 3
lever_webhooks signing-token --connection 3     (reads the token from the terminal or stdin)
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.integrations.models import Connection, WebhookEvent
from apps.integrations.webhook_registration import register_webhooks, unregister_webhooks, webhook_stats
from apps.integrations.webhooks import (
    connection_add_signing_token,
    webhook_events_replay,
    webhook_events_replay_range,
)


class Command(BaseCommand):
    help = "Show a connection's Lever webhooks and inbox, replay events, register or remove webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        listing = commands.add_parser("list", help="The webhook URL, what is registered, recent events.")
        listing.add_argument("--connection", type=int, required=True)
        listing.add_argument("--limit", type=int, default=20, help="How many recent events (default 20).")
        replay = commands.add_parser("replay", help="Process events again from Lever's current state.")
        replay.add_argument("--event", type=int, nargs="+", help="Event ids.")
        replay.add_argument("--connection", type=int, help="With --since: every event of the connection…")
        replay.add_argument("--since", help="…received from this ISO date-time (UTC unless it says)…")
        replay.add_argument("--until", help="…up to this one (default: now).")
        for name, text in (
            ("register", "Register our webhooks through Lever's API (idempotent)."),
            ("unregister", "Delete in Lever the webhooks Recruitdesk created."),
            ("signing-token", "Store a signing token copied from Lever's webhook settings page."),
        ):
            commands.add_parser(name, help=text).add_argument("--connection", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {
            "list": self._list,
            "replay": self._replay,
            "register": self._register,
            "unregister": self._unregister,
            "signing-token": self._signing_token,
        }[options["subcommand"]]
        handler(options)

    def _list(self, options: dict[str, Any]) -> None:
        connection = _connection(options["connection"])
        stats = webhook_stats(connection)
        self.stdout.write(f"Connection {connection.pk} ({connection.get_status_display()})")
        self.stdout.write(f"Webhook URL: {stats['url']}")
        self.stdout.write(f"Registered through the API: {', '.join(stats['registered_events']) or 'none'}")
        self.stdout.write(
            f"Last 24 h: {stats['received_24h']} received, {stats['failed_24h']} failed, "
            f"{stats['rejected_24h']} rejected; last received {stats['last_received_at'] or 'never'}"
        )
        events = WebhookEvent.objects.filter(connection=connection).order_by("-created_at")[
            : options["limit"]
        ]
        for event in events:
            signed = "signed" if event.signature_valid else "unsigned"
            note = f" — {event.error}" if event.error else ""
            self.stdout.write(
                f"  #{event.pk:<6} {event.created_at:%Y-%m-%d %H:%M:%S} {event.event or '?':<24} "
                f"{event.status:<10} {signed}{note}"
            )

    def _replay(self, options: dict[str, Any]) -> None:
        if options["event"]:
            if options["connection"] or options["since"] or options["until"]:
                raise CommandError("Give either --event ids or --connection with --since, not both.")
            events = list(WebhookEvent.objects.filter(pk__in=options["event"]).select_related("connection"))
            missing = sorted(set(options["event"]) - {event.pk for event in events})
            if missing:
                raise CommandError(f"No webhook event {', '.join(map(str, missing))}.")
            queued, refused = webhook_events_replay(events)
        elif options["connection"] and options["since"]:
            connection = _connection(options["connection"])
            since = _parse_time(options["since"], "--since")
            until = _parse_time(options["until"], "--until") if options["until"] else None
            if until is not None and until < since:
                raise CommandError("--until is before --since.")
            queued, refused = webhook_events_replay_range(connection=connection, since=since, until=until)
        else:
            raise CommandError("Give --event ids, or --connection with --since.")
        self.stdout.write(f"Queued {queued} event(s) to be processed again; refused {refused}.")
        if refused:
            self.stdout.write(
                "Refused: test pings, unreadable bodies, events being processed right now, or signatures "
                "that do not verify with the stored signing tokens."
            )

    def _register(self, options: dict[str, Any]) -> None:
        connection = _connection(options["connection"])
        result = register_webhooks(connection)
        if result.registered:
            self.stdout.write(f"Registered in Lever: {', '.join(result.registered)}")
        for number, step in enumerate(result.manual_steps, start=1):
            self.stdout.write(f"  {number}. {step}")
        if result.error:
            raise CommandError(result.error)

    def _unregister(self, options: dict[str, Any]) -> None:
        connection = _connection(options["connection"])
        removed = unregister_webhooks(connection)
        left = connection.lever_webhooks.count()
        self.stdout.write(f"Removed {removed} webhook(s).")
        if left:
            raise CommandError(f"{left} webhook(s) could not be deleted in Lever now; run this again later.")

    def _signing_token(self, options: dict[str, Any]) -> None:
        connection = _connection(options["connection"])
        # Never from an argument: it would end up in the shell history and the process list.
        if sys.stdin.isatty():
            token = getpass.getpass("Signing token (input hidden): ")
        else:
            token = sys.stdin.readline()
        if not token.strip():
            raise CommandError("No signing token given.")
        added = connection_add_signing_token(connection=connection, token=token)
        self.stdout.write(
            "Stored the signing token (encrypted)." if added else "That token was stored already."
        )


def _connection(pk: int) -> Connection:
    connection = Connection.objects.filter(pk=pk).first()
    if connection is None:
        raise CommandError(f"No connection {pk}.")
    return connection


def _parse_time(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"{option} {value!r} is not an ISO date-time (e.g. 2026-11-20T08:00:00Z)."
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
