"""The rule editor's form: a draft rule read from the POST, its rows added or removed, and starter recipes.

The editor is one server-rendered form with repeating rows (conditions, actions). Row buttons are
plain submit buttons (`add_condition`, `remove_condition=<i>`, ...), so the form works without
JavaScript; htmx sends the same buttons and swaps the re-rendered form in place. `RuleDraft.definition`
is the dict `clean_definition` checks; its messages are shown per section (name, trigger, scope,
conditions, actions).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from apps.automation.definitions import (
    CONDITION_FIELDS,
    MAX_ACTIONS,
    MAX_CONDITIONS,
    OPERATOR_LABELS,
    RECIPIENTS,
    ActionKind,
    Lookups,
)
from apps.automation.models import RuleScope, Trigger

# Fields whose value is a choice of workspace rows or fixed values (a multi-select in the form).
MULTI_FIELDS = ("job", "stage", "owner", "tier", "origin")
# Fields whose value is free text; "department" and "source" take several, comma-separated.
TEXT_FIELDS = ("department", "source", "location", "tag")


@dataclass
class ConditionRow:
    field: str = ""
    op: str = ""
    values: list[str] = dataclasses.field(default_factory=list)  # MULTI_FIELDS
    text: str = ""  # TEXT_FIELDS
    low: str = ""  # score
    high: str = ""
    flag: str = "true"  # confidential: "true" / "false"

    def value(self) -> Any:
        if self.field in MULTI_FIELDS:
            return list(self.values)
        if self.field == "score":
            return [self.low, self.high]
        if self.field == "confidential":
            return self.flag == "true"
        return self.text

    @classmethod
    def from_condition(cls, condition: dict[str, Any]) -> ConditionRow:
        name, value = str(condition.get("field") or ""), condition.get("value")
        row = cls(field=name, op=str(condition.get("op") or ""))
        if name in MULTI_FIELDS:
            row.values = [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]
        elif name == "score" and isinstance(value, list | tuple) and len(value) == 2:
            row.low, row.high = (f"{float(v):g}" if v is not None else "" for v in value)
        elif name == "confidential":
            row.flag = "true" if value else "false"
        elif isinstance(value, list):
            row.text = ", ".join(str(v) for v in value)
        else:
            row.text = str(value or "")
        return row


@dataclass
class ActionRow:
    kind: str = ""
    tag: str = ""
    text: str = ""
    secret: bool = False
    label: str = ""
    url: str = ""
    stage: str = ""
    reason: str = ""
    recipients: list[str] = dataclasses.field(default_factory=list)
    users: list[str] = dataclasses.field(default_factory=list)
    message: str = ""
    email: bool = False

    def action(self) -> dict[str, Any]:
        kind = self.kind
        if kind in (ActionKind.ADD_TAG, ActionKind.REMOVE_TAG):
            return {"kind": kind, "tag": self.tag}
        if kind == ActionKind.ADD_NOTE:
            return {"kind": kind, "text": self.text, "secret": self.secret}
        if kind == ActionKind.ADD_RESULT_LINK:
            return {"kind": kind, "label": self.label, "url": self.url}
        if kind == ActionKind.MOVE_STAGE:
            return {"kind": kind, "stage": self.stage}
        if kind == ActionKind.REJECT:
            return {"kind": kind, "reason": self.reason}
        if kind == ActionKind.NOTIFY:
            return {
                "kind": kind,
                "recipients": list(self.recipients),
                "users": list(self.users),
                "message": self.message,
                "email": self.email,
            }
        return {"kind": kind}

    @classmethod
    def from_action(cls, action: dict[str, Any]) -> ActionRow:
        def text(name: str) -> str:
            value = action.get(name)
            return "" if value is None else str(value)

        return cls(
            kind=text("kind"),
            tag=text("tag"),
            text=text("text"),
            secret=bool(action.get("secret")),
            label=text("label"),
            url=text("url"),
            stage=text("stage"),
            reason=text("reason"),
            recipients=[str(r) for r in action.get("recipients") or []],
            users=[str(u) for u in action.get("users") or []],
            message=text("message"),
            email=bool(action.get("email")),
        )


@dataclass
class RuleDraft:
    name: str = ""
    description: str = ""
    trigger: str = Trigger.STAGE_CHANGED
    from_stage: str = ""
    to_stage: str = ""
    tiers: list[str] = dataclasses.field(default_factory=list)
    tag: str = ""
    days: str = ""
    idle_stage: str = ""
    scope: str = RuleScope.ALL_JOBS
    jobs: list[str] = dataclasses.field(default_factory=list)
    department: str = ""
    conditions: list[ConditionRow] = dataclasses.field(default_factory=list)
    actions: list[ActionRow] = dataclasses.field(default_factory=list)

    # -- in and out ----------------------------------------------------------------------------------------

    @classmethod
    def from_post(cls, data: QueryDict) -> RuleDraft:
        def one(name: str) -> str:
            return str(data.get(name, "")).strip()

        draft = cls(
            name=one("name"),
            description=one("description"),
            trigger=one("trigger"),
            from_stage=one("from_stage"),
            to_stage=one("to_stage"),
            tiers=data.getlist("tiers"),
            tag=one("trigger_tag"),
            days=one("days"),
            idle_stage=one("idle_stage"),
            scope=one("scope") or RuleScope.ALL_JOBS,
            jobs=data.getlist("jobs"),
            department=one("department"),
        )
        for i in range(_count(data, "conditions_count", MAX_CONDITIONS)):
            p = f"cond-{i}-"
            draft.conditions.append(
                ConditionRow(
                    field=one(p + "field"),
                    op=one(p + "op"),
                    values=data.getlist(p + "values"),
                    text=one(p + "text"),
                    low=one(p + "low"),
                    high=one(p + "high"),
                    flag=one(p + "flag") or "true",
                )
            )
        for i in range(_count(data, "actions_count", MAX_ACTIONS)):
            p = f"act-{i}-"
            draft.actions.append(
                ActionRow(
                    kind=one(p + "kind"),
                    tag=one(p + "tag"),
                    text=str(data.get(p + "text", "")),
                    secret=bool(data.get(p + "secret")),
                    label=one(p + "label"),
                    url=one(p + "url"),
                    stage=one(p + "stage"),
                    reason=one(p + "reason"),
                    recipients=data.getlist(p + "recipients"),
                    users=data.getlist(p + "users"),
                    message=str(data.get(p + "message", "")),
                    email=bool(data.get(p + "email")),
                )
            )
        return draft

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> RuleDraft:
        options = definition.get("trigger_options") or {}

        def pk(value: Any) -> str:
            return "" if value in (None, "") else str(value)

        return cls(
            name=str(definition.get("name") or ""),
            description=str(definition.get("description") or ""),
            trigger=str(definition.get("trigger") or ""),
            from_stage=pk(options.get("from_stage")),
            to_stage=pk(options.get("to_stage")),
            tiers=[str(t) for t in options.get("tiers") or []],
            tag=str(options.get("tag") or ""),
            days=pk(options.get("days")),
            idle_stage=pk(options.get("stage")),
            scope=str(definition.get("scope") or RuleScope.ALL_JOBS),
            jobs=[str(j) for j in definition.get("jobs") or []],
            department=str(definition.get("department") or ""),
            conditions=[ConditionRow.from_condition(c) for c in definition.get("conditions") or []],
            actions=[ActionRow.from_action(a) for a in definition.get("actions") or []],
        )

    def trigger_options(self) -> dict[str, Any]:
        if self.trigger == Trigger.STAGE_CHANGED:
            return {"from_stage": self.from_stage or None, "to_stage": self.to_stage or None}
        if self.trigger == Trigger.TIER_CHANGED:
            return {"tiers": list(self.tiers)}
        if self.trigger in (Trigger.TAG_ADDED, Trigger.TAG_REMOVED):
            return {"tag": self.tag}
        if self.trigger == Trigger.IDLE_IN_STAGE:
            return {"days": self.days, "stage": self.idle_stage or None}
        return {}

    def definition(self) -> dict[str, Any]:
        """The draft as `clean_definition` (and so `rule_save`) takes it."""
        return {
            "name": self.name,
            "description": self.description,
            "trigger": self.trigger,
            "trigger_options": self.trigger_options(),
            "conditions": [{"field": c.field, "op": c.op, "value": c.value()} for c in self.conditions],
            "actions": [a.action() for a in self.actions],
            "scope": self.scope,
            "jobs": list(self.jobs),
            "department": self.department,
        }

    # -- row buttons ---------------------------------------------------------------------------------------

    def apply_button(self, data: QueryDict) -> str | None:
        """Carry out an add/remove row button; return the id of the field to focus next (None: no button)."""
        if "add_condition" in data:
            if len(self.conditions) < MAX_CONDITIONS:
                self.conditions.append(ConditionRow())
                return f"cond-{len(self.conditions) - 1}-field"
            return "add-condition"
        if "add_action" in data:
            if len(self.actions) < MAX_ACTIONS:
                self.actions.append(ActionRow())
                return f"act-{len(self.actions) - 1}-kind"
            return "add-action"
        if "remove_condition" in data:
            index = _index(data.get("remove_condition"), len(self.conditions))
            if index is not None:
                del self.conditions[index]
            return "add-condition"
        if "remove_action" in data:
            index = _index(data.get("remove_action"), len(self.actions))
            if index is not None:
                del self.actions[index]
            return "add-action"
        if "refresh" in data:
            return ""
        return None


def _count(data: QueryDict, name: str, limit: int) -> int:
    try:
        return max(0, min(int(data.get(name, 0)), limit))
    except (TypeError, ValueError):
        return 0


def _index(value: Any, length: int) -> int | None:
    try:
        index = int(value)
    except (TypeError, ValueError):
        return None
    return index if 0 <= index < length else None


# -- what the template shows: options with their selected state -------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


def options(choices: Any, selected: str | list[str]) -> list[Option]:
    """[(value, label)] → Options, marked selected when in `selected` (values compared as text)."""
    chosen = {selected} if isinstance(selected, str) else set(selected)
    return [Option(str(value), str(label), str(value) in chosen) for value, label in choices]


def _list_size(n: int) -> int:
    """Rows a multi-select shows: enough to see it is a list (1 would render as a drop-down), at most 6."""
    return max(3, min(n, 6))


def editor_context(draft: RuleDraft, lookups: Lookups, departments: list[str]) -> dict[str, Any]:
    """Everything the editor template needs besides the draft: each select's options, per row."""
    from apps.candidates.models import Origin
    from apps.scoring.models import Tier

    stages = list(lookups.stages.items())
    value_choices = {
        "job": list(lookups.jobs.items()),
        "stage": stages,
        "owner": list(lookups.ats_users.items()),
        "tier": Tier.choices,
        "origin": Origin.choices,
    }
    conditions = []
    for index, row in enumerate(draft.conditions):
        ops = CONDITION_FIELDS[row.field][1] if row.field in CONDITION_FIELDS else ()
        conditions.append(
            {
                "index": index,
                "first_id": f"cond-{index}-field",
                "row": row,
                "fields": options(((k, v[0]) for k, v in CONDITION_FIELDS.items()), row.field),
                "ops": options(((op, OPERATOR_LABELS[op]) for op in ops), row.op or (ops[0] if ops else "")),
                "values": options(value_choices.get(row.field, []), row.values),
                "values_size": _list_size(len(value_choices.get(row.field, []))),
            }
        )
    actions = []
    for index, row in enumerate(draft.actions):
        actions.append(
            {
                "index": index,
                "first_id": f"act-{index}-kind",
                "placeholders_id": f"act-{index}-placeholders",
                "row": row,
                "kinds": options(ActionKind.LABELS.items(), row.kind),
                "stages": options(stages, row.stage),
                "reasons": options(lookups.reasons.items(), row.reason),
                "recipients": options(RECIPIENTS.items(), row.recipients),
                "users": options(lookups.members.items(), row.users),
            }
        )
    return {
        "draft": draft,
        "triggers": options(Trigger.choices, draft.trigger),
        "from_stages": options(stages, draft.from_stage),
        "to_stages": options(stages, draft.to_stage),
        "idle_stages": options(stages, draft.idle_stage),
        "tiers": options(Tier.choices, draft.tiers),
        "scopes": options(RuleScope.choices, draft.scope),
        "jobs": options(lookups.jobs.items(), draft.jobs),
        "jobs_size": _list_size(len(lookups.jobs)),
        "departments": departments,
        "conditions": conditions,
        "actions": actions,
        "multi_fields": MULTI_FIELDS,
        "text_fields": TEXT_FIELDS,
        "max_conditions": MAX_CONDITIONS,
        "max_actions": MAX_ACTIONS,
    }


