"""``manage.py lever_sandbox``: serve the Lever-protocol sandbox until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.lever_sandbox.server import SandboxServer

PROGRESS_FROM = 10_000  # datasets at least this large show a progress line while generating


class Command(BaseCommand):
    help = "Serve a Lever v1 API sandbox with seeded data, OAuth, webhooks, rate limits and fault switches."
    requires_system_checks: list[str] = []  # a standalone server: it uses neither models nor the database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765, help="TCP port (0 picks a free one).")
        parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (loopback by default).")
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same data.")
        parser.add_argument(
            "--opportunities", type=int, default=2000, help="Number of opportunities to generate."
        )
        parser.add_argument(
            "--api-key", default=None, help="API key to accept (default: derived from the seed)."
        )
        parser.add_argument("--no-rate-limit", action="store_true", help="Do not answer 429 above 10 req/s.")
        parser.add_argument(
            "--token-lifetime", type=float, default=3600, help="OAuth access token lifetime (s)."
        )
        parser.add_argument(
            "--error-rate", type=float, default=0.0, help="Share of API requests answered 5xx."
        )
        parser.add_argument("--latency", type=float, default=0.0, help="Seconds added to every API response.")
        parser.add_argument("--drop-rate", type=float, default=0.0, help="Share of connections dropped.")
        parser.add_argument(
            "--truncate-rate", type=float, default=0.0, help="Share of truncated JSON bodies."
        )
        parser.add_argument(
            "--spike-rate", type=float, default=0.0, help="Share of API requests delayed by a latency spike."
        )
        parser.add_argument("--spike-latency", type=float, default=2.0, help="Seconds of one latency spike.")
        parser.add_argument(
            "--throttle-rate",
            type=float,
            default=0.0,
            help="Share of API requests that start a burst of 429s.",
        )
        parser.add_argument(
            "--throttle-burst", type=int, default=5, help="Consecutive requests answered 429 in one burst."
        )
        parser.add_argument("--revoked", action="store_true", help="Start with the OAuth app revoked.")
        parser.add_argument(
            "--no-confidential-access",
            action="store_true",
            help="The API key may not see confidential postings, opportunities or requisitions.",
        )
        parser.add_argument(
            "--oauth-client",
            action="append",
            default=[],
            metavar="ID:SECRET",
            help="Accept another OAuth client (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clients = {}
        for pair in options["oauth_client"]:
            client_id, sep, secret = pair.partition(":")
            if not sep or not client_id or not secret:
                raise CommandError(f"--oauth-client expects ID:SECRET, got {pair!r}")
            clients[client_id] = secret
        if options["opportunities"] < 0:
            raise CommandError("--opportunities must not be negative")
        if options["verbosity"] >= 2:
            access = logging.getLogger("apps.lever_sandbox.access")
            access.setLevel(logging.DEBUG)
            access.addHandler(logging.StreamHandler(sys.stderr))
        started = time.monotonic()
        sandbox = SandboxServer(
            seed=options["seed"],
            opportunities=options["opportunities"],
            api_key=options["api_key"],
            rate_limit=not options["no_rate_limit"],
            token_lifetime=options["token_lifetime"],
            confidential_access=not options["no_confidential_access"],
            oauth_clients=clients,
            host=options["host"],
            port=options["port"],
            progress=self._progress if options["opportunities"] >= PROGRESS_FROM else None,
        )
        try:
            sandbox.set_faults(
                error_rate=options["error_rate"],
                latency=options["latency"],
                drop_rate=options["drop_rate"],
                truncate_rate=options["truncate_rate"],
                spike_rate=options["spike_rate"],
                spike_latency=options["spike_latency"],
                throttle_rate=options["throttle_rate"],
                throttle_burst=options["throttle_burst"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["revoked"]:
            sandbox.revoke_oauth()
        try:
            sandbox.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self._serve_until_signal(
            sandbox, announce=lambda: self._announce(sandbox, time.monotonic() - started)
        )
        self.stdout.write("Lever sandbox stopped.")

    def _progress(self, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        self.stderr.write(f"\rGenerating opportunities: {done:,}/{total:,}", ending=end)
        self.stderr.flush()

    def _announce(self, sandbox: SandboxServer, seconds: float) -> None:
        summary = sandbox.dataset_summary()
        client_id, secret = sandbox.oauth_client
        lines = [
            self.style.SUCCESS(
                f"Lever sandbox (seed {sandbox.seed}): {summary['opportunities']:,} opportunities "
                f"(+{summary['deletedOpportunities']} deleted), {summary['postings']} postings, "
                f"{summary['users']} users, generated in {seconds:.1f}s"
            ),
            f"  Base URL:      {sandbox.api_url}",
            f"  API key:       {sandbox.api_key}   (HTTP Basic username, empty password)",
            f"  OAuth client:  {client_id}",
            f"  OAuth secret:  {secret}",
            f"  OAuth URLs:    {sandbox.url}/oauth/authorize   {sandbox.url}/oauth/token",
            f"  Controls:      {sandbox.url}/_sandbox   (stats, config, revoke, simulate/…)",
            f"  Rate limit:    {'on (10 req/s, burst 20)' if sandbox.rate_limit else 'off'}",
            "Press Ctrl-C to stop.",
        ]
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()

    def _serve_until_signal(self, sandbox: SandboxServer, announce: Callable[[], None]) -> None:
        stop = threading.Event()
        previous = {}
        try:
            # The handlers go in before "Press Ctrl-C" is printed: a Ctrl-C that follows the
            # prompt at once must stop the server cleanly, not raise KeyboardInterrupt past us.
            if threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGINT, signal.SIGTERM):
                    previous[sig] = signal.getsignal(sig)
                    signal.signal(sig, lambda signum, frame: stop.set())
            announce()
            while not stop.wait(0.5):  # a timed wait lets the main thread run the signal handlers
                pass
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()  # before restoring handlers: a second Ctrl-C must not interrupt the shutdown
            for sig, handler in previous.items():
                signal.signal(sig, handler)
