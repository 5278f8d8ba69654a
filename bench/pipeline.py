"""Benchmark a job's pipeline pages (board, list, CSV export) on a fresh SQLite database.

    .venv/bin/python bench/pipeline.py [--applications 2000] [--stages 8] [--requests 60]

Builds one job with `--applications` applications spread over `--stages` stages, with scores, tags,
owners, sources and a few open moves, then requests each page through Django's test Client as a
logged-in recruiter (the whole stack: sessions, auth, the workspace middleware, templates). Prints
p50/p95 server time in ms and the SQL queries per request; exits 1 if any request needs more than
12 queries (the product's budget for these pages).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from procs import work_dir  # noqa: E402 (bench/ is on sys.path when this runs as a script)

WORK = work_dir()
# Production-like: DEBUG off (with DEBUG on, Django logs every SQL query, which costs time and memory).
os.environ.update(
    DEBUG="False",
    SECRET_KEY="bench-" + "x" * 50,
    FIELD_ENCRYPTION_KEY="Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA=",
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
    ALLOWED_HOSTS="testserver",
    REDIS_URL="",
    LOG_LEVEL="ERROR",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

from dataset import build  # noqa: E402  (bench/dataset.py, shared with bench/web_load.py)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

QUERY_BUDGET = 12
HTMX = {"HX-Request": "true"}


def measure(
    client: Client, label: str, path: str, count: int, headers: dict[str, str] | None = None
) -> dict[str, float | int | str]:
    """Request `path` `count` times; return p50/p95 of wall and CPU time (ms) and one request's queries.

    CPU time is this process's own (SQLite runs in it, so it includes the database): on a shared
    machine it says what the code costs when wall time also says how busy the neighbours are.
    """

    def get() -> int:
        response = client.get(path, secure=True, headers=headers)
        size = sum(len(chunk) for chunk in response) if response.streaming else len(response.content)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
        return size

    size = get()  # warm up: templates compiled, the session holds the workspace
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        get()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as captured:
        get()
    return {
        "label": label,
        "p50": statistics.median(wall),
        "p95": percentile(wall, 95),
        "cpu50": statistics.median(cpu),
        "cpu95": percentile(cpu, 95),
        "queries": len(captured),
        "kb": size // 1024,
    }


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


# No collectstatic here: static URLs without the manifest (whitenoise still serves nothing in this run).
@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=2_000)
    parser.add_argument("--stages", type=int, default=8)
    parser.add_argument(
        "--requests", type=int, default=60, help="Requests per page (the export does a fifth)."
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    job, recruiter = build(args.applications, args.stages)
    print(
        f"database: {os.environ['DATABASE_URL']}\n"
        f"built {args.applications:,} applications over {args.stages} stages "
        f"in {time.perf_counter() - started:.1f}s\n",
        flush=True,
    )
    client = Client()
    client.force_login(recruiter)
    board = reverse("jobs:pipeline", args=[job.pk])
    listing = reverse("jobs:pipeline-list", args=[job.pk])
    export = reverse("jobs:pipeline-export", args=[job.pk])
    n = args.requests
    results = [
        measure(client, "board", board, n),
        measure(client, "board, filtered (htmx)", f"{board}?tier=tier_1&source=LinkedIn", n, HTMX),
        measure(client, "board, archived", f"{board}?archived=1", n),
        measure(client, "list", listing, n),
        measure(client, "list, by name, page 7", f"{listing}?sort=name&page=7", n),
        measure(client, "list, search (htmx)", f"{listing}?q=Candidate%200012", n, HTMX),
        measure(client, "changes poll", reverse("jobs:pipeline-changes", args=[job.pk]) + "?since=1", n),
        measure(client, f"CSV export, all {args.applications:,}", export, max(n // 5, 3)),
    ]
    print(
        f"{'request':<30} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>8} {'cpu p95':>8} {'queries':>8} {'KB':>6}"
    )
    for r in results:
        flag = "  over budget!" if int(r["queries"]) > QUERY_BUDGET else ""
        print(
            f"{r['label']:<30} {r['p50']:7.1f} {r['p95']:7.1f} {r['cpu50']:8.1f} {r['cpu95']:8.1f} "
            f"{r['queries']:8d} {r['kb']:6d}{flag}"
        )
    print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    if any(int(r["queries"]) > QUERY_BUDGET for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
