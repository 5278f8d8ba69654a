"""Which current applications a rule would act on, and exactly what it would send to each.

The preview treats each application's present state as if its trigger had just happened (in the
stage the rule moves from → to, with the tag, the tier, idle long enough…), applies the scope and the
conditions, and plans the actions with the engine's own `plan_actions`. "Apply to existing matches"
uses the same matching, so the count the admin confirms is the count that runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.automation.definitions import Lookups, lookups_for
from apps.automation.engine import LiveRule, lever_connected, load_workspace
from apps.automation.facts import Facts, candidate_facts, evaluate_conditions, facts_for
from apps.automation.models import Rule, RuleScope, Trigger
from apps.automation.plans import PlannedAction, plan_actions

CHUNK = 500
SHOWN = 50


@dataclass
class Match:
    facts: Facts
    plans: list[PlannedAction]

    @property
    def sends(self) -> list[PlannedAction]:
        return [plan for plan in self.plans if not plan.skip]


@dataclass
class Preview:
    total: int = 0  # applications (or people) the rule would act on now
    shown: list[Match] = field(default_factory=list)
    considered: int = 0
    action_counts: dict[str, int] = field(default_factory=dict)  # summary → how many would be sent
    paused: bool = False  # Lever actions would wait: Lever is disconnected


def candidates_for(rule: Rule, now: datetime | None = None) -> QuerySet:
    """Applications whose present state matches the rule's trigger (before scope and conditions)."""
    from apps.candidates.models import Application

    now = now or timezone.now()
    options = rule.trigger_options or {}
    apps = Application.objects.for_workspace(rule.workspace_id).alive()
    trigger = rule.trigger
    if trigger == Trigger.ARCHIVED:
        apps = apps.filter(outcome="rejected")
    elif trigger == Trigger.HIRED:
        apps = apps.filter(outcome="hired")
    else:
        apps = apps.filter(outcome="active")
    if trigger == Trigger.STAGE_CHANGED and options.get("to_stage"):
        apps = apps.filter(current_stage_id=options["to_stage"])
    elif trigger == Trigger.STAGE_CHANGED and options.get("from_stage"):
        apps = apps.exclude(current_stage_id=options["from_stage"]).exclude(current_stage=None)
    elif trigger in (Trigger.SCORE_COMPUTED, Trigger.TIER_CHANGED):
        apps = apps.filter(score__isnull=False)
        if trigger == Trigger.TIER_CHANGED and options.get("tiers"):
            apps = apps.filter(score__tier__in=options["tiers"])
    elif trigger == Trigger.TAG_ADDED and options.get("tag"):
        apps = apps.filter(tags__name__iexact=options["tag"])
    elif trigger == Trigger.TAG_REMOVED and options.get("tag"):
        apps = apps.exclude(tags__name__iexact=options["tag"])
    elif trigger == Trigger.IDLE_IN_STAGE:
        days = options.get("days") or 1
        apps = apps.filter(current_stage__isnull=False, stage_entered_at__lte=now - timedelta(days=days))
        if options.get("stage"):
            apps = apps.filter(current_stage_id=options["stage"])
    elif trigger == Trigger.CANDIDATE_CREATED:
        apps = apps.filter(remote_id__isnull=True, candidate__remote_id__isnull=True)
    if rule.scope == RuleScope.JOBS:
        apps = apps.filter(job_id__in=list(rule.jobs.values_list("pk", flat=True)))
    elif rule.scope == RuleScope.DEPARTMENT:
        apps = apps.filter(job__department__iexact=rule.department)
    return apps.order_by("-pk")


def trigger_data(rule: Rule, facts: Facts) -> dict[str, Any]:
    """The event data that makes the rule's trigger match this application's present state."""
    options = rule.trigger_options or {}
    return {
        "from_stage": options.get("from_stage"),
        "to_stage": facts.stage_id,
        "tier": facts.tier,
        "tag": options.get("tag") or "",
        "days": options.get("days"),
        "stage": facts.stage_id,
        "rule": rule.pk,  # a retroactive event is for this rule only
    }


def matches(rule: Rule, *, now: datetime | None = None, lookups: Lookups | None = None) -> Iterator[Facts]:
    """Every current application the rule would act on (scope and conditions applied)."""
    lookups = lookups or lookups_for(rule.workspace_id)
    live = LiveRule(rule, frozenset(rule.jobs.values_list("pk", flat=True)), rule.department.lower())
    ids = list(candidates_for(rule, now).values_list("pk", flat=True).distinct())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = facts_for(chunk)
        for pk in chunk:
            facts = found.get(pk)
            if facts is None or not live.in_scope(facts):
                continue
            if evaluate_conditions(rule.conditions or [], facts, None)[0]:
                yield facts
    if rule.trigger == Trigger.CANDIDATE_CREATED and rule.scope == RuleScope.ALL_JOBS:
        yield from _local_people_without_application(rule, lookups)


def _local_people_without_application(rule: Rule, lookups: Lookups) -> Iterator[Facts]:
    from apps.candidates.models import Candidate

    people = (
        Candidate.objects.for_workspace(rule.workspace_id)
        .filter(remote_id__isnull=True, remote_deleted_at__isnull=True, applications__isnull=True)
        .order_by("-pk")
    )
    for person in people.iterator(chunk_size=CHUNK):
        facts = candidate_facts(person)
        if evaluate_conditions(rule.conditions or [], facts, None)[0]:
            yield facts


def rule_preview(rule: Rule, *, now: datetime | None = None, shown: int = SHOWN) -> Preview:
    workspace = load_workspace(rule.workspace_id, now or timezone.now())
    preview = Preview()
    counts: Counter[str] = Counter()
    for facts in matches(rule, now=now, lookups=workspace.lookups):
        plans = plan_actions(
            rule.actions or [],
            facts,
            workspace.lookups,
            audience=workspace.audience,
            lever_connected=lever_connected(workspace, facts),
        )
        preview.total += 1
        # Notices are counted together: their summary names the people, which differ per application.
        counts.update("Notify" if plan.kind == "notify" else plan.summary for plan in plans if not plan.skip)
        preview.paused = preview.paused or any(plan.paused for plan in plans)
        if len(preview.shown) < shown:
            preview.shown.append(Match(facts, plans))
    preview.action_counts = dict(counts)
    return preview
