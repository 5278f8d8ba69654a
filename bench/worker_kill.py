"""Kill -9 the django-q2 cluster at random points of a full sync and of a write-back batch, then restart it.

    .venv/bin/python bench/worker_kill.py [--database sqlite|postgres] [--broker orm|redis] [--kills 5]
        [--seed N] [--opportunities 200] [--actions 80] [--stale-after 30] [--lease 20]

A Lever sandbox (its own process, rate limited like Lever: 10 req/s, burst 20), a fresh database and a
real `manage.py qcluster` in its own process group. Nothing is driven from here but what a person does:

1. Sync. A reference connection is synced once, uninterrupted, in this process (rate limit switched
   off for it). Then a second workspace connects the way the Integrations page does it
   (`connection_connect_api_key_and_sync`: schedules, then the first sync as a django-q2 task). At
   `--kills` random points of that sync (one in each of `--kills` equal stretches of the requests an
   uninterrupted sync makes, counted by the sandbox) the whole cluster group — sentinel, pusher,
   monitor, workers — gets SIGKILL, and is started again at once. Nothing else is done: a sync task
   (in practice the product's every-minute resume task) must take the run over once its heartbeat is
   `--stale-after` seconds old (SYNC_STALE_AFTER; production: 300). At the end the mirror's digest
   must equal the reference's.
2. Write-back. `--actions` mixed actions (bench/writeback_mix.py: notes, tags, stage moves, rejections,
   uploads, creates, …) are enqueued through the services (with the cluster stopped, then started);
   the cluster is killed `--kills` times while it sends them (spread the same way, by actions done),
   each time just after an action was claimed (mid-send), and started again. The per-connection
   write-back schedule takes a dead worker's action over once its lease (`--lease`, WRITEBACK_LEASE;
   production: 300 s) ran out, checking Lever before sending again.
   Then the sandbox must hold every action's effect exactly once: no duplicate, nothing missing, and
   tags, stages, archive states and posting teams as the actions left them.

Exit status 1 on any mismatch. The bench never edits the database to make progress; the only writes
it makes itself are setup (workspaces, the write-back approval setting, the reference connection).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import procs  # noqa: E402

KEY = "bench-kill-key"
WORKERS = 2


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--broker", choices=("orm", "redis"), default="orm")
    parser.add_argument("--kills", type=int, default=5, help="Kills per phase (sync, write-back).")
    parser.add_argument("--seed", type=int, default=None, help="Seed of the kill points (default: random).")
    parser.add_argument("--opportunities", type=int, default=200)
    parser.add_argument("--actions", type=int, default=80)
    parser.add_argument("--stale-after", type=int, default=30, help="SYNC_STALE_AFTER for the cluster (s).")
    parser.add_argument("--lease", type=int, default=20, help="WRITEBACK_LEASE for the cluster (s).")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (logs) even on success.")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1_000_000)
    return args


def spread(rng: random.Random, low: int, high: int, count: int) -> list[int]:
    """`count` random points in [low, high), one in each of `count` equal strata (so they cover it)."""
    width = max(1, (high - low) // count)
    return [low + i * width + rng.randrange(width) for i in range(count)]


wait_for = procs.wait_for


def main() -> int:
    args = parse()
    rng = random.Random(args.seed)
    cleanup = procs.Cleanup()
    work = Path(tempfile.mkdtemp(prefix="recruitdesk-kill-"))
    passed = False

    def remove_work() -> None:
        if passed and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"logs kept in {work}", flush=True)

    cleanup.add("work directory", remove_work)
    if args.database == "postgres":
        name = f"recruitdesk_bench_{os.getpid()}"
        database_url = procs.postgres_create(name)
        cleanup.add("drop the database", lambda: procs.postgres_drop(name))
    else:
        database_url = f"sqlite:///{work / 'bench.sqlite3'}"
    redis_url = ""
    if args.broker == "redis":
        redis_url = procs.redis_claim_db()
        cleanup.add("flush Redis", lambda: procs.redis_flush(redis_url, keep_claim=False))
    env = procs.bench_env(
        database_url=database_url,
        redis_url=redis_url,
        work=work,
        Q_WORKERS=str(WORKERS),
        SYNC_STALE_AFTER=str(args.stale_after),
        WRITEBACK_LEASE=str(args.lease),
        LOG_LEVEL="INFO",  # the cluster's log names each task it processes ("resume sync #N")
    )
    os.environ.update(env, LOG_LEVEL="ERROR")  # this process reads and enqueues through Django too

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    cleanup.add("close database connections", connections.close_all)
    call_command("migrate", verbosity=0)
    print(
        f"seed {args.seed}; {args.database} + {args.broker} broker; {args.opportunities} opportunities, "
        f"{args.actions} actions, {args.kills} kills per phase; SYNC_STALE_AFTER={args.stale_after}s, "
        f"WRITEBACK_LEASE={args.lease}s; work dir {work}",
        flush=True,
    )
    sandbox = procs.Sandbox(
        env=env, api_key=KEY, opportunities=args.opportunities, seed=7, log=work / "sandbox.log"
    ).wait_ready()
    cleanup.add("stop the sandbox", sandbox.stop)
    cluster = procs.QCluster("worker", env, work / "qcluster.log")
    cleanup.add("stop the cluster", cluster.stop)

    bench = KillBench(args, rng, sandbox, cluster)
    ok = bench.sync_phase() and bench.writeback_phase()
    cluster.stop()
    passed = ok
    print("\nPASS" if ok else "\nFAIL", flush=True)
    return 0 if ok else 1


class KillBench:
    def __init__(self, args: argparse.Namespace, rng: random.Random, sandbox: procs.Sandbox, cluster) -> None:
        self.args, self.rng, self.sandbox, self.cluster = args, rng, sandbox, cluster

    # -- helpers -------------------------------------------------------------------------------------------

    def restart(self) -> float:
        """Start the cluster again; return how long it took to be up."""
        from django.utils import timezone

        self.cluster.start()
        self.restarted_at = timezone.now()
        return self.cluster.wait_ready(WORKERS)

    def log_since(self, start: int) -> str:
        """The cluster's log from its `start`-th start on."""
        text = self.cluster.log_path.read_text(errors="replace")
        marker = f"--- start #{start} "
        return text[text.find(marker) :] if marker in text else ""

    @staticmethod
    def picked_up_by(log: str, run_pk: int) -> str:
        """Name the task that took the run over: the last sync task the restarted cluster started."""
        started = re.findall(r"processing (.+?) '(apps\.integrations\.tasks\.sync_\w+)'(?: \[(.+?)\])?", log)
        if not started:
            return "?"
        name, func, schedule = started[-1]
        if name == f"resume sync #{run_pk}":
            return "resume task"
        if schedule:
            return f"schedule {schedule.rsplit(':', 1)[-1]}"
        return name if "sync #" in name else func.rsplit(".", 1)[-1]

    # -- 1. sync -------------------------------------------------------------------------------------------

    def reference(self):
        from apps.accounts.models import User
        from apps.accounts.services import workspace_create
        from apps.integrations.lever.sync.runner import run_sync
        from apps.integrations.models import AtsUser, Connection, ConnectionStatus, Environment, SyncKind
        from apps.integrations.services import connection_disconnect

        self.sandbox.control("config", rate_limit=False)
        self.sandbox.control("stats/reset")
        owner = User.objects.create(email="reference@bench.local")
        reference = Connection.objects.create(
            workspace=workspace_create(name="Reference", owner=owner),
            name="reference",
            environment=Environment.CUSTOM,
            base_url=self.sandbox.url,
            api_key=KEY,
            status=ConnectionStatus.ACTIVE,
        )
        started = time.monotonic()
        run = run_sync(reference, kind=SyncKind.FULL, client_options={"limiter": None})
        assert run.status == "succeeded", run.error
        requests = self.sandbox.total()
        admin = (
            AtsUser.objects.for_connection(reference)
            .filter(access_role="super admin", deactivated_at=None)
            .order_by("remote_id")
            .first()
        )
        # Setup, not progress: the reference must not be scheduled next to the connection under test.
        connection_disconnect(connection=reference, reason="bench reference")
        self.sandbox.control("config", rate_limit=True)  # Lever's 10/s, burst 20 (resets the buckets)
        self.sandbox.control("stats/reset")
        print(
            f"reference sync (uninterrupted, no rate limit): {time.monotonic() - started:.1f}s, "
            f"{requests} requests",
            flush=True,
        )
        return reference, requests, admin.email

    def sync_phase(self) -> bool:
        from apps.accounts.models import User, WritebackApproval
        from apps.accounts.services import workspace_create
        from apps.candidates.models import Application
        from apps.integrations.digest import mirror_digest
        from apps.integrations.lifecycle import connection_connect_api_key_and_sync
        from apps.integrations.models import Environment, SyncKind, SyncRun, SyncStatus

        reference, reference_requests, admin_email = self.reference()
        owner = User.objects.create(email=admin_email)  # the Lever super admin: write-backs act as them
        workspace = workspace_create(name="Kill bench", owner=owner)
        workspace.writeback_approval = WritebackApproval.NONE  # the bench measures sending, not approving
        workspace.save()
        self.restart()
        started = time.monotonic()
        outcome = connection_connect_api_key_and_sync(
            workspace=workspace,
            api_key=KEY,
            environment=Environment.CUSTOM,
            base_url=self.sandbox.url,
            admin_email=admin_email,
            connected_by=owner,
        )
        connection = self.connection = outcome.connection
        self.started = started
        print(
            f"\n== 1. full sync of connection #{connection.pk}, killed {self.args.kills} times ==", flush=True
        )

        def full_run():
            return SyncRun.objects.filter(connection=connection, kind=SyncKind.FULL).order_by("pk").first()

        points = spread(
            self.rng, int(reference_requests * 0.03), int(reference_requests * 0.95), self.args.kills
        )
        rows = []
        for number, point in enumerate(points, 1):
            wait_for(
                f"{point} requests",
                lambda p=point: self.sandbox.total() >= p or (full_run() and full_run().is_finished),
                timeout=1200,
                poll=0.1,
            )
            run = full_run()
            if run is None or run.is_finished:
                print(f"kill {number}: the sync finished before {point} requests; no more kills", flush=True)
                break
            at, requests = time.monotonic() - started, self.sandbox.total()
            killed = time.monotonic()
            self.cluster.kill()
            run.refresh_from_db()
            checkpoint = run.checkpoint
            phase = checkpoint.get("phase", "-")
            where = phase
            if checkpoint.get("offset"):
                where += " (mid-listing, page token kept)"
            elif phase.startswith("children"):
                since = checkpoint.get("since")
                refreshed = (
                    Application.objects.for_connection(connection)
                    .filter(children_synced_at__gte=since)
                    .count()
                )
                where += f" ({refreshed} applications' children done)"
            heartbeat_age = time.time() - run.heartbeat_at.timestamp() if run.heartbeat_at else float("nan")
            holder, status_at_kill = run.worker, f"{run.status}, {run.resumes} resumes so far"
            up = self.restart()

            def picked_up(run=run, holder=holder):
                run.refresh_from_db()
                return run.is_finished or (run.status == SyncStatus.RUNNING and run.worker != holder)

            wait_for(f"sync #{run.pk} to be picked up", picked_up, timeout=self.args.stale_after + 300)
            pickup = time.monotonic() - killed
            log = self.log_since(self.cluster.starts)
            via = self.picked_up_by(log, run.pk)
            if run.is_finished:
                via = "finished"
            rows.append(
                [
                    number,
                    f"{at:.1f}",
                    f"{requests}/{reference_requests}",
                    status_at_kill,
                    where,
                    f"{len(checkpoint.get('done', []))}/12",
                    f"{heartbeat_age:.1f}",
                    f"{up:.1f}",
                    f"{pickup:.1f}",
                    via,
                ]
            )
        run = wait_for(
            "the full sync to finish",
            lambda: (r := full_run()) and r.is_finished and r,
            timeout=max(1800, reference_requests / 5),
        )
        wall = time.monotonic() - started
        sandbox = self.sandbox.stats()
        print(
            procs.table(
                [
                    "kill",
                    "at (s)",
                    "requests (of ref.)",
                    "run at kill",
                    "checkpoint phase",
                    "phases done",
                    "heartbeat age (s)",
                    "restart (s)",
                    "picked up after (s)",
                    "by",
                ],
                rows,
            ),
            flush=True,
        )
        fulls = SyncRun.objects.filter(connection=connection, kind=SyncKind.FULL)
        same = mirror_digest(connection) == mirror_digest(reference)
        ok = (
            run.status == SyncStatus.SUCCEEDED
            and fulls.count() == 1
            and same
            and len(rows) == self.args.kills
        )
        print(
            f"full sync #{run.pk}: {run.status} after {wall:.1f}s, resumed {run.resumes} times, "
            f"{sandbox['total']} requests answered by the sandbox (uninterrupted: {reference_requests}; "
            f"statuses {sandbox['statuses']}); "
            f"{fulls.count()} full run(s); mirror digest {'IDENTICAL to' if same else 'DIFFERENT from'} "
            f"the uninterrupted sync's; {len(rows)}/{self.args.kills} kills -> {'ok' if ok else 'MISMATCH'}",
            flush=True,
        )
        if not same:
            mine, theirs = mirror_digest(connection), mirror_digest(reference)
            print("    differing models: " + ", ".join(k for k in mine if mine[k] != theirs[k]), flush=True)
        return ok

    # -- 2. write-back ---------------------------------------------------------------------------------------

    def writeback_phase(self) -> bool:
        from django.utils import timezone
        from writeback_mix import enqueue_mix

        from apps.integrations.lifecycle import connection_writeback_user_default
        from apps.integrations.models import WritebackAction, WritebackStatus
        from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES

        connection = self.connection
        connection.refresh_from_db()
        connection_writeback_user_default(connection=connection)  # what the first sync's task does
        connection.refresh_from_db()
        print(
            f"\n== 2. write-back batch of {self.args.actions} actions, killed {self.args.kills} times ==",
            flush=True,
        )
        first = WritebackAction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # The batch is queued while the workers are down (stopped gracefully, as on a deploy), so the
        # kill points below spread over its sending, not over the few seconds of enqueueing.
        self.cluster.stop()
        kinds = enqueue_mix(connection, self.args.actions, run=f"kill{self.args.seed}", seed=self.args.seed)
        batch = WritebackAction.objects.filter(connection=connection, pk__gt=first)
        total = batch.count()
        print(f"enqueued {total}: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()), flush=True)
        started = time.monotonic()
        self.restart()
        finished = (WritebackStatus.SUCCEEDED, WritebackStatus.FAILED, WritebackStatus.CANCELLED)

        def done() -> int:
            return batch.filter(status__in=finished).count()

        # Kill points spread over the batch (by actions done); the next kill does not wait for the
        # previous kill's actions to be taken over: the lease outlasts the whole batch's sending.
        points = spread(self.rng, 1, total - 5, self.args.kills)
        kills = []
        for number, point in enumerate(points, 1):
            wait_for(f"{point} actions done", lambda p=point: done() >= p, timeout=900, poll=0.05)
            # Aim mid-send: right after an action was claimed, before or after its request lands.
            with contextlib.suppress(TimeoutError):
                wait_for(
                    "a newly claimed action",
                    lambda: batch.filter(
                        status=WritebackStatus.RUNNING, claimed_at__gt=self.restarted_at
                    ).exists(),
                    10,
                    0.01,
                )
            time.sleep(self.rng.uniform(0, 0.1))
            at = time.monotonic() - started
            self.cluster.kill()
            killed_at = timezone.now()
            in_flight = list(
                batch.filter(status=WritebackStatus.RUNNING).values_list("pk", "kind").order_by("pk")
            )
            done_at_kill = done()
            up = self.restart()
            kills.append((number, at, killed_at, done_at_kill, in_flight, up))
        wait_for(
            "the batch to be sent",
            lambda: not batch.filter(status__in=OPEN_WRITEBACK_STATUSES).exists(),
            timeout=1200,
        )
        wall = time.monotonic() - started
        self.cluster.stop()
        rows = []
        seen: dict[int, int] = {}
        for number, at, killed_at, done_at_kill, in_flight, up in kills:
            described, waiting = [], 0
            for pk, kind in in_flight:
                action = batch.get(pk=pk)
                if pk in seen:  # claimed before an earlier kill, its lease not yet run out
                    waiting += 1
                    continue
                seen[pk] = number
                taken_over = (
                    (action.completed_at - killed_at).total_seconds() if action.completed_at else None
                )
                described.append(
                    f"#{pk} {kind}: {action.status}, attempt {action.attempts}, "
                    + (f"{taken_over:.0f}s after" if taken_over is not None else "never")
                )
            rows.append(
                [
                    number,
                    f"{at:.1f}",
                    f"{done_at_kill}/{total}",
                    f"{up:.1f}",
                    "; ".join(described) or "none",
                    waiting,
                ]
            )
        print(
            procs.table(
                [
                    "kill",
                    "at (s)",
                    "actions done",
                    "restart (s)",
                    "claimed when killed: final status, attempt, completed after the kill",
                    "earlier ones still leased",
                ],
                rows,
            ),
            flush=True,
        )
        return self.check_writebacks(batch, wall, len(kills))

    def check_writebacks(self, batch, wall: float, kills: int) -> bool:
        from writeback_mix import duplicates

        from apps.integrations.lever.credentials import lever_client_for
        from apps.integrations.models import WritebackKind, WritebackStatus

        statuses = Counter(batch.values_list("status", flat=True))
        retried = batch.filter(attempts__gt=1).count()
        print(
            f"batch sent in {wall:.1f}s: {dict(statuses)}; {retried} actions attempted more than once",
            flush=True,
        )
        failed = list(batch.filter(status=WritebackStatus.FAILED).values_list("pk", "kind", "last_error"))
        for pk, kind, error in failed:
            print(f"    failed #{pk} {kind}: {error}", flush=True)
        client = lever_client_for(self.connection)  # the shared limiter: the sandbox still limits
        try:
            found = duplicates(self.connection, client)
            mismatches = self.state_mismatches(batch, client)
        finally:
            client.close()
        dup, missing = sum(found["duplicates"].values()), sum(found["missing"].values())
        print(
            f"duplicates in the sandbox: {dup} {dict(found['duplicates']) or ''}; missing: {missing} "
            f"{dict(found['missing']) or ''}; checked {dict(found['checked'])}",
            flush=True,
        )
        print(f"state checks (tags, stages, archive, posting team): {len(mismatches)} mismatches", flush=True)
        for line in mismatches[:10]:
            print(f"    {line}", flush=True)
        # Failures that Lever refused for a reason (e.g. a posting edited meanwhile) are not lost actions.
        unexplained = [f for f in failed if f[1] != WritebackKind.UPDATE_JOB]
        ok = dup == 0 and missing == 0 and not mismatches and not unexplained and kills == self.args.kills
        print(f"write-back: {'every action done exactly once' if ok else 'MISMATCH'}", flush=True)
        return ok

    def state_mismatches(self, batch, client) -> list[str]:
        """Compare what the sandbox holds with the effect of the succeeded actions, in the order sent."""
        from apps.integrations.models import WritebackKind, WritebackStatus

        tags: dict[str, dict[str, bool]] = {}
        stage: dict[str, str] = {}
        archived: dict[str, str | None] = {}
        team: dict[str, str] = {}
        for action in (
            batch.filter(status=WritebackStatus.SUCCEEDED).select_related("application", "job").order_by("pk")
        ):
            opportunity = action.application.remote_id if action.application else None
            if action.kind == WritebackKind.ADD_TAG:
                tags.setdefault(opportunity, {})[action.payload["tag"]] = True
            elif action.kind == WritebackKind.REMOVE_TAG:
                tags.setdefault(opportunity, {})[action.payload["tag"]] = False
            elif action.kind == WritebackKind.MOVE_STAGE:
                stage[opportunity] = action.payload["stage_id"]
            elif action.kind == WritebackKind.REJECT:
                archived[opportunity] = action.payload["reason_id"]
            elif action.kind == WritebackKind.UNARCHIVE:
                archived[opportunity] = None
            elif action.kind == WritebackKind.UPDATE_JOB and "team" in action.payload:
                team[action.job.remote_id] = action.payload["team"]
        problems = []
        for opportunity in sorted({*tags, *stage, *archived}):
            held = client.get_opportunity(opportunity)
            for tag, present in tags.get(opportunity, {}).items():
                if (tag in (held.get("tags") or [])) != present:
                    problems.append(f"{opportunity}: tag {tag!r} should be {'on' if present else 'off'}")
            if opportunity in stage:
                now = held.get("stage")
                now = now.get("id") if isinstance(now, dict) else now
                if now != stage[opportunity]:
                    problems.append(f"{opportunity}: stage {now} instead of {stage[opportunity]}")
            if opportunity in archived:
                reason = (held.get("archived") or {}).get("reason")
                reason = reason.get("id") if isinstance(reason, dict) else reason
                if reason != archived[opportunity]:
                    problems.append(
                        f"{opportunity}: archive reason {reason} instead of {archived[opportunity]}"
                    )
        for posting, value in team.items():
            held = client.get_posting(posting)
            if (held.get("categories") or {}).get("team") != value:
                problems.append(
                    f"posting {posting}: team {(held.get('categories') or {}).get('team')!r} not {value!r}"
                )
        return problems


if __name__ == "__main__":
    sys.exit(main())
