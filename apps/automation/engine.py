"""Evaluate pending events against the workspace's live rules, once each, and act.

A pass claims a batch of pending events (a conditional UPDATE stamps them with its claim id, so two
workers never take the same event) and, in the same transaction, records a RuleFiring for every rule
whose trigger and scope match, performs the fired rules' plans (write-backs through the outbox,
notifications, rescoring) and marks the events evaluated. A crash rolls all of it back: the events
are pending again and nothing was sent. Each firing is unique per rule and event, so nothing fires
twice even if an event were evaluated again.

Loops: an event that is the mirror's echo of a rule's own write-back carries that write-back; its
firing's chain says which rules led there. A rule never fires on a chain it is already in (its own
echo, or A → B → A), and no chain grows beyond MAX_CHAIN_DEPTH.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.automation.definitions import CONDITION_FIELDS, ActionKind, Lookups, describe_condition, lookups_for
from apps.automation.facts import Facts, candidate_facts, evaluate_conditions, facts_for
from apps.automation.models import (
    AutomationEvent,
    EventStatus,
    FiringStatus,
    Rule,
    RuleFiring,
    RuleMode,
    RuleScope,
    Trigger,
)
from apps.automation.plans import Audience, PlannedAction, audience_for, plan_actions

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # events per transaction: short enough not to hold SQLite's write lock for long
MAX_CHAIN_DEPTH = 3


# -- rules, compiled once per pass ----------------------------------------------------------------------


@dataclass
class LiveRule:
    rule: Rule
    job_ids: frozenset[int]
    department: str
    condition_words: list[str] | None = None  # the conditions in words, said once per pass

    def in_scope(self, facts: Facts) -> bool:
        if self.rule.scope == RuleScope.JOBS:
            return facts.job_id in self.job_ids
        if self.rule.scope == RuleScope.DEPARTMENT:
            return bool(facts.department) and facts.department.lower() == self.department
        return True

    def trigger_matches(self, event_kind: str, data: dict[str, Any], facts: Facts) -> bool:
        options = self.rule.trigger_options or {}
        if event_kind == Trigger.STAGE_CHANGED:
            return all(
                not options.get(name) or options[name] == data.get(name)
                for name in ("from_stage", "to_stage")
            )
        if event_kind == Trigger.TIER_CHANGED:
            return not options.get("tiers") or data.get("tier") in options["tiers"]
        if event_kind in (Trigger.TAG_ADDED, Trigger.TAG_REMOVED):
            wanted = (options.get("tag") or "").lower()
            return not wanted or wanted == str(data.get("tag", "")).lower()
        if event_kind == Trigger.IDLE_IN_STAGE:
            return options.get("days") == data.get("days") and (
                not options.get("stage") or options["stage"] == data.get("stage")
            )
        return True

    @property
    def dry_run(self) -> bool:
        return self.rule.mode == RuleMode.DRY_RUN


@dataclass
class Workspace:
    """What one workspace's evaluation needs, loaded once per pass."""

    rules: dict[str, list[LiveRule]]
    lookups: Lookups
    audience: Audience
    disconnected: frozenset[int]  # connection pks whose Lever is disconnected
    any_connected: bool


def load_workspace(workspace_id: int, now: datetime) -> Workspace:
    from apps.integrations.models import Connection, ConnectionStatus

    rules: dict[str, list[LiveRule]] = defaultdict(list)
    live = (
        Rule.objects.for_workspace(workspace_id)
        .filter(mode__in=(RuleMode.ON, RuleMode.DRY_RUN))
        .prefetch_related("jobs")
        .order_by("pk")
    )
    lookups = lookups_for(workspace_id)
    for rule in live:
        if rule.mode == RuleMode.DRY_RUN and rule.dry_run_until and rule.dry_run_until < now:
            continue  # the dry run's week is over (the schedule switches it off)
        jobs = frozenset(job.pk for job in rule.jobs.all())
        words = [
            describe_condition(c, lookups) if c.get("field") in CONDITION_FIELDS else ""
            for c in rule.conditions or []
        ]
        rules[rule.trigger].append(LiveRule(rule, jobs, rule.department.lower(), words))
    statuses = dict(Connection.objects.for_workspace(workspace_id).values_list("pk", "status"))
    return Workspace(
        rules=dict(rules),
        lookups=lookups,
        audience=audience_for(workspace_id),
        disconnected=frozenset(
            pk for pk, status in statuses.items() if status == ConnectionStatus.DISCONNECTED
        ),
        any_connected=any(status != ConnectionStatus.DISCONNECTED for status in statuses.values()),
    )