# -- starter recipes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    slug: str
    title: str
    blurb: str


RECIPES = [
    Recipe(
        "assessment",
        "Send the assessment at Phone Screen",
        "When an applicant reaches Phone Screen, add the assessment link and tag them.",
    ),
    Recipe(
        "tier-1",
        "Fast-track Tier 1",
        "When the fit score reaches Tier 1, move to Recruiter Screen and notify the owner.",
    ),
    Recipe(
        "idle",
        "Nudge on idle applicants",
        "When someone has sat in New Applicant for 5 days, remind the owner.",
    ),
]


def _stage_named(lookups: Lookups, *names: str) -> str:
    wanted = {name.lower() for name in names}
    return next((str(pk) for pk, name in lookups.stages.items() if name.strip().lower() in wanted), "")


def recipe_draft(slug: str, lookups: Lookups) -> RuleDraft | None:
    """A pre-filled draft for a starter recipe (stages picked by name when the workspace has them)."""
    if slug == "assessment":
        return RuleDraft(
            name="Send the assessment at Phone Screen",
            description="Adds the assessment link to the opportunity and tags it, so nobody sends it twice.",
            trigger=Trigger.STAGE_CHANGED,
            to_stage=_stage_named(lookups, "Phone Screen", "Phone screen"),
            actions=[
                ActionRow(kind=ActionKind.ADD_RESULT_LINK, label="Assessment for {first_name}", url=""),
                ActionRow(kind=ActionKind.ADD_TAG, tag="Assessment sent"),
            ],
        )
    if slug == "tier-1":
        return RuleDraft(
            name="Fast-track Tier 1",
            trigger=Trigger.TIER_CHANGED,
            tiers=["tier_1"],
            actions=[
                ActionRow(
                    kind=ActionKind.MOVE_STAGE,
                    stage=_stage_named(lookups, "Recruiter Screen", "Recruiter screen"),
                ),
                ActionRow(
                    kind=ActionKind.NOTIFY,
                    recipients=["owner"],
                    message="{candidate_name} is {tier} ({score}) for {job_title}:\n{top_reasons}",
                ),
            ],
        )
    if slug == "idle":
        return RuleDraft(
            name="Nudge on idle applicants",
            trigger=Trigger.IDLE_IN_STAGE,
            days="5",
            idle_stage=_stage_named(lookups, "New Applicant", "New applicant"),
            actions=[
                ActionRow(
                    kind=ActionKind.NOTIFY,
                    recipients=["owner"],
                    message="{candidate_name} has been in {stage} for 5 days: {profile_url}",
                )
            ],
        )
    return None
