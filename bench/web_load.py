"""Web load test: simulated recruiters against gunicorn on loopback, on SQLite and on PostgreSQL.

    .venv/bin/python bench/web_load.py [--database sqlite|postgres|both] [--users 50] [--duration 300]
        [--server gthread:2x4[,sync:5,…]] [--spawn-rate 0.45] [--results-dir DIR] [--keep]

Per database, from nothing: a fresh database (an SQLite file in a temp dir, or `recruitdesk_bench_<pid>`
on postgres://postgres@127.0.0.1:5432, dropped at the end), migrated; the Lever sandbox
(`manage.py lever_sandbox`) in its own process; a workspace with an owner and ten recruiters whose
connection to the sandbox is synced (its 24 postings, people, notes, interviews and resumes are the
smaller jobs); then one posting gets 2,000 more applications over 8 stages with scores, tags, notes
and owners (bench/dataset.py, the builder of bench/pipeline.py), and each active one is also created
in the sandbox, so the users' write-backs reach a Lever that knows them and come back into the
mirror. Then, production-like (DEBUG off, whitenoise with the manifest from collectstatic, a
django-q2 worker so write-backs drain, the sandbox rate-limited like Lever, on PostgreSQL the Redis
broker and cache the README advises when Redis answers on 127.0.0.1:6379), it serves the app with
gunicorn and runs bench/web_load_users.py in locust, headless, in its own process: each user logs in
through django-allauth, then browses and acts like a recruiter with 1–3 s think time (the weights
are in that file) while the open page polls as in the browser.

Users start at 0.45 a second: django-allauth allows 30 logins a minute per address and all of them
come from 127.0.0.1. The figures cover the steady state after that ramp (all users logged in):
requests/s and p50/p95/p99 in ms, overall and per page or action; errors (ramp-up included) with
examples; how the write-backs fared; the CPU of gunicorn, PostgreSQL (this database's backends),
the worker, the sandbox and locust, in cores and per request (the figure that holds still when the
machine is shared), and how busy the machine was. Written to `<results-dir>/web_load-<time>.json`
and `.csv`. Exits 1 on any error.

--server takes several setups to compare on one dataset (one ramp-up and run each). gthread:2x4 is
the default: on 2 cores it gave the lowest median and a p95 as good as 4x2, 3x3 or sync:5 (sync
workers queue a 4 ms status poll behind 50 ms pages: its p50 was 2.5x higher). Keep-alive is 75 s,
longer than any client's idle gap, so a connection is never closed under a request being sent.
Plain HTTP on loopback: TLS ends at the proxy in production, so the secure-cookie and SSL-redirect
settings are off here; on PostgreSQL connections persist (DATABASE_CONN_MAX_AGE, 60 s by default).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# bench/ is on sys.path when this runs as a script.
from procs import percentile

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SANDBOX_KEY = "bench-web-load-key"
PASSWORD = "Recruit-bench-2024!"  # every member's password (the locust users log in with it)
RECRUITERS = 10
P95_TARGET_MS = 300.0
OPEN_SQL = "SELECT count(*) FROM integrations_writebackaction WHERE status IN ('pending', 'running')"
SECRET = "bench-web-load-" + "x" * 40
FERNET = "Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA="
# Only STATIC_ROOT differs from config.settings: collectstatic writes into the run's temp dir.
SETTINGS_SHIM = "import os\nfrom config.settings import *  # noqa: F403\n\nSTATIC_ROOT = os.environ['WEB_LOAD_STATIC_ROOT']\n"


# ================================================================================================
# The dataset (runs in a child process: Django is set up once per database)
# ================================================================================================


def build_main(
    manifest_path: str, applications: int, stages: int, sandbox_url: str, opportunities: int
) -> None:
    """Migrate, collect static files, build the dataset, mirror its active applications in the sandbox."""
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()
    import requests
    from allauth.account.models import EmailAddress
    from dataset import COMPANIES, FIRST, LAST, TAGS, fill_job, named_person
    from django.core.management import call_command
    from django.db import connection as db_connection
    from django.db.models import Count

    from apps.accounts.models import Membership, User
    from apps.accounts.roles import Role
    from apps.accounts.services import workspace_create
    from apps.candidates.models import Application, Candidate, Tag
    from apps.integrations.lever.sync.runner import run_sync
    from apps.integrations.models import AtsUser, Connection, ConnectionStatus, Environment, SyncKind
    from apps.jobs.models import Job, Stage
    from apps.scoring import services as scoring
    from apps.scoring.engine import ENGINE_VERSION

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    owner = User.objects.create_user(email="owner@bench.local", password=PASSWORD)
    workspace = workspace_create(name="Bench recruiting", owner=owner)
    emails = [f"recruiter{n:02d}@bench.local" for n in range(1, RECRUITERS + 1)]
    for email in emails:
        user = User.objects.create_user(email=email, password=PASSWORD)
        Membership.objects.create(workspace=workspace, user=user, role=Role.RECRUITER)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in User.objects.all()
    )
    lever = Connection.objects.create(
        workspace=workspace,
        name="Lever sandbox",
        environment=Environment.CUSTOM,
        base_url=sandbox_url,
        api_key=SANDBOX_KEY,
        status=ConnectionStatus.ACTIVE,
    )
    run = run_sync(lever, kind=SyncKind.FULL, client_options={"limiter": None})
    print(
        f"  synced {opportunities} sandbox opportunities ({run.status}) in {time.perf_counter() - started:.0f}s"
    )
    lever.refresh_from_db()
    lever.writeback_user = (
        AtsUser.objects.for_connection(lever).filter(deactivated_at=None, access_role="super admin").first()
    )
    lever.save()

    # The big pipeline: the published posting with the most applications gets `applications` more.
    job = (
        Job.objects.for_connection(lever)
        .filter(status="published", confidential=False)
        .annotate(n=Count("applications"))
        .order_by("-n", "pk")
        .first()
    )
    pipeline = list(Stage.objects.for_connection(lever).alive().order_by("global_index", "pk")[:stages])
    owners = list(AtsUser.objects.for_connection(lever).filter(deactivated_at=None))

    built = time.perf_counter()
    rng = random.Random(7)
    apps = fill_job(
        job,
        stages=pipeline,
        owners=owners,
        applications=applications,
        rng=rng,
        person=named_person,
        open_moves=0,  # the users' own moves fill the outbox
        notes=3,
        engine_version=ENGINE_VERSION,  # fresh: nothing is rescored behind the test's back
    )
    print(f"  built {len(apps):,} applications on “{job.name}” in {time.perf_counter() - built:.1f}s")

    # Mirror the active ones in the sandbox, with the same stage, owner, tags, sources and origin.
    mirrored = time.perf_counter()
    active = list(
        Application.objects.filter(pk__in=[a.pk for a in apps], outcome="active")
        .select_related("candidate", "current_stage", "owner")
        .prefetch_related("tags")
    )
    session = requests.Session()
    session.auth = (SANDBOX_KEY, "")
    performer = lever.writeback_user.remote_id
    for application in active:
        who = application.candidate
        body = {
            "name": who.name,
            "emails": [who.email],
            "headline": who.headline,
            "postings": [job.remote_id],
            "stage": application.current_stage.remote_id,
            "owner": application.owner.remote_id,
            "tags": [tag.name for tag in application.tags.all()],
            "sources": application.sources,
            "origin": application.origin,
        }
        answer = session.post(
            f"{sandbox_url}/v1/opportunities", params={"perform_as": performer}, json=body, timeout=30
        )
        answer.raise_for_status()
        data = answer.json()["data"]
        application.remote_id, who.remote_id = data["id"], data["contact"]
    Application.objects.bulk_update(active, ["remote_id"], batch_size=500)
    Candidate.objects.bulk_update([a.candidate for a in active], ["remote_id"], batch_size=500)
    print(f"  created {len(active):,} of them in the sandbox in {time.perf_counter() - mirrored:.1f}s")
    summary = scoring.score_changed(lever)  # the synced applications; the built ones are fresh
    print(
        f"  scored the synced applications: {summary.scored} scored, {summary.written_back} tier write-backs"
    )

    others = list(
        Job.objects.for_connection(lever)
        .filter(status="published")
        .exclude(pk=job.pk)
        .annotate(n=Count("applications"))
        .filter(n__gt=0)
        .values_list("pk", flat=True)
    )
    synced_active = list(
        Application.objects.for_connection(lever)
        .filter(outcome="active", job__isnull=False, remote_deleted_at=None)
        .exclude(job=job)
        .values_list("pk", "candidate_id")
    )
    searches = sorted({*LAST, *COMPANIES[:8], *(name.split()[0] for name in FIRST[:6])})
    manifest = {
        "job": job.pk,
        "job_name": job.name,
        "other_jobs": others,
        "stage_ids": [stage.pk for stage in pipeline],
        "tag_ids": list(Tag.objects.filter(connection=lever, name__in=TAGS).values_list("pk", flat=True)),
        "sources": ["LinkedIn", "Referral", "Agency", "Job board"],
        "owner_ids": [o.pk for o in owners],
        # Actions go to applications that Lever (the sandbox) knows: the mirrored ones and the synced.
        "actionable": [[a.pk, a.candidate_id] for a in active] + [list(pair) for pair in synced_active],
        "candidates": list(
            Candidate.objects.for_workspace(workspace).order_by("?").values_list("pk", flat=True)[:3000]
        ),
        "searches": searches,
        "members": emails,
        "password": PASSWORD,
        "counts": {
            "applications": Application.objects.for_workspace(workspace).count(),
            "big_job_applications": Application.objects.filter(job=job).count(),
            "big_job_active": Application.objects.filter(job=job, outcome="active").count(),
            "jobs": Job.objects.for_workspace(workspace).count(),
            "candidates": Candidate.objects.for_workspace(workspace).count(),
            "actionable": len(active) + len(synced_active),
            "members": 1 + len(emails),
        },
    }
    if db_connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum keeps them in a database in use: right after bulk
        # inserts the planner believes the tables are empty and nests loops over thousands of rows.
        # (SQLite keeps none unless someone runs ANALYZE, so it runs as deployed.)
        with db_connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    Path(manifest_path).write_text(json.dumps(manifest))
    print(f"  dataset ready in {time.perf_counter() - started:.0f}s: {manifest['counts']}")


def report_main(path: str, after: int) -> None:
    """After a run: how the write-backs its users queued (ids above `after`) fared."""
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()
    from django.db.models import Avg, F, Max

    from apps.integrations.models import WritebackAction

    actions = WritebackAction.objects.filter(pk__gt=after)
    statuses = Counter(actions.values_list("status", flat=True))
    done = actions.filter(completed_at__isnull=False).annotate(took=F("completed_at") - F("created_at"))
    took = done.aggregate(avg=Avg("took"), max=Max("took"))
    failures = Counter(actions.filter(status="failed").values_list("last_error", flat=True)).most_common(3)
    Path(path).write_text(
        json.dumps(
            {
                "statuses": dict(statuses),
                "avg_s": took["avg"].total_seconds() if took["avg"] else None,
                "max_s": took["max"].total_seconds() if took["max"] else None,
                "failures": failures,
            }
        )
    )


# ================================================================================================
# Orchestration (no Django in this process)
# ================================================================================================


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float, process: subprocess.Popen | None = None) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f}s")


def redis_databases() -> tuple[int, int] | None:
    """Two empty Redis databases to claim for the broker and the cache (None: Redis is not there)."""
    try:
        import redis
    except ImportError:
        return None
    try:
        free = []
        for number in range(15, 1, -1):
            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_timeout=2)
            if client.dbsize() == 0:
                client.set(f"recruitdesk-web-load:{os.getpid()}", "claimed", ex=24 * 3600)
                free.append(number)
            if len(free) == 2:
                return free[0], free[1]
    except redis.RedisError:
        return None
    return None


def redis_release(numbers: tuple[int, int]) -> None:
    import redis

    for number in numbers:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number).flushdb()


@dataclass
class Database:
    kind: str  # sqlite | postgres
    work: Path
    url: str = ""
    name: str = ""
    redis: tuple[int, int] | None = None

    def create(self, use_redis: bool) -> None:
        if self.kind == "sqlite":
            self.url = f"sqlite:///{self.work / 'bench.sqlite3'}"
            return
        import psycopg

        self.name = f"recruitdesk_bench_{os.getpid()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"
        self.redis = redis_databases() if use_redis else None

    def drop(self) -> None:
        if self.redis:
            redis_release(self.redis)
        if self.name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def scalar(self, sql: str) -> Any:
        """One value from the bench database (read straight, without Django)."""
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.work / "bench.sqlite3", timeout=20) as conn:
                return conn.execute(sql).fetchone()[0]
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]

    def backend_pids(self) -> list[int]:
        if not self.name:
            return []
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name]).fetchall()
        return [row[0] for row in rows]


def environment(db: Database, sandbox_url: str, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        DEBUG="False",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=FERNET,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="web_load_settings",
        PYTHONPATH=os.pathsep.join([str(db.work), str(ROOT)]),
        WEB_LOAD_STATIC_ROOT=str(db.work / "static"),
        MEDIA_ROOT=str(db.work / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        # Plain HTTP on loopback (TLS ends at the proxy): cookies must travel without HTTPS.
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        LOG_LEVEL="WARNING",
        Q_WORKERS=str(args.q_workers),
    )
    if db.redis:
        env["REDIS_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db.redis[0]}"
        env["CACHE_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db.redis[1]}"
    else:
        env["CACHE_URL"] = f"filecache://{db.work / 'cache'}"
    if args.conn_max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)
    return env


def gunicorn_command(server: str, port: int) -> list[str]:
    """`sync:5` (5 sync workers) or `gthread:2x4` (2 workers of 4 threads)."""
    kind, _, size = server.partition(":")
    command = [PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += [
        "--no-control-socket",
        "--keep-alive",
        "75",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--backlog",
        "256",
    ]
    if kind == "sync":
        command += ["--worker-class", "sync", "--workers", size or "5"]
    elif kind == "gthread":
        workers, _, threads = (size or "2x4").partition("x")
        command += ["--worker-class", "gthread", "--workers", workers, "--threads", threads or "4"]
    else:
        raise SystemExit(f"--server: expected sync:N or gthread:WxT, not {server!r}")
    return command


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, wait: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- CPU accounting ------------------------------------------------------------------------------------


def tree_pids(pid: int) -> list[int]:
    """A process and its live descendants."""
    import psutil

    try:
        root = psutil.Process(pid)
        return [pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


class CpuMeter:
    """CPU seconds per group of processes over a window, sampled every second.

    Processes come and go inside a window (PostgreSQL backends are replaced when CONN_MAX_AGE runs
    out, gunicorn may restart a worker), so each pid is followed on its own: one born in the window
    counts from zero, one that dies counts up to its last sample (at most a second is lost).
    """

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning the group's pids now
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stopped = False
        self.thread: Any = None

    def _sample(self) -> None:
        import psutil

        for name, pids in self.groups.items():
            try:
                found = pids()
            except Exception:  # noqa: BLE001 - a failed sample (e.g. the database restarting) is skipped
                continue
            for pid in found:
                try:
                    process = psutil.Process(pid)
                    times = process.cpu_times()
                    born = process.create_time()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                key = (name, pid)
                if key not in self.first:
                    self.first[key] = 0.0 if born > self.started_epoch else times.user + times.system
                self.last[key] = times.user + times.system

    def _loop(self) -> None:
        while not self.stopped:
            time.sleep(1)
            if not self.stopped:
                self._sample()

    def begin(self) -> None:
        import threading

        import psutil

        self.started_epoch = time.time()
        self.machine_start = psutil.cpu_times()
        self.started_at = time.monotonic()
        self._sample()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def end(self) -> dict[str, Any]:
        import psutil

        self.stopped = True
        self._sample()
        wall = time.monotonic() - self.started_at
        used = dict.fromkeys(self.groups, 0.0)
        for (name, pid), value in self.last.items():
            used[name] += value - self.first[(name, pid)]
        machine = psutil.cpu_times()
        idle = (machine.idle + getattr(machine, "iowait", 0)) - (
            self.machine_start.idle + getattr(self.machine_start, "iowait", 0)
        )
        total = sum(machine) - sum(self.machine_start)
        cores = psutil.cpu_count() or 1
        busy_cores = (total - idle) / total * cores if total else 0.0
        ours = sum(used.values()) / wall if wall else 0.0
        return {
            "wall_s": wall,
            "cores_used": {name: seconds / wall for name, seconds in used.items()},
            "machine_busy_cores": busy_cores,
            "others_cores": max(0.0, busy_cores - ours),
            "cores": cores,
        }


# -- figures -------------------------------------------------------------------------------------------


def figures(samples: list[dict], window: tuple[float, float]) -> dict[str, Any]:
    """Per request name and overall: count, req/s, p50/p95/p99/max, errors (steady-state window only)."""
    start, end = window
    seconds = max(end - start, 1e-9)
    steady = [s for s in samples if start <= s["t"] < end and not s.get("side")]
    rows: dict[str, dict[str, Any]] = {}
    names = sorted({s["name"] for s in steady}, key=lambda n: (-sum(1 for s in steady if s["name"] == n), n))
    for name in [*names, "ALL"]:
        chosen = steady if name == "ALL" else [s for s in steady if s["name"] == name]
        times = [s["ms"] for s in chosen]
        rows[name] = {
            "count": len(chosen),
            "rps": len(chosen) / seconds,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": max(times) if times else float("nan"),
            "errors": sum(1 for s in chosen if not s["ok"]),
        }
    return rows


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    print(
        f"    {'request':<34} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    for name, r in rows.items():
        if name == "ALL":
            print("    " + "-" * 93)
        print(
            f"    {name[:34]:<34} {r['count']:>7} {r['rps']:>7.2f} {r['p50']:>8.0f} {r['p95']:>8.0f} "
            f"{r['p99']:>8.0f} {r['max']:>8.0f} {r['errors']:>7}"
        )


# -- one database ----------------------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Set one database up from nothing, run the load once per gunicorn setup in --server, tear down."""
    work = Path(tempfile.mkdtemp(prefix=f"recruitdesk-web-load-{kind}-"))
    (work / "web_load_settings.py").write_text(SETTINGS_SHIM)
    db = Database(kind, work)
    sandbox = qcluster = None
    results = []
    print(f"\n=== {kind} ===", flush=True)
    try:
        db.create(use_redis=not args.no_redis)
        sandbox_port = free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        logs = work / "logs"
        logs.mkdir()
        sandbox = subprocess.Popen(
            [PYTHON, "manage.py", "lever_sandbox", "--port", str(sandbox_port), "--api-key", SANDBOX_KEY]
            + ["--opportunities", str(args.sandbox_opportunities), "--no-rate-limit"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "True"},
            stdout=(logs / "sandbox.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{sandbox_url}/_sandbox", 120, sandbox)
        env = environment(db, sandbox_url, args)
        broker = f"Redis db {db.redis[0]}, cache db {db.redis[1]}" if db.redis else "ORM broker, file cache"
        print(f"database {db.url}  ({broker}); work dir {work}", flush=True)
        manifest = work / "manifest.json"
        subprocess.run(
            [PYTHON, __file__, "_build", str(manifest), str(args.applications), str(args.stages), sandbox_url]
            + [str(args.sandbox_opportunities)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        dataset = json.loads(manifest.read_text())["counts"]
        # Lever's real limits from now on (the client-side limiter keeps the worker under them anyway).
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(
                f"{sandbox_url}/_sandbox/config",
                data=json.dumps({"rate_limit": True}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            ),
            timeout=10,
        )
        qcluster = subprocess.Popen(
            [PYTHON, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=(logs / "qcluster.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for number, server in enumerate(args.server.split(",")):
            result = load_run(kind, server.strip(), number, args, db, env, manifest, sandbox, qcluster)
            results.append({"database": kind, "dataset": dataset, **result})
            print_result(results[-1])
        return results
    finally:
        stop(qcluster, signal.SIGINT, wait=30)  # SIGINT to the main pid only (README, django-q2 #346)
        stop(sandbox)
        if args.keep:
            print(f"kept {work}" + (f" and the database {db.name}" if db.name else ""))
            if db.redis:
                redis_release(db.redis)
        else:
            try:
                db.drop()
            finally:
                shutil.rmtree(work, ignore_errors=True)


def load_run(
    kind: str,
    server_spec: str,
    number: int,
    args: argparse.Namespace,
    db: Database,
    env: dict[str, str],
    manifest: Path,
    sandbox: subprocess.Popen,
    qcluster: subprocess.Popen,
) -> dict[str, Any]:
    """Serve with gunicorn as `server_spec`, run locust against it, return the figures."""
    work, logs = db.work, db.work / "logs"
    server = locust = None
    web_port = free_port()
    host = f"http://127.0.0.1:{web_port}"
    try:
        server = subprocess.Popen(
            gunicorn_command(server_spec, web_port),
            cwd=ROOT,
            env=env,
            stdout=(logs / f"gunicorn-{number}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{host}/accounts/login/", 60, server)
        # Start from a quiet outbox (the setup's scoring or the previous run may have queued some).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and db.scalar(OPEN_SQL):
            time.sleep(1)
        print(f"\noutbox before the run: {db.scalar(OPEN_SQL)} open write-backs", flush=True)
        first_action = db.scalar("SELECT coalesce(max(id), 0) FROM integrations_writebackaction")
        samples_path = work / f"samples-{number}.jsonl"
        ramp = args.users / args.spawn_rate + 10  # spawning, logins, then 10 s to settle
        locust_env = {**os.environ, "WEB_LOAD_MANIFEST": str(manifest), "WEB_LOAD_SAMPLES": str(samples_path)}
        locust_started = time.time()
        locust = subprocess.Popen(
            [PYTHON, "-m", "locust", "-f", str(BENCH / "web_load_users.py"), "--headless"]
            + ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{int(ramp + args.duration)}s"]
            + ["-H", host, "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "15"]
            + ["--exit-code-on-error", "0"],
            cwd=ROOT,
            env=locust_env,
            stdout=(logs / f"locust-{number}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        groups = {
            "gunicorn": lambda: tree_pids(server.pid),
            "PostgreSQL": db.backend_pids,  # the backends of this run's database (SQLite runs in gunicorn)
            "qcluster": lambda: tree_pids(qcluster.pid),
            "sandbox": lambda: tree_pids(sandbox.pid),
            "locust": lambda: tree_pids(locust.pid),
        }
        if kind != "postgres":
            del groups["PostgreSQL"]
        meter = CpuMeter(groups)
        print(
            f"locust: {args.users} users (spawn {args.spawn_rate}/s), {ramp:.0f}s ramp-up then "
            f"{args.duration}s measured; gunicorn {server_spec} on {host}",
            flush=True,
        )
        time.sleep(max(0.0, locust_started + ramp - time.time()))
        window_start = time.time()
        meter.begin()
        time.sleep(max(0.0, window_start + args.duration - time.time()))
        window_end = time.time()
        cpu = meter.end()  # before locust quits, so that its CPU is still there to read
        locust.wait(timeout=120)
    finally:
        stop(locust)
        stop(server)
    samples = [json.loads(line) for line in samples_path.read_text().splitlines() if line.strip()]
    rows = figures(samples, (window_start, window_end))
    logins = [s for s in samples if s["name"] == "login"]
    extra = [s for s in samples if s.get("side")]
    errors = [s for s in samples if not s["ok"]]
    outbox_path = work / f"outbox-{number}.json"
    time.sleep(3)  # the last queued write-backs drain
    subprocess.run(
        [PYTHON, __file__, "_report", str(outbox_path), str(first_action)], cwd=ROOT, env=env, check=True
    )
    rps = rows["ALL"]["rps"]
    return {
        "server": server_spec,
        "users": args.users,
        "window_s": window_end - window_start,
        "rows": rows,
        "logins": {
            "count": len(logins),
            "p50": percentile([s["ms"] for s in logins], 50),
            "p95": percentile([s["ms"] for s in logins], 95),
            "errors": sum(1 for s in logins if not s["ok"]),
        },
        "errors_total": len(errors),
        "error_examples": Counter(f"{s['name']}: {s.get('error', '')}"[:200] for s in errors).most_common(8),
        "writeback_roundtrip": {
            "count": len(extra),
            "p50": percentile([s["ms"] for s in extra], 50),
            "p95": percentile([s["ms"] for s in extra], 95),
            "statuses": dict(Counter(s.get("status", "?") for s in extra)),
        },
        "outbox": json.loads(outbox_path.read_text()),
        "cpu": cpu,
        # CPU per request holds still when the neighbours are busy (latency does not): the capacity figure.
        "cpu_ms_per_request": {
            name: cores * 1000 / rps if rps else float("nan") for name, cores in cpu["cores_used"].items()
        },
        "loadavg": os.getloadavg(),
    }


def print_result(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(
        f"\n  {result['database']}: steady state over {result['window_s']:.0f}s, {result['users']} users, gunicorn {result['server']}"
    )
    print_table(rows)
    total = rows["ALL"]
    logins = result["logins"]
    print(
        f"    logins (during ramp-up, not above): {logins['count']}, p50 {logins['p50']:.0f} ms, "
        f"p95 {logins['p95']:.0f} ms, {logins['errors']} errors"
    )
    wb = result["writeback_roundtrip"]
    print(
        f"    write-backs seen by the users (queued → chip done): {wb['count']}, p50 {wb['p50']:.0f} ms, "
        f"p95 {wb['p95']:.0f} ms, {wb['statuses']}"
    )
    outbox = result["outbox"]
    avg = f"{outbox['avg_s']:.1f}s" if outbox["avg_s"] is not None else "-"
    print(f"    outbox after the run: {outbox['statuses']} (enqueue → done avg {avg})")
    if outbox["failures"]:
        print(f"      failed because: {outbox['failures']}")
    print(f"    errors (whole run, ramp-up included): {result['errors_total']}")
    for example, count in result["error_examples"]:
        print(f"      {count}× {example}")
    cpu = result["cpu"]
    split = ", ".join(f"{name} {cores:.2f}" for name, cores in cpu["cores_used"].items())
    per_request = ", ".join(f"{name} {ms:.1f}" for name, ms in result["cpu_ms_per_request"].items() if ms)
    print(
        f"    CPU, cores (of {cpu['cores']}): {split}; the whole machine {cpu['machine_busy_cores']:.2f} busy, "
        f"{cpu['others_cores']:.2f} of it not ours; load average {result['loadavg'][0]:.2f}"
    )
    print(f"    CPU per request, ms: {per_request}")
    if result["database"] == "postgres":
        met = total["p95"] < P95_TARGET_MS and result["errors_total"] == 0
        print(
            f"    target (PostgreSQL: 0 errors, p95 < {P95_TARGET_MS:.0f} ms): "
            f"{'met' if met else 'NOT met'} (p95 {total['p95']:.0f} ms, {result['errors_total']} errors)"
        )


def write_results(results: list[dict[str, Any]], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"web_load-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    with (directory / f"web_load-{stamp}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "database",
                "server",
                "users",
                "request",
                "count",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "errors",
            ]
        )
        for result in results:
            for name, r in result["rows"].items():
                writer.writerow(
                    [
                        result["database"],
                        result["server"],
                        result["users"],
                        name,
                        r["count"],
                        f"{r['rps']:.2f}",
                    ]
                    + [f"{r[k]:.1f}" for k in ("p50", "p95", "p99", "max")]
                    + [r["errors"]]
                )
    return path


def preflight(kinds: list[str]) -> None:
    """Say what is missing before building anything."""
    # Found, not imported: importing locust here would monkey-patch ssl after procs.py's imports loaded
    # it (gevent then recurses in ssl); locust runs in its own process.
    for module, extra in (("locust", "bench"), ("psutil", "bench")):
        if importlib.util.find_spec(module) is None:
            raise SystemExit(f"{module} is missing: run `make bench-deps` (the [{extra}] extra).")
    if "postgres" in kinds:
        try:
            import psycopg
        except ImportError:
            raise SystemExit("psycopg is missing: pip install -e '.[postgres]' into the venv.") from None
        try:
            psycopg.connect(PG_ADMIN_URL, connect_timeout=5).close()
        except psycopg.Error as exc:
            raise SystemExit(f"PostgreSQL does not answer at {PG_ADMIN_URL}: {exc}") from None


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        manifest, applications, stages, sandbox_url, opportunities = sys.argv[2:7]
        build_main(manifest, int(applications), int(stages), sandbox_url, int(opportunities))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_report":
        report_main(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="Measured seconds, after the ramp-up.")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=0.45,
        help="Users started (and logged in) per second: django-allauth allows 30 logins a minute per IP.",
    )
    parser.add_argument(
        "--server",
        default="gthread:2x4",
        help="gunicorn setups, comma-separated, each run on the same dataset: sync:N or gthread:WxT.",
    )
    parser.add_argument("--q-workers", type=int, default=2, help="django-q2 worker processes.")
    parser.add_argument("--conn-max-age", type=int, default=None, help="DATABASE_CONN_MAX_AGE (PostgreSQL).")
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--stages", type=int, default=8)
    parser.add_argument("--sandbox-opportunities", type=int, default=300)
    parser.add_argument("--no-redis", action="store_true", help="PostgreSQL without Redis (ORM broker).")
    parser.add_argument(
        "--results-dir", type=Path, default=Path(tempfile.gettempdir()) / "recruitdesk-web-load"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Keep the temp dir (logs, samples, SQLite file) and the PostgreSQL database.",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    preflight(kinds)
    print(
        f"web load: {args.users} users, {args.duration}s measured per database, gunicorn {args.server}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before starting",
        flush=True,
    )
    results = [result for kind in kinds for result in run_database(kind, args)]
    path = write_results(results, args.results_dir)
    print(f"\nfigures written to {path} (and .csv)")
    if any(r["errors_total"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