def lever_connected(workspace: Workspace, facts: Facts) -> bool:
    if facts.connection_id is not None:
        return facts.connection_id not in workspace.disconnected
    return workspace.any_connected


# -- one pass -------------------------------------------------------------------------------------------


@dataclass
class PassSummary:
    events: int = 0
    firings: Counter[str] = field(default_factory=Counter)
    # Seconds spent deciding (loading facts, matching triggers, scopes and conditions) per event.
    decide_seconds: list[float] = field(default_factory=list)

    def add(self, other: PassSummary) -> None:
        self.events += other.events
        self.firings.update(other.firings)
        self.decide_seconds += other.decide_seconds


WORKSPACE_FRESH_FOR = 30.0  # seconds a pass reuses a workspace's rules and lookups between batches


def evaluate_pending(*, max_batches: int | None = None, now: datetime | None = None) -> PassSummary:
    """Evaluate pending events, batch by batch, until none is left (or `max_batches` were done)."""
    summary = PassSummary()
    done = 0
    workspaces: dict[int, tuple[float, Workspace]] = {}
    while max_batches is None or done < max_batches:
        batch = evaluate_batch(now=now, workspaces=workspaces)
        if batch.events == 0:
            break
        summary.add(batch)
        done += 1
    return summary


def evaluate_batch(
    *,
    size: int = BATCH_SIZE,
    now: datetime | None = None,
    workspaces: dict[int, tuple[float, Workspace]] | None = None,
) -> PassSummary:
    summary = PassSummary()
    claim = uuid.uuid4()
    with transaction.atomic():
        pending = AutomationEvent.objects.filter(status=EventStatus.PENDING).order_by("pk")
        ids = list(pending.values_list("pk", flat=True)[:size])
        # Only rows still pending are stamped: a concurrent pass that took some first keeps them.
        claimed = AutomationEvent.objects.filter(pk__in=ids, status=EventStatus.PENDING)
        stamp = now or timezone.now()
        if not claimed.update(status=EventStatus.DONE, claim=claim, evaluated_at=stamp):
            return summary
        events = list(AutomationEvent.objects.filter(claim=claim).order_by("pk"))
        summary.events = len(events)
        by_workspace: dict[int, list[AutomationEvent]] = defaultdict(list)
        for event in events:
            by_workspace[event.workspace_id].append(event)
        for workspace_id, of_workspace in by_workspace.items():
            _evaluate_workspace(
                workspace_id, of_workspace, stamp, summary, {} if workspaces is None else workspaces
            )
    return summary


def _evaluate_workspace(
    workspace_id: int,
    events: list[AutomationEvent],
    now: datetime,
    summary: PassSummary,
    cache: dict[int, tuple[float, Workspace]],
) -> None:
    started = time.perf_counter()
    loaded_at, workspace = cache.get(workspace_id, (0.0, None))  # type: ignore[assignment]
    if workspace is None or started - loaded_at > WORKSPACE_FRESH_FOR:
        workspace = load_workspace(workspace_id, now)
        cache[workspace_id] = (started, workspace)
    relevant = [event for event in events if workspace.rules.get(event.kind)]
    facts = facts_for(event.application_id for event in relevant if event.application_id)
    chains = _chains([event.cause_writeback_id for event in relevant if event.cause_writeback_id])
    setup = (time.perf_counter() - started) / max(len(events), 1)
    for event in events:
        started = time.perf_counter()
        decisions = _decide(event, workspace, facts, chains)
        summary.decide_seconds.append(time.perf_counter() - started + setup)
        for decision in decisions:
            status = _record(decision, workspace, now)
            if status:
                summary.firings[status] += 1


@dataclass
class Decision:
    live: LiveRule
    event: AutomationEvent | None
    facts: Facts
    key: str
    status: str
    reason: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)
    depth: int = 0
    chain: list[int] = field(default_factory=list)


def _chains(writeback_ids: list[int]) -> dict[int, tuple[int, int, list[int]]]:
    """For each write-back made by a rule: (rule pk, its firing's depth, its firing's chain)."""
    if not writeback_ids:
        return {}
    through = RuleFiring.writebacks.through
    rows = through.objects.filter(writebackaction_id__in=writeback_ids).values_list(
        "writebackaction_id", "rulefiring__rule_id", "rulefiring__depth", "rulefiring__chain"
    )
    return {writeback: (rule, depth, list(chain or [])) for writeback, rule, depth, chain in rows}


