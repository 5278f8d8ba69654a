"""Process helpers shared by the multi-process benches (bench/worker_kill.py, bench/clusters.py).

Sandboxes and django-q2 clusters run as real subprocesses; each cluster in its own process group, so
it can be killed whole (sentinel, pusher, monitor, workers) with one SIGKILL, or stopped the way
production does it (SIGTERM to the main PID only: a TERM to the group hangs qcluster, django-q2#346).
Also: a fresh PostgreSQL database, a free Redis database number, the environment the processes share,
and a cleanup stack that runs on normal exit, on exceptions and on SIGINT/SIGTERM.

Nothing here imports Django at module level: a bench builds the environment first, then configures
Django with it. `schedule_probe` is imported by the clusters' workers (bench/ is on their PYTHONPATH).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The sandbox's own counter of requests per window (plain Python, no Django), for the figures below.
from apps.lever_sandbox.faults import max_in_window  # noqa: E402, F401

PYTHON = sys.executable
SECRET_KEY = "bench-" + "x" * 50
FERNET_KEY = "Vk9jGrpL4uQb1sVfHj7Cz3hFQm8hO6l2Yb0s3x7w8aA="
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_CLAIM_KEY = "recruitdesk-bench:claimed-by"


# -- cleanup ------------------------------------------------------------------------------------------------


def work_dir(prefix: str = "recruitdesk-bench-") -> Path:
    """A temp dir for a bench's database, media and logs, removed when the bench exits."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


class Cleanup:
    """A stack of undo steps, run once (last registered first) at exit, on error or on SIGINT/SIGTERM."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], Any]]] = []
        self._done = False
        atexit.register(self.run)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def add(self, label: str, step: Callable[[], Any]) -> None:
        self._steps.append((label, step))

    def run(self) -> None:
        if self._done:
            return
        self._done = True
        while self._steps:
            label, step = self._steps.pop()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - every other step must still run
                print(f"cleanup: {label} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.run()
        raise SystemExit(128 + signum)


# -- environment --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(*, database_url: str, work: Path, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of the bench and of every process it starts: production-like (DEBUG off)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "Q_", "SYNC_", "WRITEBACK_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="False",
        SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FERNET_KEY,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Our own cache (django-q2 keeps cluster stats there): not the repository's shared .cache/.
        CACHE_URL=redis_url or f"filecache://{work / 'cache'}",
        MEDIA_ROOT=str(work / "media"),
        LOG_LEVEL="WARNING",
        # Webhooks the sandbox sends after write-backs go nowhere (nobody else's server on :8000).
        SITE_URL="http://127.0.0.1:9",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def schedule_probe(intended: str = "") -> str:
    """A django-q2 schedule target: returns the slot it was created for (see bench/clusters.py)."""
    return intended


# -- PostgreSQL and Redis ----------------------------------------------------------------------------------


def postgres_create(name: str) -> str:
    """Create an empty database `name` and return its DATABASE_URL."""
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def redis_claim_db() -> str:
    """Return the URL of an empty Redis database, claimed (SET NX) so a concurrent bench skips it."""
    import redis

    for number in range(15, 0, -1):  # 0 is the usual default: leave it to others
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
        try:
            if client.dbsize() == 0 and client.set(REDIS_CLAIM_KEY, str(os.getpid()), nx=True):
                client.flushdb()
                client.set(REDIS_CLAIM_KEY, str(os.getpid()))
                return f"{REDIS_SERVER}/{number}"
        finally:
            client.close()
    raise RuntimeError("no empty Redis database (1-15) to use")


def redis_flush(url: str, *, keep_claim: bool = True) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        if keep_claim:
            client.set(REDIS_CLAIM_KEY, str(os.getpid()))
    finally:
        client.close()


# -- processes ----------------------------------------------------------------------------------------------


def group_members(pgid: int) -> list[int]:
    """PIDs of the live (not zombie) processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return sorted(members)


class Sandbox:
    """`manage.py lever_sandbox` in a subprocess (as bench/sync.py does), so its CPU is not ours."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        api_key: str,
        opportunities: int,
        seed: int = 42,
        rate_limit: bool = True,
        latency: float = 0.0,
        log: Path | None = None,
    ) -> None:
        self.api_key = api_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [PYTHON, "manage.py", "lever_sandbox", "--port", str(self.port), "--api-key", api_key]
        args += ["--opportunities", str(opportunities), "--seed", str(seed)]
        if not rate_limit:
            args.append("--no-rate-limit")
        if latency:
            args += ["--latency", str(latency)]
        self._log = open(log, "ab") if log else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._log else subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 300) -> Sandbox:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox on port {self.port} exited with {self.process.returncode}")
            try:
                requests.get(f"{self.url}/_sandbox", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"the sandbox on port {self.port} did not start")

    def control(self, path: str, **body: Any) -> dict[str, Any]:
        return requests.post(f"{self.url}/_sandbox/{path}", json=body, timeout=30).json()

    def stats(self, *, timestamps: bool = False) -> dict[str, Any]:
        params = {"timestamps": "true"} if timestamps else None
        return requests.get(f"{self.url}/_sandbox/stats", params=params, timeout=60).json()

    def total(self) -> int:
        return int(self.stats()["total"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log:
            self._log.close()


class QCluster:
    """`manage.py qcluster` in its own process group (its own session), as if on its own host."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None
        self.seen_pids: set[int] = set()  # every process ever seen in the group (workers are respawned)
        self.starts = 0

    @property
    def pgid(self) -> int:
        assert self.process is not None
        return self.process.pid  # start_new_session: the leader's pid is the group id

    def start(self) -> QCluster:
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start #{self.starts + 1} at {time.strftime('%H:%M:%S')} ---\n".encode())
            self.process = subprocess.Popen(
                [PYTHON, "manage.py", "qcluster"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    def members(self) -> list[int]:
        if self.process is None:
            return []
        pids = group_members(self.pgid)
        self.seen_pids.update(pids)
        return pids

    def wait_ready(self, workers: int, timeout: float = 120) -> float:
        """Wait until the main process, sentinel, pusher, monitor and `workers` workers run."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"qcluster {self.name} exited with {self.process.returncode}; see {self.log_path}"
                )
            if len(self.members()) >= workers + 4:
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"qcluster {self.name} did not start within {timeout:.0f}s; see {self.log_path}")

    def kill(self) -> list[int]:
        """SIGKILL the whole group at once, as a machine losing power would; return the pids killed."""
        assert self.process is not None
        victims = self.members()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while group_members(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if group_members(self.pgid):
            raise RuntimeError(f"qcluster {self.name}: processes survived SIGKILL")
        self.process = None
        return victims

    def stop(self, timeout: float = 60) -> None:
        """Stop gracefully: SIGTERM to the main PID only (django-q2#346), SIGKILL to the group if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(
                    f"qcluster {self.name} did not stop in {timeout:.0f}s: SIGKILL",
                    file=sys.stderr,
                    flush=True,
                )
        if group_members(self.pgid):
            self.kill()
        else:
            self.process = None


# -- figures ------------------------------------------------------------------------------------------------


def wait_for(
    what: str,
    check: Callable[[], Any],
    timeout: float,
    poll: float = 0.2,
    tick: Callable[[], Any] | None = None,
) -> Any:
    """Call `check` (after `tick`, when given) until it returns something true; raise TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        if tick:
            tick()
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0–100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain text table, columns as wide as their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
