"""Automation at scale (issue 11): 50 enabled rules and a delta sync that changes 2,000 applications.

    .venv/bin/python bench/automation.py [--opportunities 2600] [--changes 2000] [--rules 50]
                                         [--postgres]

An in-process Lever sandbox (no rate limit) and a fresh SQLite database (or, with --postgres, a fresh
PostgreSQL database on 127.0.0.1:5432, dropped at the end). After a full sync, 50 rules are switched on (stage-change, tag and idle
triggers; conditions on department, tier, score, tag, origin and location; tag, note and notify
actions), then 2,000 applications change stage in Lever and a delta sync brings them in.

Prints the delta sync's time, the events recorded, the engine's time per event (deciding: facts,
trigger, scope and conditions of every rule of the event's trigger; and the whole evaluation with
firings written and write-backs enqueued), the firings by status and the write-backs queued. Then it
replays everything: the same delta sync twice, every change delivered as two signed webhooks
(received and processed as in production), the first sync's recorded changes turned into events again,
and every event evaluated a second time. Duplicate firings and duplicate write-backs must stay 0.
Exits 1 when they do not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

# bench/ is on sys.path when this runs as a script: the environment every bench shares.
from procs import ROOT, bench_env, percentile, postgres_create, postgres_drop, table  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="recruitdesk-bench-"))
_args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
_args.add_argument("--opportunities", type=int, default=2600)
_args.add_argument("--changes", type=int, default=2000)
_args.add_argument("--rules", type=int, default=50)
_args.add_argument(
    "--postgres", action="store_true", help="a throwaway PostgreSQL database instead of SQLite"
)
ARGS = _args.parse_args()
PG_NAME = f"recruitdesk_bench_automation_{os.getpid()}"
DATABASE_URL = postgres_create(PG_NAME) if ARGS.postgres else f"sqlite:///{WORK / 'bench.sqlite3'}"
# The sandbox runs without a rate limit: so does every client here (webhook processing builds its own).
os.environ.update(
    bench_env(
        database_url=DATABASE_URL,
        work=WORK,
        LOG_LEVEL="CRITICAL",
        LEVER_RATE_LIMIT="100000",
        LEVER_RATE_BURST="100000",
    )
)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.services import workspace_create  # noqa: E402
from apps.automation import engine  # noqa: E402
from apps.automation.events import application_events, live_triggers, record_events  # noqa: E402
from apps.automation.models import AutomationEvent, EventSource, RuleFiring, RuleMode, Trigger  # noqa: E402
from apps.automation.services import rule_mark_previewed, rule_save, rule_set_mode  # noqa: E402
from apps.candidates.models import Application, Origin  # noqa: E402
from apps.integrations.lever.sync.runner import run_sync  # noqa: E402
from apps.integrations.models import (  # noqa: E402
    Connection,
    ConnectionStatus,
    Environment,
    RecordChange,
    SyncKind,
    SyncStatus,
    WritebackAction,
    WritebackSource,
)
from apps.integrations.webhook_processing import webhook_event_process  # noqa: E402
from apps.integrations.webhooks import connection_add_signing_token, webhook_receive  # noqa: E402
from apps.jobs.models import Job, Stage  # noqa: E402
from apps.lever_sandbox.server import SandboxServer  # noqa: E402
from apps.lever_sandbox.webhooks import sign  # noqa: E402
from apps.scoring.services import score_applications  # noqa: E402

CLIENT = {"limiter": None, "backoff_base": 0.2, "backoff_cap": 2.0}
SIGNING_TOKEN = "bench-signing-token-" + uuid.uuid4().hex


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def sync(connection: Connection, kind: str, **kw) -> tuple[float, object]:
    started = time.perf_counter()
    run = run_sync(connection, kind=kind, client_options=CLIENT, **kw)
    wall = time.perf_counter() - started
    if run.status != SyncStatus.SUCCEEDED:
        sys.exit(f"{kind} sync failed: {run.error}")
    return wall, run


def make_rules(connection: Connection, owner: User, count: int) -> None:
    """`count` rules spread over the triggers and conditions recruiters use, all switched on."""
    rng = random.Random(7)
    stages = list(Stage.objects.for_connection(connection).alive().order_by("global_index"))
    departments = sorted(
        {d for d in Job.objects.for_connection(connection).values_list("department", flat=True) if d}
    )
    tiers = ["tier_1", "tier_2", "tier_3", "not_a_match"]
    conditions = [
        lambda: {
            "field": "department",
            "op": "in",
            "value": rng.sample(departments, min(2, len(departments))),
        },
        lambda: {"field": "tier", "op": "in", "value": rng.sample(tiers, 2)},
        lambda: {
            "field": "score",
            "op": "between",
            "value": [rng.choice([0, 20, 40]), rng.choice([60, 80, 100])],
        },
        lambda: {"field": "tag", "op": "has_not", "value": "do-not-contact"},
        lambda: {"field": "origin", "op": "in", "value": [Origin.APPLIED, Origin.SOURCED, Origin.REFERRED]},
        lambda: {"field": "location", "op": "not_contains", "value": "Antarctica"},
        lambda: {"field": "confidential", "op": "is", "value": False},
    ]
    for index in range(count):
        kind = index % 10
        draft = {"name": f"Bench rule {index + 1}", "trigger": Trigger.STAGE_CHANGED}
        if kind < 7:  # most rules react to stage changes, to one stage each
            draft["trigger_options"] = {"to_stage": stages[index % len(stages)].pk}
        elif kind < 9:
            draft.update(trigger=Trigger.TAG_ADDED, trigger_options={"tag": f"bench-{index}"})
        else:
            draft.update(trigger=Trigger.IDLE_IN_STAGE, trigger_options={"days": 5 + index % 3})
        draft["conditions"] = [rng.choice(conditions)() for _ in range(rng.randint(1, 3))]
        draft["actions"] = [
            {"kind": "add_tag", "tag": f"auto-{index + 1}"},
            *([{"kind": "add_note", "text": "{first_name} reached {stage} for {job_title} ({score}, {tier})."}]
              if index % 3 == 0 else []),
            *([{"kind": "notify", "recipients": ["owner"], "users": [owner.pk]}] if index % 4 == 0 else []),
        ]  # fmt: skip
        rule = rule_save(workspace=connection.workspace, draft=draft, by=owner)
        rule_mark_previewed(rule)
        rule_set_mode(rule=rule, mode=RuleMode.ON, by=owner)


def change_stages(sandbox: SandboxServer, connection: Connection, count: int) -> list[tuple[str, str, str]]:
    """Move `count` active opportunities to another stage in Lever; return (opportunity, from, to)."""
    rng = random.Random(11)
    stages = list(Stage.objects.for_connection(connection).alive().values_list("remote_id", flat=True))
    apps = list(
        Application.objects.for_connection(connection)
        .alive()
        .filter(job__isnull=False, current_stage__isnull=False)  # archived ones move too, as in Lever
        .values_list("remote_id", "current_stage__remote_id")
        .order_by("pk")[:count]
    )
    moved = []
    for remote_id, current in apps:
        target = rng.choice([s for s in stages if s != current])
        sandbox.simulate_stage_change(remote_id, target)
        moved.append((remote_id, current, target))
    return moved


def deliver_webhooks(connection: Connection, moved: list[tuple[str, str, str]]) -> int:
    """Each stage change as Lever's signed candidateStageChange webhook, received and processed."""
    processed = 0
    for opportunity, from_stage, to_stage in moved:
        token, at = uuid.uuid4().hex, int(time.time() * 1000)
        body = {
            "id": str(uuid.uuid4()),
            "event": "candidateStageChange",
            "triggeredAt": at,
            "token": token,
            "signature": sign(SIGNING_TOKEN, token, at),
            "data": {"opportunityId": opportunity, "fromStageId": from_stage, "toStageId": to_stage},
        }
        receipt = webhook_receive(connection=connection, raw=json.dumps(body).encode())
        if receipt.verdict in ("rejected", "malformed", "gone"):
            sys.exit(f"a webhook was refused: {receipt.verdict} {receipt.reason}")
        if receipt.event_id is not None and receipt.verdict == "accepted":
            webhook_event_process(receipt.event_id)
        processed += 1
    return processed