def _decide(
    event: AutomationEvent,
    workspace: Workspace,
    facts: dict[int, Facts],
    chains: dict[int, tuple[int, int, list[int]]],
) -> list[Decision]:
    rules = workspace.rules.get(event.kind, [])
    if not rules:
        return []
    if event.application_id is not None:
        subject = facts.get(event.application_id)
        if subject is None:  # deleted meanwhile
            return []
    elif event.candidate_id is not None:
        from apps.candidates.models import Candidate

        candidate = Candidate.objects.filter(pk=event.candidate_id).first()
        if candidate is None:
            return []
        subject = candidate_facts(candidate)
    else:
        return []
    parent = chains.get(event.cause_writeback_id) if event.cause_writeback_id else None
    depth, chain = (parent[1] + 1, [*parent[2], parent[0]]) if parent else (0, [])
    decisions = []
    only_rule = (event.data or {}).get("rule")  # "apply to existing matches" is for one rule
    for live in rules:
        rule = live.rule
        if only_rule and rule.pk != only_rule:
            continue
        if rule.enabled_at is None or event.occurred_at < rule.enabled_at:
            continue  # it happened before the rule was switched on: never retroactive
        if not live.trigger_matches(event.kind, event.data or {}, subject) or not live.in_scope(subject):
            continue
        # The firing's key is the event's (it names the application and the event); with the rule's
        # own column it makes "rule + application + event", unique.
        decision = Decision(live, event, subject, event.key, FiringStatus.FIRED, depth=depth)
        decision.chain = chain
        if rule.pk in chain:
            decision.status, decision.reason = (
                FiringStatus.SKIPPED,
                "Its own action caused this event (loop protection).",
            )
        elif depth > MAX_CHAIN_DEPTH:
            decision.status = FiringStatus.SKIPPED
            decision.reason = f"More than {MAX_CHAIN_DEPTH} rules in a row led here (chain limit)."
        else:
            passed, decision.checks = evaluate_conditions(
                rule.conditions or [], subject, workspace.lookups, live.condition_words
            )
            if not passed:
                decision.status, decision.reason = FiringStatus.SKIPPED, "Conditions not met."
            elif live.dry_run:
                decision.status = FiringStatus.DRY_RUN
        decisions.append(decision)
    return decisions


def _record(decision: Decision, workspace: Workspace, now: datetime) -> str:
    """Save one firing and, when it fires, perform its plan; return its status ("" if it existed)."""
    rule, facts = decision.live.rule, decision.facts
    plans: list[PlannedAction] = []
    if decision.status in (FiringStatus.FIRED, FiringStatus.DRY_RUN):
        plans = plan_actions(
            rule.actions or [],
            facts,
            workspace.lookups,
            audience=workspace.audience,
            lever_connected=lever_connected(workspace, facts),
        )
    firing = RuleFiring(
        workspace_id=rule.workspace_id,
        rule=rule,
        rule_version=rule.version,
        event=decision.event,
        idempotency_key=decision.key[:255],
        application_id=facts.application_id,
        candidate_id=facts.candidate_id,
        status=decision.status,
        reason=decision.reason[:500],
        conditions=decision.checks,
        depth=decision.depth,
        chain=decision.chain,
    )
    if decision.status != FiringStatus.FIRED:  # nothing is sent: what it would have done, saved at once
        firing.actions = [
            {**plan.as_json(), "status": "dry_run" if not plan.skip else "skipped"} for plan in plans
        ]
    try:
        with transaction.atomic():
            firing.save()
            if decision.status == FiringStatus.FIRED:
                perform(firing, plans)
    except IntegrityError:
        return ""  # this rule already handled this event
    return firing.status


# -- acting ---------------------------------------------------------------------------------------------


