"""Benchmark the Lever sync against the sandbox (run in its own process) on a fresh SQLite database.

    .venv/bin/python bench/sync.py --opportunities 10000 [--rate-limited-full 150] [--rss 100000]

Prints, per run: wall time, requests (by endpoint group), records written, peak RSS of this process,
and for rate-limited runs the ratio of wall time to the ideal `requests / 10 per s`. Also measures
ingest (mapping + database writes of opportunities with their children, from payloads fetched once),
the part of a sync that does not wait on the network.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
from procs import work_dir  # noqa: E402 (bench/ is on sys.path when this runs as a script)

WORK = work_dir()
# Production-like: DEBUG off (with DEBUG on, Django logs every SQL query, which costs time and memory).
os.environ.update(
    DEBUG="False",
    SECRET_KEY="bench-" + "x" * 50,
    FIELD_ENCRYPTION_KEY="Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA=",
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
    REDIS_URL="",
    LOG_LEVEL="ERROR",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.services import workspace_create  # noqa: E402
from apps.integrations.lever.sync.runner import run_sync  # noqa: E402
from apps.integrations.models import Connection, ConnectionStatus, Environment, SyncKind  # noqa: E402
from apps.integrations.ratelimit import rate_limiter_for  # noqa: E402

KEY = "bench-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """`manage.py lever_sandbox` in a subprocess, so its memory and CPU are not ours."""

    def __init__(self, opportunities: int, *, rate_limit: bool) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        args = [
            sys.executable,
            "manage.py",
            "lever_sandbox",
            "--port",
            self.url.rsplit(":", 1)[1],
            "--api-key",
            KEY,
            "--opportunities",
            str(opportunities),
        ]
        self.process = subprocess.Popen(
            [*args, *([] if rate_limit else ["--no-rate-limit"])],
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


def connection_for(sandbox: Sandbox) -> Connection:
    owner, _ = User.objects.get_or_create(email="bench@recruitdesk.local")
    workspace = workspace_create(name=f"Bench {time.monotonic_ns()}", owner=owner)
    return Connection.objects.create(
        workspace=workspace,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        api_key=KEY,
        status=ConnectionStatus.ACTIVE,
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(
    label: str, sandbox: Sandbox, connection: Connection, kind: str, *, limited: bool, **options
) -> dict:
    sandbox.control("stats/reset")
    limiter = (
        rate_limiter_for(f"bench:{connection.pk}:{time.monotonic_ns()}", rate=10, burst=20)
        if limited
        else None
    )
    started = time.perf_counter()
    run = run_sync(connection, kind=kind, client_options={"limiter": limiter}, **options)
    wall = time.perf_counter() - started
    run.refresh_from_db()
    stats = sandbox.stats()
    groups: Counter[str] = Counter()
    for pattern, count in stats["endpoints"].items():
        groups[_group(pattern)] += count
    written = sum(
        c.get("created", 0) + c.get("updated", 0) + c.get("deleted", 0)
        for name, c in run.stats.items()
        if name != "requests"
    )
    result = {
        "run": label,
        "status": run.status,
        "wall_s": wall,
        "requests": stats["total"],
        "written": written,
        "by_endpoint": dict(groups.most_common()),
        "rss_mb": peak_rss_mb(),
        "statuses": stats.get("statuses", {}),
    }
    if limited:
        result["ratio_to_ideal"] = wall / (stats["total"] / 10)
    print_result(result)
    return result


def _group(pattern: str) -> str:
    parts = pattern.split()[-1].split("/")
    return "/".join(parts[2:4]) if len(parts) > 3 else "/".join(parts[2:])


def print_result(r: dict) -> None:
    line = (
        f"{r['run']:<28} {r['status']:<9} {r['wall_s']:8.1f}s  {r['requests']:>7} req  "
        f"{r['written']:>8} rows  peak RSS {r['rss_mb']:6.0f} MB"
    )
    if "ratio_to_ideal" in r:
        line += f"  ratio {r['ratio_to_ideal']:.3f}× ideal"
    print(line, flush=True)
    print("    " + ", ".join(f"{k} {v}" for k, v in r["by_endpoint"].items()), flush=True)
    if any(s not in ("200", "201", "204") for s in r["statuses"]):
        print(f"    statuses: {r['statuses']}", flush=True)


def touch(sandbox: Sandbox, connection: Connection, share: float, seed: int) -> int:
    """Move `share` of active opportunities to another stage inside the sandbox (their updatedAt moves)."""
    from apps.candidates.models import Application
    from apps.jobs.models import Stage

    ids = list(Application.objects.for_connection(connection).alive().values_list("remote_id", flat=True))
    stages = list(Stage.objects.for_connection(connection).values_list("remote_id", flat=True))
    rng = random.Random(seed)
    chosen = rng.sample(ids, max(1, int(len(ids) * share)))
    for opportunity_id in chosen:
        sandbox.control("simulate/stage-change", opportunityId=opportunity_id, stageId=rng.choice(stages))
    return len(chosen)


def ingest(sandbox: Sandbox, connection: Connection, count: int) -> None:
    """Time mapping + writes alone: fetch `count` opportunities with children once, then ingest them."""
    from apps.integrations.lever import mapping
    from apps.integrations.lever.credentials import lever_client_for
    from apps.integrations.lever.sync.children import KINDS
    from apps.integrations.upsert import MirrorWriter

    client = lever_client_for(connection, limiter=None)
    opportunities = []
    for opportunity in client.iter_opportunities():
        children = {kind.name: list(kind.fetch(client, opportunity["id"])) for kind in KINDS}
        opportunities.append((opportunity, children))
        if len(opportunities) >= count:
            break
    writer = MirrorWriter(connection, source="full")
    started = time.perf_counter()
    for start in range(0, len(opportunities), 100):
        page = opportunities[start : start + 100]
        writer.write([r for o, _ in page for r in mapping.map_opportunity(o, hired_reason_ids=set())])
        records = []
        for opportunity, children in page:
            for kind in KINDS:
                records += kind.to_records(opportunity["id"], opportunity["contact"], children[kind.name])
        writer.write(sorted(records, key=lambda r: [k.label for k in KINDS].index(r.model)))
    elapsed = time.perf_counter() - started
    rows = sum(c.get("created", 0) for c in writer.stats.values())
    print(
        f"{'ingest (map + write)':<28} {len(opportunities)} opportunities with children, {rows} rows in "
        f"{elapsed:.2f}s = {len(opportunities) / elapsed:,.0f} opportunities/s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument(
        "--rate-limited-full",
        type=int,
        default=150,
        help="Size of the account for the rate-limited full sync (0 to skip).",
    )
    parser.add_argument("--ingest", type=int, default=2_000, help="Opportunities for the ingest measurement.")
    parser.add_argument(
        "--rss",
        type=int,
        default=0,
        help="Also sync this many opportunities' people (no children) for peak RSS.",
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {os.environ['DATABASE_URL']}  (sandbox in its own process)\n", flush=True)

    sandbox = Sandbox(args.opportunities, rate_limit=False)
    try:
        connection = connection_for(sandbox)
        full = measure(
            f"full, {args.opportunities:,} opps", sandbox, connection, SyncKind.FULL, limited=False
        )
        print(
            f"    = {args.opportunities / full['wall_s']:,.0f} opportunities/s end to end over HTTP",
            flush=True,
        )
        measure("delta, 0 % changed", sandbox, connection, SyncKind.DELTA, limited=False)
        changed = touch(sandbox, connection, 0.01, seed=1)
        delta = measure(f"delta, 1 % ({changed}) changed", sandbox, connection, SyncKind.DELTA, limited=False)
        print(f"    = {delta['requests'] / full['requests']:.2%} of the full sync's requests", flush=True)
        ingest(sandbox, connection_for(sandbox), args.ingest)
        sandbox.control("config", rate_limit=True)
        changed = touch(sandbox, connection, 0.01, seed=2)
        measure(f"delta, 1 % ({changed}), limited", sandbox, connection, SyncKind.DELTA, limited=True)
    finally:
        sandbox.stop()
    if args.rate_limited_full:
        small = Sandbox(args.rate_limited_full, rate_limit=True)
        try:
            measure(
                f"full, {args.rate_limited_full} opps, limited",
                small,
                connection_for(small),
                SyncKind.FULL,
                limited=True,
            )
        finally:
            small.stop()
    if args.rss:
        big = Sandbox(args.rss, rate_limit=False)
        try:
            measure(
                f"people of {args.rss:,} opps",
                big,
                connection_for(big),
                SyncKind.FULL,
                limited=False,
                only=[
                    "users",
                    "stages",
                    "archive_reasons",
                    "tags",
                    "sources",
                    "requisitions",
                    "postings",
                    "opportunities",
                    "deleted",
                ],
            )
        finally:
            big.stop()


if __name__ == "__main__":
    main()
