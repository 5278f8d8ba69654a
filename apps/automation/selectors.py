"""Read models of the automation pages: the rule list, a rule in words, its activity log, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from apps.automation.definitions import (
    Lookups,
    describe_action,
    describe_condition,
    describe_trigger,
)
from apps.automation.models import FiringStatus, Notification, NotificationSettings, Rule, RuleFiring

STATUSES = (FiringStatus.FIRED, FiringStatus.SKIPPED, FiringStatus.FAILED, FiringStatus.DRY_RUN)


def _count_of(status: str) -> Count:
    return Count("firings", filter=Q(firings__status=status))


def rule_list(workspace_id: int) -> QuerySet[Rule]:
    """The workspace's rules with their firing counts and last firing, in one query."""
    return Rule.objects.for_workspace(workspace_id).annotate(
        fired=_count_of(FiringStatus.FIRED),
        skipped=_count_of(FiringStatus.SKIPPED),
        failed=_count_of(FiringStatus.FAILED),
        dry_runs=_count_of(FiringStatus.DRY_RUN),
        last_fired_at=Max(
            "firings__created_at",
            filter=Q(firings__status__in=(FiringStatus.FIRED, FiringStatus.DRY_RUN, FiringStatus.FAILED)),
        ),
    )


def lever_paused(workspace_id: int) -> str:
    """Why rules' Lever actions are paused: "disconnected" (a Lever account of the workspace is),
    "none" (no Lever account was ever connected), or "" when they are not."""
    from apps.integrations.models import Connection, ConnectionStatus

    statuses = set(Connection.objects.for_workspace(workspace_id).values_list("status", flat=True))
    if not statuses:
        return "none"
    return "disconnected" if ConnectionStatus.DISCONNECTED in statuses else ""


def _safe(describe: Any, *args: Any) -> str:
    """Say a stored definition part in words; an old version that no longer reads shows as such."""
    try:
        return describe(*args)
    except (KeyError, ValueError, TypeError, IndexError):
        return "(cannot be shown)"


def trigger_words(rule: Rule, lookups: Lookups) -> str:
    return _safe(describe_trigger, rule.trigger, rule.trigger_options or {}, lookups)


@dataclass
class RuleWords:
    trigger: str
    scope: str
    conditions: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def definition_words(definition: dict[str, Any], lookups: Lookups) -> RuleWords:
    """A rule (or one of its versions) in words: trigger, scope, conditions and actions."""
    scope = definition.get("scope")
    if scope == "jobs":
        names = [lookups.jobs.get(pk, "(removed job)") for pk in definition.get("jobs") or []]
        scope_words = "Jobs: " + (", ".join(names) or "—")
    elif scope == "department":
        scope_words = f"The {definition.get('department') or '—'} department"
    else:
        scope_words = "All jobs"
    return RuleWords(
        trigger=_safe(
            describe_trigger, definition.get("trigger"), definition.get("trigger_options") or {}, lookups
        ),
        scope=scope_words,
        conditions=[_safe(describe_condition, c, lookups) for c in definition.get("conditions") or []],
        actions=[_safe(describe_action, a, lookups) for a in definition.get("actions") or []],
    )


def rule_definition(rule: Rule) -> dict[str, Any]:
    return {
        "trigger": rule.trigger,
        "trigger_options": rule.trigger_options,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "scope": rule.scope,
        "jobs": [job.pk for job in rule.jobs.all()],
        "department": rule.department,
    }


def firing_counts(rule: Rule) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in rule.firings.values_list("status").annotate(n=Count("pk")).order_by():
        counts[status] = n
    return counts


def firing_log(rule: Rule, status: str = "") -> QuerySet[RuleFiring]:
    firings = rule.firings.select_related("event", "candidate", "application__job").order_by(
        "-created_at", "-pk"
    )
    if status in STATUSES:
        firings = firings.filter(status=status)
    return firings


@dataclass
class LoggedAction:
    summary: str
    status: str
    reason: str
    detail: str
    writeback: Any = None  # the live outbox row of a queued write-back


def firing_actions(page: Page, workspace_id: int) -> dict[int, list[LoggedAction]]:
    """Each firing's actions on this page, with their write-back's live status (one query for the page)."""
    from apps.integrations.models import WritebackAction

    wanted = {
        action["writeback"]
        for firing in page.object_list
        for action in firing.actions or []
        if isinstance(action, dict) and isinstance(action.get("writeback"), int)
    }
    writebacks = {
        w.pk: w
        for w in WritebackAction.objects.for_workspace(workspace_id)
        .filter(pk__in=wanted)
        .only("pk", "status", "status_reason", "last_error", "kind", "completed_at")
    }
    return {
        firing.pk: [
            LoggedAction(
                summary=str(action.get("summary") or action.get("kind") or ""),
                status=str(action.get("status") or ""),
                reason=str(action.get("reason") or action.get("skip") or ""),
                detail=str(action.get("detail") or ""),
                writeback=writebacks.get(action.get("writeback")),
            )
            for action in firing.actions or []
            if isinstance(action, dict)
        ]
        for firing in page.object_list
    }


# -- notifications ---------------------------------------------------------------------------------------


def notifications_for(
    workspace_id: int, user_id: int, *, unread_only: bool = False
) -> QuerySet[Notification]:
    """The member's own notices in this workspace, unread first, newest first."""
    notices = Notification.objects.for_workspace(workspace_id).filter(user_id=user_id)
    if unread_only:
        return notices.filter(read_at=None).order_by("-created_at", "-pk")
    unread_first = Case(When(read_at=None, then=Value(0)), default=Value(1), output_field=IntegerField())
    return notices.order_by(unread_first, "-created_at", "-pk")


def notification_settings_for(workspace_id: int, user_id: int) -> NotificationSettings:
    found = NotificationSettings.objects.filter(workspace_id=workspace_id, user_id=user_id).first()
    return found or NotificationSettings(workspace_id=workspace_id, user_id=user_id)
