"""Turn what already happens in the product into automation events, once each.

- The mirror (sync, webhooks, and a write-back's own result): `records_changed` from MirrorWriter, in
  the transaction that wrote the change. Application rows give created / stage changed / archived /
  hired / tag added / tag removed.
- Scoring: `scores_changed`, in the transaction that saved the scores: fit score computed, tier changed.
- Sourcing: `candidate_added`: a person added in Recruitdesk.
- Time: `idle_events` (a schedule) for applications idle in a stage for N days.

Each event's key names the real event (the application, what changed, and when it happened in Lever),
and is unique per workspace, so a re-sync, a replayed webhook or a retried task that sees the same
change again adds nothing. Events are only recorded while the workspace has a live rule for that
trigger: a rule never fires for what happened before it was switched on anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.automation.models import AutomationEvent, EventSource, Rule, RuleMode, Trigger

logger = logging.getLogger(__name__)

EVALUATE_TASK = "apps.automation.tasks.evaluate_events"
CHANGE_SOURCES = {
    "full": EventSource.SYNC,
    "delta": EventSource.SYNC,
    "sweep": EventSource.SYNC,
    "webhook": EventSource.WEBHOOK,
    "writeback": EventSource.WRITEBACK,
}


@dataclass
class NewEvent:
    kind: str
    key: str
    occurred_at: datetime
    application_id: int | None = None
    candidate_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def live_triggers(workspace_id: int) -> dict[str, datetime]:
    """The triggers of the workspace's rules that are on or in dry run, each with the earliest time
    one of them was switched on (what happened before that can fire no rule)."""
    from django.db.models import Min

    rows = (
        Rule.objects.for_workspace(workspace_id)
        .filter(mode__in=(RuleMode.ON, RuleMode.DRY_RUN), enabled_at__isnull=False)
        .values("trigger")
        .annotate(since=Min("enabled_at"))
        .order_by()
    )
    return {row["trigger"]: row["since"] for row in rows}


def _fresh(events: list[NewEvent], triggers: dict[str, datetime]) -> list[NewEvent]:
    """Drop events older than every live rule of their trigger (e.g. a first sync's old applications)."""
    return [event for event in events if event.kind in triggers and event.occurred_at >= triggers[event.kind]]


def record_events(
    workspace_id: int, events: Iterable[NewEvent], *, source: str, cause_writeback_id: int | None = None
) -> int:
    """Insert the events whose key is new (within the caller's transaction); wake the evaluator on commit."""
    from apps.integrations.upsert import insert_values

    wanted = {event.key: event for event in events}
    if not wanted:
        return 0
    taken = set(
        AutomationEvent.objects.for_workspace(workspace_id)
        .filter(key__in=list(wanted))
        .values_list("key", flat=True)
    )
    fresh = [event for key, event in wanted.items() if key not in taken]
    if not fresh:
        return 0
    now = timezone.now()
    rows = [
        {
            "workspace_id": workspace_id,
            "kind": event.kind,
            "key": event.key[:255],
            "application_id": event.application_id,
            "candidate_id": event.candidate_id,
            "data": event.data,
            "source": source,
            "occurred_at": event.occurred_at,
            "cause_writeback_id": cause_writeback_id,
            "status": "pending",
            "created_at": now,
            "updated_at": now,
        }
        for event in fresh
    ]
    try:
        with transaction.atomic():
            insert_values(AutomationEvent, rows)
    except IntegrityError:  # a concurrent writer recorded one of them first: insert the rest one by one
        inserted = 0
        for row in rows:
            try:
                with transaction.atomic():
                    insert_values(AutomationEvent, [row])
                inserted += 1
            except IntegrityError:  # that key is taken: the same event, already recorded
                continue
        wake_evaluator()
        return inserted
    wake_evaluator()
    return len(rows)


def wake_evaluator() -> None:
    transaction.on_commit(partial(_queue_evaluation), robust=True)


def _queue_evaluation() -> None:
    from django_q.tasks import async_task

    async_task(EVALUATE_TASK, group="automation")


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# -- the mirror ---------------------------------------------------------------------------------------------


def _guarded(handler: Any) -> Any:
    """Run a signal handler in its own savepoint: a failure in automation is logged and undone, and
    never breaks the sync or the scoring that sent the signal (their writes stand)."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            with transaction.atomic():
                handler(*args, **kwargs)
        except Exception:
            logger.exception("automation: %s failed; the change itself is saved", handler.__name__)

    run.__name__ = handler.__name__
    return run


@_guarded
def on_records_changed(
    sender: Any, writer: Any, changes: list[tuple[int, str, str, dict]], **kw: Any
) -> None:
    if not changes:  # connected for Application only (apps.py)
        return
    workspace_id = writer.connection.workspace_id
    triggers = live_triggers(workspace_id)
    if not MIRROR_TRIGGERS.intersection(triggers):
        return
    events = _fresh(application_events(changes, set(triggers)), triggers)
    if events:
        record_events(
            workspace_id,
            events,
            source=CHANGE_SOURCES.get(writer.source, EventSource.SYNC),
            cause_writeback_id=getattr(writer, "writeback_action_id", None),
        )


MIRROR_TRIGGERS = {
    Trigger.APPLICATION_CREATED,
    Trigger.STAGE_CHANGED,
    Trigger.ARCHIVED,
    Trigger.HIRED,
    Trigger.TAG_ADDED,
    Trigger.TAG_REMOVED,
}


def _pair(value: Any) -> tuple[Any, Any] | None:
    return (value[0], value[1]) if isinstance(value, list | tuple) and len(value) == 2 else None


def application_events(changes: list[tuple[int, str, str, dict]], triggers: set[str]) -> list[NewEvent]:
    """The events in a batch of recorded Application changes (one query for their current values)."""
    from apps.candidates.models import Application, Tag

    pks = [pk for pk, _, kind, _ in changes if kind in ("created", "updated")]
    rows = {
        row["pk"]: row
        for row in Application.objects.filter(pk__in=pks).values(
            "pk", "candidate_id", "current_stage_id", "stage_entered_at", "last_advanced_at",
            "remote_created_at", "remote_updated_at", "archived_at", "outcome", "changed_at",
        )
    }  # fmt: skip
    tag_pks = {
        pk
        for _, _, _, fields in changes
        for side in (_pair(fields.get("tags")) or ((), ()))
        for pk in side
        if isinstance(pk, int)
    }
    tag_names = dict(Tag.objects.filter(pk__in=tag_pks).values_list("pk", "name")) if tag_pks else {}
    now = timezone.now()
    events: list[NewEvent] = []
    for pk, _remote_id, kind, fields in changes:
        row = rows.get(pk)
        if row is None:
            continue
        base = {"application_id": pk, "candidate_id": row["candidate_id"]}
        # When it happened in Lever; without Lever's time, when the mirror took the change (stable for it).
        updated_at = row["remote_updated_at"] or row["changed_at"] or now
        if kind == "created":
            if Trigger.APPLICATION_CREATED in triggers:
                events.append(
                    NewEvent(
                        Trigger.APPLICATION_CREATED,
                        f"created:{pk}",
                        row["remote_created_at"] or row["changed_at"] or now,
                        data={"stage": row["current_stage_id"]},
                        **base,
                    )
                )
            continue
        stage = _pair(fields.get("current_stage_id"))
        if stage and stage[0] != stage[1] and Trigger.STAGE_CHANGED in triggers:
            when = row["stage_entered_at"] or row["last_advanced_at"] or updated_at
            events.append(
                NewEvent(
                    Trigger.STAGE_CHANGED,
                    f"stage:{pk}:{stage[0]}:{stage[1]}:{_iso(when)}",
                    when,
                    data={"from_stage": stage[0], "to_stage": stage[1]},
                    **base,
                )
            )
        outcome = _pair(fields.get("outcome"))
        if outcome and outcome[1] in ("rejected", "hired") and outcome[0] != outcome[1]:
            kind_ = Trigger.HIRED if outcome[1] == "hired" else Trigger.ARCHIVED
            if kind_ in triggers:
                when = row["archived_at"] or updated_at
                events.append(NewEvent(kind_, f"{kind_}:{pk}:{_iso(when)}", when, data={}, **base))
        tags = _pair(fields.get("tags"))
        if tags:
            before, after = set(tags[0] or ()), set(tags[1] or ())
            for trigger, changed in (
                (Trigger.TAG_ADDED, after - before),
                (Trigger.TAG_REMOVED, before - after),
            ):
                if trigger not in triggers:
                    continue
                for tag_pk in sorted(changed):
                    name = tag_names.get(tag_pk)
                    if name:
                        events.append(
                            NewEvent(
                                trigger,
                                f"{trigger}:{pk}:{name.lower()[:120]}:{_iso(updated_at)}",
                                updated_at,
                                data={"tag": name},
                                **base,
                            )
                        )
    return events


# -- scoring ------------------------------------------------------------------------------------------------


@_guarded
def on_scores_changed(sender: Any, scores: list[tuple[Any, str]], **kw: Any) -> None:
    by_workspace: dict[int, list[tuple[Any, str]]] = {}
    for score, previous in scores:
        by_workspace.setdefault(score.workspace_id, []).append((score, previous))
    for workspace_id, items in by_workspace.items():
        triggers = live_triggers(workspace_id)
        events: list[NewEvent] = []
        for score, previous in items:
            base = {"application_id": score.application_id, "candidate_id": score.candidate_id}
            data = {"score": round(score.score, 1), "tier": score.tier, "previous_tier": previous}
            if Trigger.SCORE_COMPUTED in triggers:
                # The same inputs give the same score: a forced rescore of them is not a new event.
                key = f"score:{score.application_id}:{score.input_hash}:{score.engine_version}"
                events.append(NewEvent(Trigger.SCORE_COMPUTED, key, score.computed_at, data=data, **base))
            if Trigger.TIER_CHANGED in triggers and score.tier != previous:
                key = f"tier:{score.application_id}:{score.tier}:{_iso(score.tier_changed_at)}"
                events.append(NewEvent(Trigger.TIER_CHANGED, key, score.tier_changed_at, data=data, **base))
        events = _fresh(events, triggers)
        if events:
            record_events(workspace_id, events, source=EventSource.SCORING)


# -- sourcing -----------------------------------------------------------------------------------------------


@_guarded
def on_candidate_added(sender: Any, candidate: Any, application: Any = None, **kw: Any) -> None:
    if Trigger.CANDIDATE_CREATED not in live_triggers(candidate.workspace_id):
        return
    event = NewEvent(
        Trigger.CANDIDATE_CREATED,
        f"candidate:{candidate.pk}",
        candidate.created_at or timezone.now(),
        application_id=application.pk if application is not None else None,
        candidate_id=candidate.pk,
        data={"job": application.job_id if application is not None else None},
    )
    with transaction.atomic():
        record_events(candidate.workspace_id, [event], source=EventSource.SOURCING)


# -- time ---------------------------------------------------------------------------------------------------


def idle_events(now: datetime | None = None) -> int:
    """Record "idle for N days" events for every live idle rule's N (one indexed query per N and workspace).

    An application counts from when it entered its stage; a rule switched on later only sees stays
    that reach N days after that (older ones are "existing matches", applied only on request).
    """
    from apps.candidates.models import Application

    now = now or timezone.now()
    recorded = 0
    rules = Rule.objects.filter(trigger=Trigger.IDLE_IN_STAGE, mode__in=(RuleMode.ON, RuleMode.DRY_RUN))
    windows: dict[tuple[int, int], datetime] = {}
    for rule in rules.only("workspace_id", "trigger_options", "enabled_at"):
        days = (rule.trigger_options or {}).get("days")
        if not isinstance(days, int) or days < 1 or rule.enabled_at is None:
            continue
        key = (rule.workspace_id, days)
        windows[key] = min(windows.get(key, rule.enabled_at), rule.enabled_at)
    for (workspace_id, days), since in sorted(windows.items()):
        span = timedelta(days=days)
        idle = (
            Application.objects.for_workspace(workspace_id)
            .alive()
            .filter(
                outcome="active",
                current_stage__isnull=False,
                stage_entered_at__lte=now - span,
                stage_entered_at__gte=since - span,
            )
            .values_list("pk", "candidate_id", "current_stage_id", "stage_entered_at")
        )
        events = [
            NewEvent(
                Trigger.IDLE_IN_STAGE,
                f"idle:{pk}:{stage}:{_iso(entered)}:{days}",
                entered + span,
                application_id=pk,
                candidate_id=candidate,
                data={"days": days, "stage": stage},
            )
            for pk, candidate, stage, entered in idle.iterator(chunk_size=2000)
        ]
        for start in range(0, len(events), 500):
            with transaction.atomic():
                recorded += record_events(
                    workspace_id, events[start : start + 500], source=EventSource.SCHEDULE
                )
    return recorded
