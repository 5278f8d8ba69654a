"""PostgreSQL stopped for 30 s during a full sync and during page traffic, then started again.

    .venv/bin/python bench/db_outage.py [--outage 30] [--opportunities 300] [--latency 0.03]

Runs everything as in production, on loopback: a private PostgreSQL cluster (initdb in a temporary
directory, its own port, so stopping it disturbs nobody), the Redis broker, gunicorn serving the app
and a `manage.py qcluster` worker, against a Lever sandbox subprocess whose per-request latency makes
the full sync last long enough to be interrupted. A reference connection is synced first without any
outage. Then a full sync is started the product's way, page traffic (dashboard, jobs, pipeline,
candidates, one action) runs from a logged-in session, and PostgreSQL is stopped (`pg_ctl stop -m
fast`, every connection cut) for `--outage` seconds, then started.

Prints what users got during the outage (503 pages with Retry-After, never a 500), how long pages
took to answer 200 again, whether the worker survived, how the sync recovered (resumed from its
checkpoint by the every-minute resume task once its heartbeat went stale) and whether its mirror is
identical to the reference. Exits 1 when any check fails. Needs PostgreSQL's server binaries
(/usr/lib/postgresql/*/bin) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

# bench/ is on sys.path when this runs as a script: the shared process helpers.
from procs import PYTHON, ROOT, Cleanup, QCluster, Sandbox, bench_env, free_port, redis_claim_db, redis_flush

WORK = Path(tempfile.mkdtemp(prefix="recruitdesk-outage-"))
KEY = "outage-bench-key"
# Seconds a silent sync run waits before the resume task takes it over (production: 300). Not lower:
# a live worker on a slow page may go this long between heartbeats, and a take-over of a live run
# only wastes requests.
STALE_AFTER = 60


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on its own port (run as the postgres user when we are root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.data = WORK / "pgdata"
        self.socket_dir = WORK / "pgsocket"
        self.socket_dir.mkdir()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(WORK, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/recruitdesk"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(WORK / "pg.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "recruitdesk")


class Gunicorn:
    """`gunicorn config.wsgi` with two workers in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f}s")