def rederive_events(connection: Connection, run_id: int) -> int:
    """Turn the first delta sync's recorded Application changes into events again (as if re-reported)."""
    application_type = ContentType.objects.get_for_model(Application)
    changes = [
        (c.object_id, c.remote_id, c.kind, c.fields)
        for c in RecordChange.objects.filter(sync_run_id=run_id, content_type=application_type)
    ]
    triggers = set(live_triggers(connection.workspace_id))
    added = 0
    for start in range(0, len(changes), 250):
        with transaction.atomic():
            added += record_events(
                connection.workspace_id,
                application_events(changes[start : start + 250], triggers),
                source=EventSource.SYNC,
            )
    return added


def duplicates() -> tuple[int, int]:
    firings = (
        RuleFiring.objects.values("rule_id", "idempotency_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    # Two rules may send the same thing (e.g. the same note template); one rule never may, for one event.
    writebacks = (
        WritebackAction.objects.filter(source=WritebackSource.AUTOMATION)
        .values(
            "automation_firings__rule_id", "automation_firings__event_id", "application_id", "kind", "payload"
        )
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return firings, writebacks


def evaluate() -> tuple[float, engine.PassSummary]:
    started = time.perf_counter()
    summary = engine.evaluate_pending()
    return time.perf_counter() - started, summary


def main() -> int:
    call_command("migrate", verbosity=0)
    database = "PostgreSQL" if ARGS.postgres else "SQLite"
    print(
        f"{database}; sandbox of {ARGS.opportunities} opportunities; {ARGS.rules} rules; {ARGS.changes} changes"
    )
    with SandboxServer(seed=5, opportunities=ARGS.opportunities, rate_limit=False) as sandbox:
        owner, _ = User.objects.get_or_create(email="bench@recruitdesk.local")
        workspace = workspace_create(name=f"Bench {time.monotonic_ns()}", owner=owner)
        connection = Connection.objects.create(
            workspace=workspace,
            environment=Environment.CUSTOM,
            base_url=sandbox.url,
            api_key=sandbox.api_key,
            status=ConnectionStatus.ACTIVE,
        )
        connection_add_signing_token(connection=connection, token=SIGNING_TOKEN)
        full_wall, _ = sync(connection, SyncKind.FULL)
        score_applications(Application.objects.for_connection(connection), write_back=False)
        print(f"full sync {full_wall:.1f} s; pipelines scored")
        make_rules(connection, owner, ARGS.rules)
        since = timezone.now()
        moved = change_stages(sandbox, connection, ARGS.changes)
        if len(moved) < ARGS.changes:
            sys.exit(f"only {len(moved)} applications with a stage: raise --opportunities")

        delta_wall, run = sync(connection, SyncKind.DELTA)
        events = AutomationEvent.objects.filter(status="pending").count()
        eval_wall, summary = evaluate()
        decide = summary.decide_seconds
        firings = dict(summary.firings)
        queued = WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count()
        rows = [
            [f"delta sync ({len(moved):,} stage changes; events recorded in it)", f"{delta_wall:.1f} s"],
            ["events recorded", events],
            ["deciding per event p50 / p95 / p99 (ms)",
             f"{ms(percentile(decide, 50))} / {ms(percentile(decide, 95))} / {ms(percentile(decide, 99))}"],
            ["deciding per event, mean (ms)", ms(statistics.fmean(decide)) if decide else "—"],
            ["whole evaluation per event (ms; firings written, write-backs enqueued)",
             ms(eval_wall / max(summary.events, 1))],
            ["firings", ", ".join(f"{k} {v}" for k, v in sorted(firings.items()))],
            ["write-backs queued", queued],
        ]  # fmt: skip

        print(table(["", "figure"], rows), flush=True)
        rows = []

        # -- replays -----------------------------------------------------------------------------------
        before = (RuleFiring.objects.count(), queued)
        replay_sync = 0
        for _ in range(2):  # the same delta sync, twice
            sync(connection, SyncKind.DELTA, since=since)
            replay_sync += AutomationEvent.objects.filter(status="pending").count()
            evaluate()
        delivered = deliver_webhooks(connection, moved) + deliver_webhooks(connection, moved)
        replay_hooks = AutomationEvent.objects.filter(status="pending").count()
        evaluate()
        rederived = rederive_events(connection, run.pk)
        AutomationEvent.objects.update(status="pending", claim=None)
        _, again = evaluate()
        after = (
            RuleFiring.objects.count(),
            WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count(),
        )
        dup_firings, dup_writebacks = duplicates()
        rows += [
            ["replay: the same delta sync twice → new events", replay_sync],
            [f"replay: {delivered} webhooks (each change twice) → new events", replay_hooks],
            ["replay: recorded changes re-derived → new events", rederived],
            [f"replay: all {again.events} events evaluated again → new firings", after[0] - before[0]],
            ["write-backs added by the replays", after[1] - before[1]],
            ["duplicate firings / duplicate write-backs", f"{dup_firings} / {dup_writebacks}"],
        ]
        print(table(["", "figure"], rows))
        ok = dup_firings == dup_writebacks == 0 and after == before
        print("OK: nothing fired twice" if ok else "FAILED: something fired twice")
        return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        import shutil

        from django.db import connections

        connections.close_all()
        if ARGS.postgres:
            postgres_drop(PG_NAME)
        shutil.rmtree(WORK, ignore_errors=True)