def perform(firing: RuleFiring, plans: list[PlannedAction]) -> None:
    """Carry out a fired rule's plan; record each action's outcome on the firing."""
    from apps.automation.notifications import notify

    needs_row = any(not p.skip and not p.paused and p.kind != ActionKind.NOTIFY for p in plans)
    application = _application(firing.application_id) if firing.application_id and needs_row else None
    outcomes: list[dict[str, Any]] = []
    writebacks = []
    for index, plan in enumerate(plans):
        outcome = plan.as_json()
        if plan.skip:
            outcome["status"] = "skipped"
        elif plan.paused:
            outcome.update(status="paused", reason="Lever is disconnected: Lever actions are paused.")
        else:
            try:
                with transaction.atomic():
                    if plan.kind == ActionKind.NOTIFY:
                        count = notify(firing, plan, index)
                        outcome.update(status="sent", reason=f"{count} notified")
                    elif plan.kind == ActionKind.RESCORE:
                        from apps.candidates.actions import applications_rescore

                        applications_rescore([application] if application else [])
                        outcome["status"] = "queued"
                    elif plan.kind == ActionKind.EXPORT:
                        outcome.update(_export(firing, index))
                        if outcome.get("writeback"):
                            writebacks.append(outcome["writeback"])
                    else:
                        action = _writeback(firing, plan, index, application)
                        writebacks.append(action.pk)
                        outcome.update(status="queued", writeback=action.pk)
            except ValidationError as exc:
                outcome.update(status="skipped", reason=" ".join(exc.messages)[:300])
            except ObjectDoesNotExist:  # the rule names a stage or reason removed since it was saved
                outcome.update(
                    status="skipped", reason="What the rule names no longer exists: edit the rule."
                )
            except Exception as exc:  # one broken action must not stop the others or the batch
                logger.exception("automation rule %s: action %s failed", firing.rule_id, plan.kind)
                outcome.update(status="failed", reason=f"{type(exc).__name__}: {str(exc)[:200]}")
        outcomes.append(outcome)
    firing.actions = outcomes
    if any(outcome["status"] == "failed" for outcome in outcomes):
        firing.status = FiringStatus.FAILED
        firing.reason = "An action could not be carried out."
    firing.save(update_fields=["actions", "status", "reason"])
    if writebacks:
        firing.writebacks.add(*writebacks)


def _application(pk: int) -> Any:
    from apps.candidates.models import Application

    # The connection's workspace and write-back user too: the outbox reads both for every action.
    return Application.objects.select_related(
        "candidate", "job", "current_stage", "connection__workspace", "connection__writeback_user"
    ).get(pk=pk)


ACTION_OF_KIND = {
    ActionKind.ADD_TAG: "tag_add",
    ActionKind.REMOVE_TAG: "tag_remove",
    ActionKind.ADD_NOTE: "note",
    ActionKind.ADD_RESULT_LINK: "result_link",
    ActionKind.MOVE_STAGE: "move",
    ActionKind.REJECT: "reject",
}


def _writeback(firing: RuleFiring, plan: PlannedAction, index: int, application: Any) -> Any:
    from apps.candidates.actions import enqueue_action, sentence, skip_reason
    from apps.candidates.models import RejectionReason
    from apps.integrations.models import WritebackSource
    from apps.jobs.models import Stage

    if application is None:
        raise ValidationError("No application.")
    values = dict(plan.values)
    if plan.kind == ActionKind.MOVE_STAGE:
        values["stage"] = Stage.objects.for_workspace(firing.workspace_id).get(pk=values["stage"])
    elif plan.kind == ActionKind.REJECT:
        values["reason"] = RejectionReason.objects.for_workspace(firing.workspace_id).get(pk=values["reason"])
    action = ACTION_OF_KIND[plan.kind]
    reason = skip_reason(application, action, values)
    if reason:
        raise ValidationError(sentence(reason))
    return enqueue_action(
        application,
        action,
        values,
        requested_by=None,
        idempotency_key=f"auto:{firing.rule_id}:{firing.pk}:{index}",
        source=WritebackSource.AUTOMATION,
    )


def _export(firing: RuleFiring, index: int) -> dict[str, Any]:
    from apps.candidates.models import Application, Candidate, ExportStatus
    from apps.candidates.sourcing_export import candidate_export
    from apps.integrations.models import WritebackSource

    candidate = Candidate.objects.get(pk=firing.candidate_id)
    application = (
        Application.objects.filter(pk=firing.application_id).first() if firing.application_id else None
    )
    record = candidate_export(
        candidate=candidate,
        application=application,
        requested_by=None,
        source=WritebackSource.AUTOMATION,
        token=f"auto-{firing.rule_id}-{firing.pk}-{index}",
    )
    if record.status == ExportStatus.DUPLICATE:
        return {"status": "skipped", "reason": "Already in Lever (duplicate found): not exported."}
    if record.status == ExportStatus.FAILED:
        return {"status": "failed", "reason": record.message[:300]}
    # The export's create-candidate write-back: its live outbox status shows in the rule's log.
    return {"status": "queued", "export": record.pk, "writeback": record.action_id}