class PageTraffic(threading.Thread):
    """One logged-in user reading pages (and adding a tag now and then) until stopped; records every answer."""

    def __init__(
        self, base: str, session_cookie: str, paths: list[str], action: tuple[str, dict] | None
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.paths, self.action = base, paths, action
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_cookie)
        self.answers: list[tuple[float, int, str, str]] = []  # (time, status, path, Retry-After)
        self.halt = threading.Event()

    def run(self) -> None:
        turn = 0
        while not self.halt.is_set():
            turn += 1
            path = self.paths[turn % len(self.paths)]
            try:
                if self.action and turn % 7 == 0:
                    response = self._post(*self.action)
                    path = self.action[0]
                else:
                    response = self.http.get(self.base + path, timeout=30, allow_redirects=False)
                status, retry_after = response.status_code, response.headers.get("Retry-After", "")
            except requests.RequestException as exc:
                status, retry_after = 0, type(exc).__name__
            self.answers.append((time.time(), status, path, retry_after))
            time.sleep(0.2)

    def _post(self, path: str, data: dict) -> requests.Response:
        token = self.http.cookies.get("csrftoken") or ""
        if not token:
            self.http.get(self.base + "/", timeout=30)
            token = self.http.cookies.get("csrftoken") or ""
        return self.http.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base + "/", "X-CSRFToken": token},
            timeout=30,
            allow_redirects=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=30, help="Seconds PostgreSQL stays stopped.")
    parser.add_argument("--opportunities", type=int, default=300)
    parser.add_argument(
        "--latency", type=float, default=0.03, help="Sandbox seconds per request (sync length)."
    )
    parser.add_argument(
        "--broker",
        choices=("redis", "orm"),
        default="redis",
        help="django-q2's broker (orm: the database itself).",
    )
    parser.add_argument("--stop-after", type=float, default=12, help="Seconds into the sync before the stop.")
    args = parser.parse_args()

    cleanup = Cleanup()  # runs at exit, on errors and on SIGINT/SIGTERM: processes, cluster, Redis
    postgres = PrivatePostgres()
    postgres.start()
    cleanup.add("stop PostgreSQL", lambda: postgres.stop())
    cleanup.add("say where the logs are", lambda: print(f"logs kept in {WORK}"))
    postgres.create_database()
    redis_url = redis_claim_db() if args.broker == "redis" else ""
    if redis_url:
        cleanup.add("flush Redis", lambda: redis_flush(redis_url, keep_claim=False))
    env = bench_env(
        database_url=postgres.url,
        work=WORK,
        redis_url=redis_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        STATIC_ROOT=str(WORK / "static"),
        SYNC_STALE_AFTER=str(STALE_AFTER),
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    run(args, postgres, env, cleanup)


def run(args, postgres: PrivatePostgres, env: dict[str, str], cleanup: Cleanup) -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # production serves the manifest

    from apps.accounts.models import User
    from apps.accounts.services import workspace_create
    from apps.integrations.digest import mirror_digest
    from apps.integrations.lever.sync.runner import run_sync
    from apps.integrations.models import (
        Connection,
        ConnectionStatus,
        Environment,
        SyncKind,
        SyncRun,
        SyncStatus,
        SyncTrigger,
    )
    from apps.integrations.services import connection_sync_enqueue

    sandbox = Sandbox(
        env=env, api_key=KEY, opportunities=args.opportunities, rate_limit=False, log=WORK / "sandbox.log"
    )
    cleanup.add("stop the sandbox", sandbox.stop)
    sandbox.wait_ready()
    sandbox_url = sandbox.url

    def connection_for(name: str) -> Connection:
        owner, _ = User.objects.get_or_create(email=f"{name}@outage.local")
        workspace = workspace_create(name=name, owner=owner)
        return Connection.objects.create(
            workspace=workspace,
            environment=Environment.CUSTOM,
            base_url=sandbox_url,
            api_key=KEY,
            status=ConnectionStatus.ACTIVE,
        )

    print(f"reference sync of {args.opportunities} opportunities (no outage) ...", flush=True)
    reference = connection_for("reference")
    started = time.perf_counter()
    ref_run = run_sync(reference, kind=SyncKind.FULL, client_options={"limiter": None})
    assert ref_run.status == SyncStatus.SUCCEEDED, ref_run.error
    print(f"  done in {time.perf_counter() - started:.1f}s", flush=True)

    connection = connection_for("outage")
    call_command("ensure_schedules", verbosity=0)  # as connecting does: syncs, write-backs, resume
    user = connection.workspace.memberships.get().user
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = (
        str(user.pk),
        "django.contrib.auth.backends.ModelBackend",
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    connections.close_all()

    worker = QCluster("worker", env, WORK / "qcluster.log").start()
    cleanup.add("stop the worker", worker.stop)
    web = Gunicorn(env, WORK / "web.log")
    cleanup.add("stop the web server", web.stop)
    base = web.url
    wait_for(f"{base}/accounts/login/")
    sandbox.control("config", latency=args.latency)

    connection_sync_enqueue(
        connection=connection, kind=SyncKind.FULL, trigger=SyncTrigger.USER, requested_by=user
    )
    connections.close_all()
    paths = ["/", "/jobs/", "/candidates/", "/integrations/"]
    traffic = PageTraffic(base, session.session_key, paths, None)
    traffic.start()
    time.sleep(args.stop_after)

    def latest_run() -> SyncRun | None:
        try:
            return SyncRun.objects.filter(connection=connection).order_by("-pk").first()
        finally:
            connections.close_all()

    before = latest_run()
    print(
        f"stopping PostgreSQL {args.stop_after:.0f}s into the sync (run #{before.pk if before else '-'}: "
        f"{before.status if before else 'not started'}, {before.requests_made if before else 0} requests) ...",
        flush=True,
    )
    stopped_at = time.time()
    postgres.stop()
    time.sleep(args.outage)
    postgres.start()
    started_at = time.time()
    print(f"PostgreSQL started again after {started_at - stopped_at:.1f}s", flush=True)

    deadline = time.monotonic() + 600
    final = None
    while time.monotonic() < deadline:
        final = latest_run()
        if final and final.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED) and final.finished_at:
            break
        time.sleep(2)
    time.sleep(3)
    traffic.halt.set()
    traffic.join(timeout=35)

    during = [a for a in traffic.answers if stopped_at <= a[0] < started_at]
    after = [a for a in traffic.answers if a[0] >= started_at]
    first_ok = next((a[0] for a in after if a[1] == 200), None)
    statuses_during = Counter(a[1] for a in during)
    statuses_after = Counter(a[1] for a in after)
    bad_during = {s: n for s, n in statuses_during.items() if s != 503}
    missing_retry_after = sum(1 for a in during if a[1] == 503 and a[3] != "30")
    errors_after = {s: n for s, n in statuses_after.items() if s >= 500 or s == 0}
    worker_alive = worker.process is not None and worker.process.poll() is None
    web_alive = web.alive()
    identical = bool(final) and mirror_digest(connection) == mirror_digest(reference)
    connections.close_all()

    print()
    print(f"{'check':<58} result")
    rows = [
        ("page answers during the outage", dict(statuses_during)),
        ("  not a 503 (must be none)", bad_during or "none"),
        ("  503 without Retry-After: 30", missing_retry_after),
        ("first 200 after PostgreSQL was back", f"{first_ok - started_at:.1f}s" if first_ok else "never"),
        ("page answers after the restart", dict(statuses_after)),
        ("web server and worker processes still running", f"web {web_alive}, worker {worker_alive}"),
        (
            "sync run",
            f"#{final.pk} {final.status}, resumed {final.resumes}x, {final.requests_made} requests"
            if final
            else "none",
        ),
        (
            "sync finished after PostgreSQL was back",
            f"{final.finished_at.timestamp() - started_at:.0f}s" if final and final.finished_at else "-",
        ),
        ("mirror identical to the reference sync", identical),
    ]
    for label, value in rows:
        print(f"{label:<58} {value}")
    failures = []
    if bad_during or not during:
        failures.append("pages during the outage were not all 503")
    if missing_retry_after:
        failures.append("503 without Retry-After")
    if not first_ok or errors_after and first_ok is None:
        failures.append("pages did not recover")
    if not (web_alive and worker_alive):
        failures.append("a process died")
    if not final or final.status != SyncStatus.SUCCEEDED:
        failures.append(f"the sync did not succeed: {final.error if final else 'no run'}")
    if not identical:
        failures.append("the mirror differs from the reference")
    if failures:
        print("FAILED: " + "; ".join(failures))
        raise SystemExit(1)
    print("OK: nothing lost, nothing half-written, recovered without a manual step")


if __name__ == "__main__":
    main()
