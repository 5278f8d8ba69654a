"""A killed worker's work is picked up: the resume task, resume-only continuations, the recovery knobs.

The multi-process version (a real qcluster killed with SIGKILL five times) is bench/worker_kill.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.integrations.digest import mirror_digest
from apps.integrations.lever import transport
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import ConnectionStatus, Environment, SyncKind, SyncRun, SyncStatus
from apps.integrations.sync_runs import STALE_AFTER, sync_runs_to_resume, worker_name
from apps.integrations.tasks import resume_stale_syncs, sync_connection
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=1, opportunities=15, rate_limit=False) as server:
        yield server


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.LEVER_RATE_LIMIT = 10_000.0  # the sandbox above does not limit; keep tests quick
    settings.LEVER_RATE_BURST = 10_000


def connect(server):
    return ConnectionFactory(
        environment=Environment.CUSTOM,
        base_url=server.url,
        api_key=server.api_key,
        status=ConnectionStatus.ACTIVE,
    )


class Killed(BaseException):
    """Stands in for kill -9: nothing in the sync may catch it."""


def killed_sync(connection, monkeypatch, after: int) -> SyncRun:
    """Run the sync task until its `after`-th request, then die the way a killed worker does."""
    original = transport.LeverTransport.request
    calls = {"n": 0}

    def request(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            raise Killed
        return original(self, *args, **kwargs)

    monkeypatch.setattr(transport.LeverTransport, "request", request)
    with pytest.raises(Killed):
        sync_connection(connection.pk, SyncKind.FULL, "connect")
    monkeypatch.setattr(transport.LeverTransport, "request", original)
    return SyncRun.objects.get(connection=connection)


def time_passes(run: SyncRun) -> None:
    """The heartbeat ages past SYNC_STALE_AFTER, as it does when nobody beats it."""
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1))


def test_the_resume_task_resumes_a_killed_run_once_its_heartbeat_is_stale(sandbox, monkeypatch):
    reference = connect(sandbox)
    assert sync_connection(reference.pk, SyncKind.FULL).endswith(": succeeded")
    connection = connect(sandbox)
    dead = killed_sync(connection, monkeypatch, after=25)
    assert dead.status == SyncStatus.RUNNING and dead.worker == worker_name()
    assert resume_stale_syncs() == "nothing to resume"  # a fresh heartbeat: its worker may be alive
    time_passes(dead)
    # Tests run django-q2 tasks inline, so the queued continuation runs here.
    assert resume_stale_syncs() == f"resumed sync #{dead.pk}"
    dead.refresh_from_db()
    assert dead.status == SyncStatus.SUCCEEDED, dead.error
    assert dead.resumes == 1 and dead.kind == SyncKind.FULL
    assert SyncRun.objects.filter(connection=connection).count() == 1
    assert mirror_digest(connection) == mirror_digest(reference)


def test_a_paused_run_whose_continuation_was_lost_is_resumed(sandbox):
    connection = connect(sandbox)
    paused = run_sync(
        connection, kind=SyncKind.FULL, time_budget=0
    )  # pauses; nothing queued its continuation
    assert paused.status == SyncStatus.QUEUED
    assert resume_stale_syncs() == "nothing to resume"  # a continuation normally starts within seconds
    time_passes(paused)
    assert resume_stale_syncs() == f"resumed sync #{paused.pk}"
    paused.refresh_from_db()
    assert paused.status == SyncStatus.SUCCEEDED and paused.worker == worker_name()
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_a_continuation_after_the_run_finished_starts_nothing(sandbox):
    connection = connect(sandbox)
    assert sync_connection(connection.pk, SyncKind.FULL).endswith(": succeeded")
    # E.g. a scheduled delta continued the paused run before its own continuation task came up.
    outcome = sync_connection(connection.pk, SyncKind.FULL, "connect", True)
    assert outcome == "skipped: Nothing to resume: the run finished or another worker continued it."
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_a_live_worker_keeps_its_heartbeat_fresh_between_beats(sandbox, monkeypatch):
    from apps.integrations.lever.sync import context

    phases = []
    original = context.sync_run_alive

    def alive(run):
        phases.append(run.checkpoint.get("phase"))
        original(run)

    monkeypatch.setattr(context, "BEAT_EVERY", 0.0)  # every request refreshes it
    monkeypatch.setattr(context, "sync_run_alive", alive)
    connection = connect(sandbox)
    run = run_sync(connection, kind=SyncKind.FULL)
    assert run.status == SyncStatus.SUCCEEDED
    # Children are fetched in batches of 25 applications with one beat per batch; the requests in
    # between keep the heartbeat fresh, so a long batch never looks like a dead worker.
    assert phases.count("children_active") > 10


def test_dead_runs_of_connections_that_cannot_sync_are_left_alone():
    connection = ConnectionFactory(status=ConnectionStatus.NEEDS_REAUTH)
    run = SyncRun.objects.create(
        workspace=connection.workspace,
        connection=connection,
        kind=SyncKind.DELTA,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    time_passes(run)
    assert not sync_runs_to_resume().exists()
    connection.status = ConnectionStatus.ACTIVE
    connection.save()
    assert list(sync_runs_to_resume()) == [run]


def shell(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "True", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_recovery_knobs_reach_the_sync_and_the_outbox():
    code = (
        "from apps.integrations import outbox, sync_runs;"
        "print(sync_runs.STALE_AFTER.total_seconds(), outbox.LEASE.total_seconds())"
    )
    assert shell(code).stdout.split() == ["300.0", "300.0"]  # production defaults: five minutes each
    assert shell(code, SYNC_STALE_AFTER="30", WRITEBACK_LEASE="20").stdout.split() == ["30.0", "20.0"]
    refused = shell(code, SYNC_STALE_AFTER="2")
    assert refused.returncode != 0 and "SYNC_STALE_AFTER and WRITEBACK_LEASE" in refused.stderr
