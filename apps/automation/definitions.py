"""What a rule may say, checked: trigger options, conditions and actions as plain JSON, validated here.

`clean_definition` takes a draft (from the form or an import) and returns it normalised, or raises a
ValidationError naming each problem in words a recruiter reads ("Choose the stage to move to.").
Everything that refers to workspace rows (stages, jobs, reasons, users) is checked against that
workspace, so a rule can never name another team's data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.automation.models import RuleScope, Trigger

MAX_CONDITIONS = 20
MAX_ACTIONS = 10
MAX_IDLE_DAYS = 365
MAX_TEXT = 10_000

# Placeholders a note, a notification or a result link label may use, e.g. "Hi {first_name}".
PLACEHOLDERS = {
    "first_name": "the candidate's first name",
    "last_name": "the candidate's last name",
    "candidate_name": "the candidate's full name",
    "job_title": "the job's title",
    "stage": "the current stage",
    "score": "the fit score (0–100)",
    "tier": "the fit tier",
    "top_reasons": "the score's strongest reasons, one per line",
    "owner_name": "the opportunity owner's name",
    "profile_url": "the candidate's page in Recruitdesk",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ActionKind:
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    ADD_NOTE = "add_note"
    ADD_RESULT_LINK = "add_result_link"
    MOVE_STAGE = "move_stage"
    REJECT = "reject"
    RESCORE = "rescore"
    EXPORT = "export"
    NOTIFY = "notify"

    LABELS = {
        ADD_TAG: "Add tag",
        REMOVE_TAG: "Remove tag",
        ADD_NOTE: "Add note",
        ADD_RESULT_LINK: "Add result link",
        MOVE_STAGE: "Move to stage",
        REJECT: "Reject",
        RESCORE: "Rescore",
        EXPORT: "Export to Lever",
        NOTIFY: "Notify",
    }
    # Actions that send something to Lever (paused while the workspace's Lever is disconnected).
    LEVER = frozenset({ADD_TAG, REMOVE_TAG, ADD_NOTE, ADD_RESULT_LINK, MOVE_STAGE, REJECT, EXPORT})


CONDITION_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # field: (label, operators)
    "job": ("Job", ("in", "not_in")),
    "department": ("Department", ("in", "not_in")),
    "location": ("Job location", ("contains", "not_contains")),
    "origin": ("Origin", ("in", "not_in")),
    "source": ("Source", ("in", "not_in")),
    "tag": ("Tag", ("has", "has_not")),
    "tier": ("Fit tier", ("in", "not_in")),
    "score": ("Fit score", ("between",)),
    "stage": ("Stage", ("in", "not_in")),
    "owner": ("Owner", ("in", "not_in")),
    "confidential": ("Confidential job", ("is",)),
}
OPERATOR_LABELS = {
    "in": "is",
    "not_in": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "has": "is present",
    "has_not": "is absent",
    "between": "is between",
    "is": "is",
}
RECIPIENTS = {
    "owner": "the opportunity owner",
    "hiring_manager": "the hiring manager",
    "job_owner": "the job owner",
}


@dataclass(frozen=True)
class Lookups:
    """What the workspace has, to check references against (and to say them in words)."""

    stages: dict[int, str]
    jobs: dict[int, str]
    reasons: dict[int, str]
    members: dict[int, str]  # user pk → name or email
    ats_users: dict[int, str]


def lookups_for(workspace_id: int) -> Lookups:
    from apps.accounts.models import Membership
    from apps.candidates.models import ReasonType, RejectionReason
    from apps.integrations.models import AtsUser
    from apps.jobs.models import Job, Stage

    members = {
        m.user_id: (m.user.get_full_name() or m.user.email)
        for m in Membership.objects.filter(workspace_id=workspace_id).select_related("user")
    }
    return Lookups(
        stages=dict(Stage.objects.for_workspace(workspace_id).alive().values_list("pk", "name")),
        jobs=dict(Job.objects.for_workspace(workspace_id).alive().values_list("pk", "name")),
        reasons=dict(
            RejectionReason.objects.for_workspace(workspace_id)
            .alive()
            .filter(is_active=True, reason_type=ReasonType.NON_HIRED)
            .values_list("pk", "name")
        ),
        members=members,
        ats_users=dict(AtsUser.objects.for_workspace(workspace_id).values_list("pk", "name")),
    )


# -- cleaning ----------------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ints(values: Any) -> list[int]:
    if not isinstance(values, list | tuple):
        values = [values]
    return [n for n in (_int(v) for v in values) if n is not None]


def _texts(values: Any) -> list[str]:
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list | tuple):
        return []
    return [str(v).strip()[:255] for v in values if str(v).strip()]


def check_placeholders(text: str) -> list[str]:
    """Return the unknown placeholders in `text` (e.g. ["{salary}"])."""
    return [f"{{{name}}}" for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]


def clean_trigger(
    trigger: str, options: Any, lookups: Lookups, errors: dict[str, list[str]]
) -> dict[str, Any]:
    options = options if isinstance(options, dict) else {}
    if trigger not in Trigger.values:
        errors.setdefault("trigger", []).append("Choose what starts the rule.")
        return {}
    cleaned: dict[str, Any] = {}
    if trigger == Trigger.STAGE_CHANGED:
        for name in ("from_stage", "to_stage"):
            pk = _int(options.get(name))
            if pk is not None and pk not in lookups.stages:
                errors.setdefault("trigger", []).append("That stage is not in this workspace.")
            cleaned[name] = pk
    elif trigger == Trigger.TIER_CHANGED:
        from apps.scoring.models import Tier

        tiers = [t for t in _texts(options.get("tiers")) if t in Tier.values]
        cleaned["tiers"] = sorted(set(tiers))
    elif trigger in (Trigger.TAG_ADDED, Trigger.TAG_REMOVED):
        cleaned["tag"] = str(options.get("tag") or "").strip()[:255]
    elif trigger == Trigger.IDLE_IN_STAGE:
        days = _int(options.get("days"))
        if days is None or not 1 <= days <= MAX_IDLE_DAYS:
            errors.setdefault("trigger", []).append(f"Idle for how many days? (1–{MAX_IDLE_DAYS})")
        stage = _int(options.get("stage"))
        if stage is not None and stage not in lookups.stages:
            errors.setdefault("trigger", []).append("That stage is not in this workspace.")
        cleaned.update({"days": days, "stage": stage})
    return cleaned


def clean_conditions(raw: Any, lookups: Lookups, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    from apps.candidates.models import Origin
    from apps.scoring.models import Tier

    items = raw if isinstance(raw, list) else []
    if len(items) > MAX_CONDITIONS:
        errors.setdefault("conditions", []).append(f"At most {MAX_CONDITIONS} conditions.")
    cleaned = []
    for item in items[:MAX_CONDITIONS]:
        item = item if isinstance(item, dict) else {}
        field, op, value = item.get("field"), item.get("op"), item.get("value")
        if field not in CONDITION_FIELDS:
            errors.setdefault("conditions", []).append("Choose what each condition checks.")
            continue
        label, ops = CONDITION_FIELDS[field]
        op = op if op in ops else ops[0]
        problem = ""
        if field in ("job", "stage", "owner"):
            known = {"job": lookups.jobs, "stage": lookups.stages, "owner": lookups.ats_users}[field]
            value = [pk for pk in _ints(value) if pk in known]
            problem = "" if value else f"{label}: choose at least one."
        elif field in ("department", "source"):
            value = _texts(value)
            problem = "" if value else f"{label}: enter at least one."
        elif field == "origin":
            value = [v for v in _texts(value) if v in Origin.values]
            problem = "" if value else "Origin: choose at least one."
        elif field == "tier":
            value = [v for v in _texts(value) if v in Tier.values]
            problem = "" if value else "Fit tier: choose at least one."
        elif field in ("location", "tag"):
            value = str(value or "").strip()[:255]
            problem = "" if value else f"{label}: enter a value."
        elif field == "score":
            bounds = value if isinstance(value, list | tuple) and len(value) == 2 else [None, None]
            low, high = (_float(b) for b in bounds)
            low = 0.0 if low is None else low
            high = 100.0 if high is None else high
            value = [low, high]
            problem = "" if 0 <= low <= high <= 100 else "Fit score: a range within 0–100, low to high."
        elif field == "confidential":
            value = value in (True, "true", "True", "1", 1, "on", "yes")
        if problem:
            errors.setdefault("conditions", []).append(problem)
            continue
        cleaned.append({"field": field, "op": op, "value": value})
    return cleaned


def _float(value: Any) -> float | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def clean_actions(
    raw: Any, trigger: str, lookups: Lookups, errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else []
    if not items:
        errors.setdefault("actions", []).append("Add at least one action.")
    if len(items) > MAX_ACTIONS:
        errors.setdefault("actions", []).append(f"At most {MAX_ACTIONS} actions.")
    cleaned = []
    for item in items[:MAX_ACTIONS]:
        item = item if isinstance(item, dict) else {}
        kind = item.get("kind")
        problems: list[str] = []
        action: dict[str, Any] = {"kind": kind}
        if kind in (ActionKind.ADD_TAG, ActionKind.REMOVE_TAG):
            action["tag"] = str(item.get("tag") or "").strip()[:255]
            problems += [] if action["tag"] else ["Which tag?"]
        elif kind == ActionKind.ADD_NOTE:
            action["text"] = str(item.get("text") or "").strip()[:MAX_TEXT]
            action["secret"] = item.get("secret") in (True, "true", "on", "1", 1)
            problems += [] if action["text"] else ["Write the note."]
            problems += [f"Unknown placeholder {p}." for p in check_placeholders(action["text"])]
        elif kind == ActionKind.ADD_RESULT_LINK:
            action["label"] = str(item.get("label") or "").strip()[:255]
            action["url"] = str(item.get("url") or "").strip()[:1000]
            problems += [] if action["label"] else ["Name the link."]
            problems += [f"Unknown placeholder {p}." for p in check_placeholders(action["label"])]
            try:
                URLValidator(schemes=["http", "https"])(action["url"])
            except ValidationError:
                problems.append("The link must be a full http(s) address.")
        elif kind == ActionKind.MOVE_STAGE:
            action["stage"] = _int(item.get("stage"))
            problems += [] if action["stage"] in lookups.stages else ["Choose the stage to move to."]
        elif kind == ActionKind.REJECT:
            action["reason"] = _int(item.get("reason"))
            problems += [] if action["reason"] in lookups.reasons else ["Choose the archive reason."]
        elif kind == ActionKind.RESCORE:
            if trigger in (Trigger.SCORE_COMPUTED, Trigger.TIER_CHANGED):
                problems.append("A score trigger cannot rescore: it would start itself again.")
        elif kind == ActionKind.EXPORT:
            if trigger != Trigger.CANDIDATE_CREATED:
                problems.append("Export to Lever applies to candidates added in Recruitdesk.")
        elif kind == ActionKind.NOTIFY:
            action["recipients"] = [r for r in _texts(item.get("recipients")) if r in RECIPIENTS]
            action["users"] = [pk for pk in _ints(item.get("users") or []) if pk in lookups.members]
            action["message"] = str(item.get("message") or "").strip()[:MAX_TEXT]
            action["email"] = item.get("email") in (True, "true", "on", "1", 1)
            if not action["recipients"] and not action["users"]:
                problems.append("Notify whom?")
            problems += [f"Unknown placeholder {p}." for p in check_placeholders(action["message"])]
        else:
            problems.append("Choose what each action does.")
        if problems:
            label = ActionKind.LABELS.get(kind, "Action")
            errors.setdefault("actions", []).extend(f"{label}: {p}" for p in problems)
            continue
        cleaned.append(action)
    if trigger == Trigger.CANDIDATE_CREATED:
        lever_on_application = [
            a for a in cleaned if a["kind"] in ActionKind.LEVER and a["kind"] != ActionKind.EXPORT
        ]
        if lever_on_application:
            errors.setdefault("actions", []).append(
                "A candidate added in Recruitdesk is not in Lever yet: export them, notify or rescore."
            )
    return cleaned


def clean_definition(
    draft: dict[str, Any], workspace_id: int, lookups: Lookups | None = None
) -> dict[str, Any]:
    """Return the draft rule normalised; raise ValidationError({field: [messages]}) when it is not valid."""
    lookups = lookups or lookups_for(workspace_id)
    errors: dict[str, list[str]] = {}
    name = str(draft.get("name") or "").strip()[:200]
    if not name:
        errors.setdefault("name", []).append("Name the rule.")
    trigger = str(draft.get("trigger") or "")
    scope = draft.get("scope") or RuleScope.ALL_JOBS
    if scope not in RuleScope.values:
        errors.setdefault("scope", []).append("Choose which jobs the rule covers.")
    jobs = [pk for pk in _ints(draft.get("jobs") or []) if pk in lookups.jobs]
    department = str(draft.get("department") or "").strip()[:255]
    if scope == RuleScope.JOBS and not jobs:
        errors.setdefault("scope", []).append("Choose at least one job.")
    if scope == RuleScope.DEPARTMENT and not department:
        errors.setdefault("scope", []).append("Enter the department.")
    cleaned = {
        "name": name,
        "description": str(draft.get("description") or "").strip()[:2000],
        "trigger": trigger,
        "trigger_options": clean_trigger(trigger, draft.get("trigger_options"), lookups, errors),
        "conditions": clean_conditions(draft.get("conditions"), lookups, errors),
        "actions": clean_actions(draft.get("actions"), trigger, lookups, errors),
        "scope": scope,
        "jobs": sorted(set(jobs)) if scope == RuleScope.JOBS else [],
        "department": department if scope == RuleScope.DEPARTMENT else "",
    }
    if errors:
        raise ValidationError(errors)
    return cleaned


# -- saying it in words -------------------------------------------------------------------------------------


def _names(pks: Iterable[int], known: dict[int, str]) -> str:
    return ", ".join(known.get(pk, "(removed)") for pk in pks) or "—"


def describe_trigger(trigger: str, options: dict[str, Any], lookups: Lookups) -> str:
    label = Trigger(trigger).label if trigger in Trigger.values else trigger
    if trigger == Trigger.STAGE_CHANGED:
        parts = []
        if options.get("from_stage"):
            parts.append(f"from {lookups.stages.get(options['from_stage'], '(removed)')}")
        if options.get("to_stage"):
            parts.append(f"to {lookups.stages.get(options['to_stage'], '(removed)')}")
        return f"Stage changed {' '.join(parts)}".strip() if parts else "Stage changed (any)"
    if trigger == Trigger.TIER_CHANGED and options.get("tiers"):
        from apps.scoring.models import Tier

        return "Fit tier changed to " + " or ".join(Tier(t).label for t in options["tiers"])
    if trigger in (Trigger.TAG_ADDED, Trigger.TAG_REMOVED) and options.get("tag"):
        return f"{label}: “{options['tag']}”"
    if trigger == Trigger.IDLE_IN_STAGE:
        where = lookups.stages.get(options.get("stage"), "") if options.get("stage") else "any stage"
        return f"Idle for {options.get('days')} days in {where or '(removed)'}"
    return label


def describe_condition(condition: dict[str, Any], lookups: Lookups) -> str:
    from apps.candidates.models import Origin
    from apps.scoring.models import Tier

    field, op, value = condition["field"], condition["op"], condition["value"]
    label = CONDITION_FIELDS[field][0]
    if field == "score":
        return f"{label} is between {value[0]:g} and {value[1]:g}"
    if field == "confidential":
        return "The job is confidential" if value else "The job is not confidential"
    if field == "tag":
        return f"Tag “{value}” {OPERATOR_LABELS[op]}"
    if field in ("job", "stage", "owner"):
        known = {"job": lookups.jobs, "stage": lookups.stages, "owner": lookups.ats_users}[field]
        shown = _names(value, known)
    elif field == "tier":
        shown = ", ".join(Tier(v).label for v in value)
    elif field == "origin":
        shown = ", ".join(Origin(v).label for v in value)
    elif isinstance(value, list):
        shown = ", ".join(value)
    else:
        shown = f"“{value}”"
    return f"{label} {OPERATOR_LABELS[op]} {shown}"


def describe_action(action: dict[str, Any], lookups: Lookups) -> str:
    kind = action["kind"]
    if kind == ActionKind.ADD_TAG:
        return f"Add tag “{action['tag']}”"
    if kind == ActionKind.REMOVE_TAG:
        return f"Remove tag “{action['tag']}”"
    if kind == ActionKind.ADD_NOTE:
        return "Add a secret note" if action.get("secret") else "Add a note"
    if kind == ActionKind.ADD_RESULT_LINK:
        return f"Add result link “{action['label']}”"
    if kind == ActionKind.MOVE_STAGE:
        return f"Move to {lookups.stages.get(action['stage'], '(removed stage)')}"
    if kind == ActionKind.REJECT:
        return f"Reject ({lookups.reasons.get(action['reason'], 'removed reason')})"
    if kind == ActionKind.NOTIFY:
        whom = [RECIPIENTS[r] for r in action.get("recipients", [])]
        whom += [lookups.members.get(pk, "(former member)") for pk in action.get("users", [])]
        return f"Notify {', '.join(whom)}" + (" (and email)" if action.get("email") else "")
    return ActionKind.LABELS.get(kind, kind)
