"""Benchmark the write-back outbox against the sandbox (run in its own process) on a fresh SQLite database.

    .venv/bin/python bench/writeback.py [--opportunities 300] [--actions 1000] [--fault-actions 300]

1. Syncs a sandbox account without rate limiting.
2. Switches the sandbox's rate limit on (10/s, burst 20), enqueues mixed actions through the services
   and processes them with the shared limiter: wall time, requests, ratio to the ideal
   `requests / 10 per s` (target ≤ 1.15×).
3. Fault run: 10 % injected 5xx and a worker (bench/writeback_worker.py) killed with SIGKILL after a
   few seconds, in the middle of sending a create, upload or note, then run again (with a 2-second
   lease) until nothing is left; then counts duplicates in the sandbox (notes
   by text, opportunities per email and per contact and posting, files per name, links), which
   must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from procs import work_dir  # noqa: E402 (bench/ is on sys.path when this runs as a script)

WORK = work_dir()
# Production-like: DEBUG off. The worker subprocess inherits this environment, so it shares the database.
os.environ.update(
    DEBUG="False",
    SECRET_KEY="bench-" + "x" * 50,
    FIELD_ENCRYPTION_KEY="Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA=",
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
    MEDIA_ROOT=str(WORK / "media"),
    REDIS_URL="",
    LOG_LEVEL="ERROR",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from writeback_mix import duplicates, enqueue_mix  # noqa: E402

from apps.accounts.models import User, WritebackApproval  # noqa: E402
from apps.accounts.services import workspace_create  # noqa: E402
from apps.integrations import outbox  # noqa: E402
from apps.integrations.lever.credentials import lever_client_for  # noqa: E402
from apps.integrations.lever.sync.runner import run_sync  # noqa: E402
from apps.integrations.models import (  # noqa: E402
    AtsUser,
    Connection,
    ConnectionStatus,
    Environment,
    SyncKind,
    WritebackAction,
    WritebackKind,
    WritebackStatus,
)
from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES  # noqa: E402

LEASE = 2.0  # seconds; production uses minutes
NOT_IDEMPOTENT = (
    WritebackKind.ADD_NOTE,
    WritebackKind.ADD_RESULT_LINK,
    WritebackKind.ADD_ATTACHMENT,
    WritebackKind.CREATE_CANDIDATE,
    WritebackKind.CREATE_APPLICATION,
)
KEY = "bench-key"


class Sandbox:
    """`manage.py lever_sandbox` in a subprocess (as in bench/sync.py), so its CPU is not ours."""

    def __init__(self, opportunities: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "lever_sandbox", "--port", str(port), "--api-key", KEY]
            + ["--opportunities", str(opportunities), "--no-rate-limit"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/_sandbox", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the sandbox did not start")

    def control(self, path: str, **body: object) -> dict:
        return requests.post(f"{self.url}/_sandbox/{path}", json=body, timeout=30).json()

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def setup(sandbox: Sandbox) -> Connection:
    owner, _ = User.objects.get_or_create(email="bench@recruitdesk.local")
    workspace = workspace_create(name="Bench", owner=owner)
    workspace.writeback_approval = WritebackApproval.NONE  # the bench measures sending, not approving
    workspace.save()
    connection = Connection.objects.create(
        workspace=workspace,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        api_key=KEY,
        status=ConnectionStatus.ACTIVE,
    )
    started = time.perf_counter()
    run_sync(connection, kind=SyncKind.FULL, client_options={"limiter": None})
    requests = sandbox.stats()["total"]
    print(
        f"{'full sync, unlimited':<34} {time.perf_counter() - started:8.1f}s  {requests:>6} req", flush=True
    )
    connection.refresh_from_db()
    connection.writeback_user = (
        AtsUser.objects.for_connection(connection)
        .filter(deactivated_at=None, access_role="super admin")
        .first()
    )
    connection.save()
    return connection


def limited_run(sandbox: Sandbox, connection: Connection, count: int) -> None:
    sandbox.control("config", rate_limit=True)
    kinds = enqueue_mix(connection, count, run="limited", seed=1)
    print(
        f"enqueued {sum(kinds.values())}: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()),
        flush=True,
    )
    sandbox.control("stats/reset")
    started = time.perf_counter()
    outcomes = outbox.writeback_process(connection, time_budget=3600)  # the shared limiter: 10/s, burst 20
    wall = time.perf_counter() - started
    stats = sandbox.stats()
    ratio = wall / (stats["total"] / 10)
    print(
        f"{'processed, rate limited':<34} {wall:8.1f}s  {stats['total']:>6} req  "
        f"ratio {ratio:.3f}× ideal (target ≤ 1.15×)  outcomes {dict(outcomes)}",
        flush=True,
    )
    print(f"    statuses {stats['statuses']}, max {stats['max_per_second']} req in any 1 s", flush=True)


def worker(connection: Connection) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "bench/writeback_worker.py",
            "--connection",
            str(connection.pk),
            "--lease",
            str(LEASE),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def kill_mid_send(process: subprocess.Popen, batch) -> None:
    """SIGKILL the worker while it sends a create, upload or note, when its request may or may not have landed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if batch.filter(status=WritebackStatus.RUNNING, kind__in=NOT_IDEMPOTENT).exists():
            time.sleep(random.uniform(0, 0.08))
            break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def fault_run(sandbox: Sandbox, connection: Connection, count: int, kill_after: float) -> None:
    sandbox.control("config", rate_limit=True, error_rate=0.1)
    earlier = (
        WritebackAction.objects.filter(connection=connection).order_by("-pk").values_list("pk", flat=True)
    )
    batch = WritebackAction.objects.filter(connection=connection, pk__gt=earlier.first() or 0)
    enqueue_mix(connection, count, run="fault", seed=2)
    sandbox.control("stats/reset")
    started = time.perf_counter()
    first = worker(connection)
    time.sleep(kill_after)
    kill_mid_send(first, batch)
    in_flight = Counter(batch.filter(status=WritebackStatus.RUNNING).values_list("kind", flat=True))
    done = batch.filter(status=WritebackStatus.SUCCEEDED).count()
    print(
        f"worker killed with SIGKILL after {time.perf_counter() - started:.1f}s: {done} actions done, "
        f"mid-send: {dict(in_flight) or 'none'}",
        flush=True,
    )
    runs, outcomes = 1, Counter()
    while batch.filter(status__in=OPEN_WRITEBACK_STATUSES).exists():
        time.sleep(LEASE + 0.5)  # let a dead worker's lease run out
        upcoming = (
            batch.filter(status=WritebackStatus.PENDING)
            .exclude(next_attempt_at=None)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if upcoming and upcoming > timezone.now():  # nothing is due before this retry: wait for it
            time.sleep((upcoming - timezone.now()).total_seconds())
        out, _ = worker(connection).communicate()
        outcomes.update(json.loads(out.strip().splitlines()[-1]) if out.strip() else {})
        runs += 1
    wall = time.perf_counter() - started
    stats = sandbox.stats()
    statuses = Counter(batch.values_list("status", flat=True))
    retried = batch.filter(attempts__gt=1).count()
    print(
        f"{'fault run (10 % 5xx, one kill)':<34} {wall:8.1f}s  {stats['total']:>6} req  {runs} worker runs, "
        f"{retried} actions attempted more than once, outcomes after the kill {dict(outcomes)}, "
        f"final {dict(statuses)}",
        flush=True,
    )
    print(f"    sandbox statuses {stats['statuses']}", flush=True)
    for action in batch.filter(status=WritebackStatus.FAILED)[:5]:
        print(f"    failed #{action.pk} {action.kind}: {action.last_error}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=300)
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--fault-actions", type=int, default=300)
    parser.add_argument(
        "--kill-after",
        type=float,
        default=6.0,
        help="Seconds before the worker is killed (at its next create, upload or note).",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    outbox.wake_worker = lambda connection: None  # no qcluster here: this script runs the worker itself
    print(f"database: {os.environ['DATABASE_URL']}  (sandbox in its own process)\n", flush=True)
    sandbox = Sandbox(args.opportunities)
    try:
        connection = setup(sandbox)
        limited_run(sandbox, connection, args.actions)
        fault_run(sandbox, connection, args.fault_actions, args.kill_after)
        sandbox.control("config", rate_limit=False, error_rate=0.0)
        client = lever_client_for(connection, limiter=None)
        try:
            found = duplicates(connection, client)
        finally:
            client.close()
        print(
            f"duplicates in the sandbox: {sum(found['duplicates'].values())} "
            f"{dict(found['duplicates']) or ''}(target 0); missing: {sum(found['missing'].values())} "
            f"{dict(found['missing']) or ''}; checked {dict(found['checked'])}",
            flush=True,
        )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
