"""Two django-q2 clusters as if on two hosts: PostgreSQL, the Redis broker, 10 connections synced at once.

    .venv/bin/python bench/clusters.py [--connections 10] [--opportunities 200] [--workers 2]
        [--contention-actions 80] [--probe-minutes 3]

A fresh PostgreSQL database (recruitdesk_bench_<pid>, dropped at the end), an empty Redis database
(flushed before and after) as broker, cache and rate-limit store, and one Lever sandbox process per
connection (its own API key, Lever's rate limit of 10 req/s with bursts of 20; the same seed, so
every account holds the same data). Connections are made the way the Integrations page makes them
(`connection_connect_api_key_and_sync`: schedules, then the first sync as a django-q2 task).

- Run A: one `manage.py qcluster` (Q_WORKERS=2) syncs all connections.
- Run B: two `manage.py qcluster` processes in separate process groups (same settings, same cluster
  name: in django-q2 the name is the queue) sync fresh connections to the same accounts.
- Contention: with both clusters up, one connection gets a mixed write-back batch (one django-q2
  task per action, so every worker of both clusters sends for the same credential at once) while
  its delta sync runs.
- Schedules: both clusters run the scheduler; a probe schedule (every minute, `intended_date_kwarg`)
  runs through run B plus `--probe-minutes`, and must produce exactly one task per slot.

Checks, exit 1 on any failure: (a) no connection is synced by two workers at once: a connection's
SyncRuns never overlap in time, its full run was never taken over (0 resumes) and all its slices ran
in one worker (django-q2 Task rows: the sync task's result names the worker host:pid, SyncRun.worker
the last holder; pids map to a cluster by process group); (b) per credential, from the sandbox's own
arrival times: at most 30 requests in any 1 s (burst 20 + 10/s) and 120 in any 10 s, and 429 answers
for at most 1 % of requests (2 at least allowed); (c) run B's wall time below run A's; (d) every
mirror equals an uninterrupted reference sync (`mirror_digest`'s rows, the sandbox's address in
posting URLs left out); (e) schedules fire exactly once across the two clusters.
Figures from a shared 2-vCPU machine are pessimistic.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import procs  # noqa: E402

LIMIT_1S, LIMIT_10S, MAX_429_SHARE = 30, 120, 0.01  # Lever: 10/s with bursts of 20
PROBE = "bench:probe"
SYNC_FUNCS = ("apps.integrations.tasks.sync_connection", "apps.integrations.tasks.sync_after_connect")
RESULT = re.compile(r"^sync #(\d+) on (.+?): (\w+)$")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--opportunities", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS of each cluster.")
    parser.add_argument("--contention-actions", type=int, default=80)
    parser.add_argument("--probe-minutes", type=int, default=3, help="Idle minutes with both clusters up.")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs) even on success.")
    return parser.parse_args()


# Cluster runs last minutes: a slower poll keeps the bench's own queries out of the figures.
wait_for = functools.partial(procs.wait_for, poll=0.5)


def main() -> int:
    args = parse()
    cleanup = procs.Cleanup()
    work = Path(tempfile.mkdtemp(prefix="recruitdesk-clusters-"))
    state = {"passed": False}

    def remove_work() -> None:
        if state["passed"] and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}", flush=True)

    cleanup.add("work directory", remove_work)
    name = f"recruitdesk_bench_{os.getpid()}"
    database_url = procs.postgres_create(name)
    cleanup.add("drop the database", lambda: procs.postgres_drop(name))
    redis_url = procs.redis_claim_db()
    cleanup.add("flush Redis", lambda: procs.redis_flush(redis_url, keep_claim=False))
    env = procs.bench_env(
        database_url=database_url,
        redis_url=redis_url,
        work=work,
        Q_WORKERS=str(args.workers),
        LOG_LEVEL="INFO",
    )
    os.environ.update(env, LOG_LEVEL="ERROR")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    cleanup.add("close database connections", connections.close_all)
    call_command("migrate", verbosity=0)
    print(
        f"PostgreSQL {database_url}, Redis {redis_url}; {args.connections} connections x "
        f"{args.opportunities} opportunities; Q_WORKERS={args.workers}; work dir {work}",
        flush=True,
    )
    sandboxes = [
        procs.Sandbox(
            env=env,
            api_key=f"bench-cluster-key-{i:02d}",
            opportunities=args.opportunities,
            seed=7,
            log=work / f"sandbox-{i:02d}.log",
        )
        for i in range(args.connections)
    ]
    for sandbox in sandboxes:
        cleanup.add(f"stop sandbox {sandbox.port}", sandbox.stop)
    for sandbox in sandboxes:
        sandbox.wait_ready()
    bench = ClusterBench(args, env, work, sandboxes, cleanup)
    ok = bench.run()
    state["passed"] = ok
    print("\nPASS" if ok else "\nFAIL", flush=True)
    return 0 if ok else 1


def digest(connection, sandbox_url: str) -> str:
    """`mirror_digest` with the sandbox's own address left out.

    Every sandbox serves the same seeded account, but posting URLs carry the sandbox's host and port,
    so mirrors of two sandboxes differ only there.
    """
    from apps.integrations.digest import mirrored_models, model_rows

    text = json.dumps([model_rows(m, connection) for m in mirrored_models()], default=str)
    return hashlib.sha256(text.replace(sandbox_url, "http://sandbox").encode()).hexdigest()


class ClusterBench:
    def __init__(self, args, env, work: Path, sandboxes: list[procs.Sandbox], cleanup: procs.Cleanup) -> None:
        self.args, self.env, self.work, self.sandboxes, self.cleanup = args, env, work, sandboxes, cleanup
        self.failures: list[str] = []

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"FAIL: {message}", flush=True)

    # -- setup ------------------------------------------------------------------------------------------------

    def reference(self) -> tuple[str, str]:
        from apps.accounts.models import User
        from apps.accounts.services import workspace_create
        from apps.integrations.lever.sync.runner import run_sync
        from apps.integrations.models import AtsUser, Connection, ConnectionStatus, Environment, SyncKind
        from apps.integrations.services import connection_disconnect

        sandbox = self.sandboxes[0]
        sandbox.control("config", rate_limit=False)
        reference = Connection.objects.create(
            workspace=workspace_create(name="Reference", owner=User.objects.create(email="ref@bench.local")),
            name="reference",
            environment=Environment.CUSTOM,
            base_url=sandbox.url,
            api_key=sandbox.api_key,
            status=ConnectionStatus.ACTIVE,
        )
        started = time.monotonic()
        run = run_sync(reference, kind=SyncKind.FULL, client_options={"limiter": None})
        assert run.status == "succeeded", run.error
        admin = (
            AtsUser.objects.for_connection(reference)
            .filter(access_role="super admin", deactivated_at=None)
            .order_by("remote_id")
            .first()
        )
        reference_digest = digest(reference, sandbox.url)
        # Setup, not progress: the reference must not be scheduled next to the connections under test.
        connection_disconnect(connection=reference, reason="bench reference")
        print(
            f"reference sync (uninterrupted, no rate limit): {time.monotonic() - started:.1f}s, "
            f"{sandbox.total()} requests",
            flush=True,
        )
        return reference_digest, admin.email

    def connect_all(self, label: str, admin_email: str) -> list:
        from apps.accounts.models import User
        from apps.accounts.services import workspace_create
        from apps.integrations.lifecycle import connection_connect_api_key_and_sync
        from apps.integrations.models import Environment

        made = []
        for i, sandbox in enumerate(self.sandboxes):
            owner = User.objects.create(email=f"{label.lower()}{i}-{admin_email}")
            outcome = connection_connect_api_key_and_sync(
                workspace=workspace_create(name=f"Run {label} #{i}", owner=owner),
                api_key=sandbox.api_key,
                environment=Environment.CUSTOM,
                base_url=sandbox.url,
                admin_email=admin_email,
                connected_by=owner,
            )
            made.append(outcome.connection)
        return made

    def reset_sandboxes(self) -> None:
        for sandbox in self.sandboxes:
            sandbox.control("config", rate_limit=True)  # Lever's 10/s, burst 20; resets the buckets
            sandbox.control("stats/reset")

    def start_clusters(self, names: list[str]) -> list[procs.QCluster]:
        clusters = []
        for name in names:
            cluster = procs.QCluster(name, self.env, self.work / f"qcluster-{name}.log").start()
            self.cleanup.add(f"stop cluster {name}", cluster.stop)
            clusters.append(cluster)
        for cluster in clusters:
            cluster.wait_ready(self.args.workers)
        return clusters

    def drain(self, clusters: list[procs.QCluster], timeout: float = 600) -> None:
        """Wait until the broker's queue is empty, then stop every cluster (SIGTERM to the main PID)."""
        from django_q.brokers import get_broker

        broker = get_broker()

        def ticks() -> None:
            for cluster in clusters:
                cluster.members()

        wait_for("the queue to drain", lambda: broker.queue_size() == 0, timeout, tick=ticks)
        for cluster in clusters:
            cluster.stop()

    # -- runs ---------------------------------------------------------------------------------------------------

    def sync_run(self, label: str, names: list[str], admin_email: str) -> dict[str, Any]:
        from django.utils import timezone

        from apps.integrations.models import SyncKind, SyncRun

        print(f"\n== run {label}: {len(names)} cluster(s) x {self.args.workers} workers ==", flush=True)
        self.reset_sandboxes()
        clusters = self.start_clusters(names)
        began_at = timezone.now()
        started = time.monotonic()
        made = self.connect_all(label, admin_email)
        finished_at: dict[int, float] = {}

        def all_done() -> bool:
            for cluster in clusters:
                cluster.members()  # remember every worker pid of every cluster
            runs = SyncRun.objects.filter(connection__in=made, kind=SyncKind.FULL)
            for run in runs:
                if run.is_finished and run.connection_id not in finished_at:
                    finished_at[run.connection_id] = time.monotonic() - started
            return len(finished_at) == len(made)

        wait_for(f"run {label}'s syncs", all_done, timeout=7200, poll=0.5)
        wall = time.monotonic() - started
        stats = [sandbox.stats(timestamps=True) for sandbox in self.sandboxes]
        print(f"run {label}: all {len(made)} full syncs finished in {wall:.1f}s", flush=True)
        digests = [
            digest(connection, sandbox.url) == self.reference_digest
            for connection, sandbox in zip(made, self.sandboxes, strict=True)
        ]
        return {
            "digests": digests,
            "label": label,
            "clusters": clusters,
            "connections": made,
            "began_at": began_at,
            "wall": wall,
            "finished_at": finished_at,
            "stats": stats,
        }

    def contention(self, clusters: list[procs.QCluster], connection) -> dict[str, Any]:
        """Every worker of both clusters sends write-backs for one credential while its delta sync runs."""
        from django.utils import timezone
        from writeback_mix import enqueue_mix

        from apps.integrations.lifecycle import connection_writeback_user_default
        from apps.integrations.models import SyncKind, SyncTrigger, WritebackAction
        from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES
        from apps.integrations.services import connection_sync_enqueue

        index = self.sandboxes.index(next(s for s in self.sandboxes if s.url == connection.base_url))
        sandbox = self.sandboxes[index]
        connection_writeback_user_default(connection=connection)
        connection.refresh_from_db()
        sandbox.control("stats/reset")
        began_at = timezone.now()
        started = time.monotonic()
        first = WritebackAction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        connection_sync_enqueue(connection=connection, kind=SyncKind.DELTA, trigger=SyncTrigger.USER)
        kinds = enqueue_mix(connection, self.args.contention_actions, run="contention", seed=3)
        batch = WritebackAction.objects.filter(connection=connection, pk__gt=first)

        def ticks() -> None:
            for cluster in clusters:
                cluster.members()

        wait_for(
            "the contention batch",
            lambda: not batch.filter(status__in=OPEN_WRITEBACK_STATUSES).exists(),
            timeout=900,
            tick=ticks,
        )
        wall = time.monotonic() - started
        return {
            "connection": connection,
            "sandbox": sandbox,
            "began_at": began_at,
            "wall": wall,
            "stats": sandbox.stats(timestamps=True),
            "kinds": kinds,
            "statuses": Counter(batch.values_list("status", flat=True)),
        }

    def probe_schedule(self) -> None:
        from django.utils import timezone
        from django_q.models import Schedule

        Schedule.objects.update_or_create(
            name=PROBE,
            defaults={
                "func": "procs.schedule_probe",
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
                "intended_date_kwarg": "intended",
                "next_run": timezone.now(),
            },
        )

    def run(self) -> bool:
        self.reference_digest, admin_email = self.reference()
        a = self.sync_run("A", ["a1"], admin_email)
        self.drain(a["clusters"])
        self.retire(a["connections"])
        self.probe_schedule()
        b = self.sync_run("B", ["b1", "b2"], admin_email)
        contention = self.contention(b["clusters"], b["connections"][0])
        idle_until = time.monotonic() + self.args.probe_minutes * 60
        print(f"both clusters up and idle for {self.args.probe_minutes} more minutes (schedules)", flush=True)
        wait_for(
            "time",
            lambda: time.monotonic() > idle_until,
            self.args.probe_minutes * 60 + 5,
            1.0,
            tick=lambda: [c.members() for c in b["clusters"]],
        )
        self.drain(b["clusters"])
        self.report_run(a)
        self.report_run(b)
        self.report_speed(a, b)
        self.report_contention(contention, b["clusters"])
        self.report_schedules(b)
        if self.failures:
            print(f"\n{len(self.failures)} failure(s):\n  " + "\n  ".join(self.failures), flush=True)
        return not self.failures

    def retire(self, made: list) -> None:
        """Disconnect run A's connections (their schedules go), so run B has the accounts to itself."""
        from apps.integrations.schedules import ensure_schedules
        from apps.integrations.services import connection_disconnect

        for connection in made:
            connection.refresh_from_db()
            connection_disconnect(connection=connection, reason="bench: run A is over")
        ensure_schedules()

    # -- figures ----------------------------------------------------------------------------------------------

    def cluster_of(self, clusters: list[procs.QCluster]) -> dict[int, str]:
        return {pid: cluster.name for cluster in clusters for pid in cluster.seen_pids}

    def holders(self, run: dict[str, Any]) -> dict[int, set[str]]:
        """Per SyncRun: the workers (host:pid) that ran a slice of it, from django-q2's Task rows.

        The sync tasks return "sync #N on host:pid: status"; SyncRun.worker only keeps the last one.
        """
        from django_q.models import Task

        out: dict[int, set[str]] = defaultdict(set)
        for task in Task.objects.filter(func__in=SYNC_FUNCS, started__gte=run["began_at"]):
            match = RESULT.match(str(task.result or ""))
            if match:
                out[int(match.group(1))].add(match.group(2))
        return out

    def report_run(self, run: dict[str, Any]) -> None:
        from apps.integrations.models import SyncKind, SyncRun, SyncStatus

        label = run["label"]
        owner = self.cluster_of(run["clusters"])
        holders = self.holders(run)

        def where(worker: str) -> str:
            pid = int(worker.rsplit(":", 1)[1])
            return f"{owner.get(pid, '?')}:{pid}"

        rows, per_cluster = [], Counter()
        for connection, sandbox, stats, same in zip(
            run["connections"], self.sandboxes, run["stats"], run["digests"], strict=True
        ):
            runs = list(SyncRun.objects.filter(connection=connection).order_by("started_at", "pk"))
            # One worker at a time: each run is claimed by one worker (the claim is a conditional
            # insert/update), and a connection's runs follow each other without overlapping.
            overlaps = sum(
                1
                for x, y in zip(runs, runs[1:], strict=False)
                if not x.finished_at or y.started_at < x.finished_at
            )
            fulls = [r for r in runs if r.kind == SyncKind.FULL]
            full = fulls[0] if fulls else None
            workers = sorted(holders.get(full.pk, set()) | ({full.worker} if full and full.worker else set()))
            per_cluster.update(where(w).split(":")[0] for w in workers)
            times = stats.get("timestamps", [])
            per_1s, per_10s = procs.max_in_window(times, 1.0), procs.max_in_window(times, 10.0)
            refused = int(stats["statuses"].get("429", 0))
            rows.append(
                [
                    connection.pk,
                    sandbox.port,
                    ", ".join(where(w) for w in workers) or "-",
                    f"{full.started_at:%H:%M:%S}-{full.finished_at:%H:%M:%S}"
                    if full and full.finished_at
                    else "-",
                    f"{full.status if full else '-'}, {full.resumes if full else '-'} resumes",
                    " ".join(f"{r.kind}" for r in runs),
                    overlaps,
                    stats["total"],
                    per_1s,
                    per_10s,
                    refused,
                    "yes" if same else "NO",
                ]
            )
            if len(fulls) != 1 or full.status != SyncStatus.SUCCEEDED or full.resumes or len(workers) != 1:
                self.fail(
                    f"run {label}, connection {connection.pk}: full runs "
                    f"{[(f.status, f.resumes) for f in fulls]}, workers {workers}"
                )
            if overlaps or any(not r.is_finished for r in runs):
                self.fail(
                    f"run {label}, connection {connection.pk}: {overlaps} overlapping or unfinished runs"
                )
            if per_1s > LIMIT_1S or per_10s > LIMIT_10S or refused > max(2, MAX_429_SHARE * stats["total"]):
                self.fail(f"run {label}, sandbox {sandbox.port}: {per_1s}/1s, {per_10s}/10s, {refused} x 429")
            if not same:
                self.fail(f"run {label}, connection {connection.pk}: mirror differs from the reference")
        print(
            f"\nrun {label}: wall {run['wall']:.1f}s; full syncs per cluster {dict(per_cluster)}", flush=True
        )
        print(
            procs.table(
                [
                    "conn",
                    "sandbox",
                    "full sync by (cluster:pid)",
                    "full sync",
                    "full run",
                    "runs (in order)",
                    "overlaps",
                    "requests",
                    "max/1s",
                    "max/10s",
                    "429s",
                    "digest = ref",
                ],
                rows,
            ),
            flush=True,
        )

    def report_speed(self, a: dict[str, Any], b: dict[str, Any]) -> None:
        ratio = b["wall"] / a["wall"]
        print(
            f"\nwall time: run A (1 cluster) {a['wall']:.1f}s, run B (2 clusters) {b['wall']:.1f}s: "
            f"B/A = {ratio:.2f} ({a['wall'] / b['wall']:.2f}x faster)",
            flush=True,
        )
        if b["wall"] >= a["wall"]:
            self.fail("two clusters were not faster than one")

    def report_contention(self, c: dict[str, Any], clusters: list[procs.QCluster]) -> None:
        from writeback_mix import duplicates

        from apps.integrations.lever.credentials import lever_client_for

        stats = c["stats"]
        times = stats.get("timestamps", [])
        per_1s, per_10s = procs.max_in_window(times, 1.0), procs.max_in_window(times, 10.0)
        refused = int(stats["statuses"].get("429", 0))
        span = (max(times) - min(times)) if len(times) > 1 else float("nan")
        workers: Counter[str] = Counter()
        for cluster in clusters:
            text = cluster.log_path.read_text(errors="replace")
            workers[cluster.name] = len(
                set(
                    re.findall(
                        r"(Process-\w+) processing \S+ 'apps\.integrations\.tasks\.process_writebacks'", text
                    )
                )
            )
        client = lever_client_for(c["connection"])
        try:
            found = duplicates(c["connection"], client)
        finally:
            client.close()
        dup = sum(found["duplicates"].values())
        print(
            f"\none credential, both clusters at once (connection {c['connection'].pk}, sandbox "
            f"{c['sandbox'].port}): a delta sync + {sum(c['kinds'].values())} write-backs in {c['wall']:.1f}s; "
            f"{stats['total']} requests over {span:.1f}s ({stats['total'] / span:.1f}/s); max {per_1s} in 1 s, "
            f"{per_10s} in 10 s; {refused} x 429; outcomes {dict(c['statuses'])}; duplicates {dup}; "
            f"worker processes that ran write-back tasks: {dict(workers)}",
            flush=True,
        )
        if per_1s > LIMIT_1S or per_10s > LIMIT_10S or refused > max(2, MAX_429_SHARE * stats["total"]):
            self.fail(f"contention: {per_1s}/1s, {per_10s}/10s, {refused} x 429")
        if dup:
            self.fail(f"contention: {dup} duplicates in the sandbox")

    def report_schedules(self, b: dict[str, Any]) -> None:
        from django.utils import timezone
        from django_q.models import Schedule, Task

        from apps.integrations.schedules import PREFIX

        probe = list(Task.objects.filter(group=PROBE).values_list("result", flat=True))
        slots = Counter(str(result) for result in probe)
        doubled = {slot: n for slot, n in slots.items() if n > 1}
        print(
            f"\nschedules with two clusters: probe (every minute): {len(probe)} tasks for {len(slots)} slots, "
            f"{len(doubled)} slot(s) with more than one task",
            flush=True,
        )
        if doubled or not slots:
            self.fail(f"schedule probe: {doubled or 'no task at all'}")
        minutes = (timezone.now() - b["began_at"]) / timedelta(minutes=1)
        rows = []
        for schedule in Schedule.objects.filter(name__startswith=PREFIX, minutes=1).order_by("name"):
            count = Task.objects.filter(group=schedule.name, started__gte=b["began_at"]).count()
            rows.append([schedule.name, count, f"{minutes:.1f}"])
            if count > minutes + 1:
                self.fail(f"schedule {schedule.name}: {count} tasks in {minutes:.1f} minutes")
        print(procs.table(["every-minute schedule", "tasks since run B began", "minutes"], rows), flush=True)


if __name__ == "__main__":
    sys.exit(main())
