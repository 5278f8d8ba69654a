"""What a rule would do for one application, exactly: the plan the preview shows and the engine sends.

`plan_actions` is pure over Facts: each action becomes a PlannedAction with the text it would send
(placeholders filled), whom it would notify, or why it would not be sent ("already tagged", "not in
Lever yet", "paused: Lever is disconnected"). The preview renders these plans, and the engine
performs the same plans, so what a preview shows is what the live rule does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from apps.automation.definitions import ActionKind, Lookups, describe_action
from apps.automation.facts import Facts, one_line, render_text


@dataclass
class PlannedAction:
    kind: str
    summary: str  # "Add tag “Phone screen”"
    detail: str = ""  # the note or message as it would be sent
    lever: bool = False  # goes to Lever through the outbox
    skip: str = ""  # why it would not be sent (empty: it would)
    paused: bool = False  # a Lever action while Lever is disconnected
    values: dict[str, Any] = field(default_factory=dict)  # what performing it needs
    recipients: list[int] = field(default_factory=list)  # user pks to notify

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("values")
        return data


@dataclass(frozen=True)
class Audience:
    """Who can be notified in the workspace: members by email (lower-cased) → user pk."""

    by_email: dict[str, int]
    members: dict[int, str]


def plan_actions(
    actions: list[dict[str, Any]],
    facts: Facts,
    lookups: Lookups,
    *,
    audience: Audience,
    lever_connected: bool,
    base_url: str = "",
) -> list[PlannedAction]:
    return [
        _plan(action, facts, lookups, audience=audience, lever_connected=lever_connected, base_url=base_url)
        for action in actions
    ]


def _plan(
    action: dict[str, Any],
    facts: Facts,
    lookups: Lookups,
    *,
    audience: Audience,
    lever_connected: bool,
    base_url: str,
) -> PlannedAction:
    kind = action["kind"]
    planned = PlannedAction(
        kind=kind, summary=describe_action(action, lookups), lever=kind in ActionKind.LEVER
    )
    if kind == ActionKind.NOTIFY:
        return _plan_notify(action, facts, lookups, audience, planned, base_url)
    if kind == ActionKind.RESCORE:
        planned.skip = "a lead: no job to score against" if facts.job_id is None else ""
        return planned
    if kind == ActionKind.EXPORT:
        planned.skip = "already in Lever" if facts.candidate_in_lever else ""
        planned.paused = not lever_connected and not planned.skip
        return planned
    # The rest act on an application in Lever.
    planned.paused = not lever_connected
    if facts.application_id is None:
        planned.skip = "no application"
    elif not facts.in_lever:
        planned.skip = "not in Lever yet"
    elif kind == ActionKind.ADD_TAG:
        planned.values = {"tag": action["tag"]}
        planned.skip = f"already tagged “{action['tag']}”" if action["tag"].lower() in facts.tags else ""
    elif kind == ActionKind.REMOVE_TAG:
        planned.values = {"tag": action["tag"]}
        planned.skip = "" if action["tag"].lower() in facts.tags else f"not tagged “{action['tag']}”"
    elif kind == ActionKind.ADD_NOTE:
        planned.detail = render_text(action["text"], facts, base_url=base_url)
        planned.values = {"text": planned.detail, "secret": bool(action.get("secret"))}
    elif kind == ActionKind.ADD_RESULT_LINK:
        label = one_line(render_text(action["label"], facts, base_url=base_url), 255)
        planned.detail = f"{label} — {action['url']}"
        planned.values = {"label": label, "url": action["url"]}
    elif kind == ActionKind.MOVE_STAGE:
        planned.values = {"stage": action["stage"]}
        if not facts.active:
            planned.skip = "already archived"
        elif facts.stage_id == action["stage"]:
            planned.skip = f"already in {facts.stage}"
    elif kind == ActionKind.REJECT:
        planned.values = {"reason": action["reason"]}
        planned.skip = "" if facts.active else "already archived"
    if planned.skip:
        planned.paused = False
    return planned


def _plan_notify(
    action: dict[str, Any],
    facts: Facts,
    lookups: Lookups,
    audience: Audience,
    planned: PlannedAction,
    base_url: str,
) -> PlannedAction:
    emails = {
        "owner": facts.owner_email,
        "hiring_manager": facts.hiring_manager_email,
        "job_owner": facts.job_owner_email,
    }
    users: list[int] = []
    for recipient in action.get("recipients", []):
        pk = audience.by_email.get((emails.get(recipient) or "").lower())
        if pk is not None:
            users.append(pk)
    users += [pk for pk in action.get("users", []) if pk in audience.members]
    planned.recipients = list(dict.fromkeys(users))
    planned.values = {"email": bool(action.get("email"))}
    message = action.get("message") or default_message(facts)
    planned.detail = render_text(message, facts, base_url=base_url)
    names = ", ".join(audience.members.get(pk, "?") for pk in planned.recipients)
    planned.summary = f"Notify {names}" if names else planned.summary
    if action.get("email") and names:
        planned.summary += " (and email)"
    if not planned.recipients:
        planned.skip = "nobody to notify: no such member in this workspace"
    return planned


def default_message(facts: Facts) -> str:
    if facts.job_title:
        return "{candidate_name} — {job_title}, {stage}"
    return "{candidate_name} was added"


def audience_for(workspace_id: int) -> Audience:
    from apps.accounts.models import Membership

    members = Membership.objects.filter(workspace_id=workspace_id, user__is_active=True).select_related(
        "user"
    )
    return Audience(
        by_email={m.user.email.lower(): m.user_id for m in members if m.user.email},
        members={m.user_id: (m.user.get_full_name() or m.user.email) for m in members},
    )
