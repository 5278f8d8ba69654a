"""Writing rules: save (a new version each edit), preview, switch on / dry run / off, apply to existing.

Safe by default: a new or edited rule is off and must be previewed at its current version before it
can be switched on or to dry run; editing a live rule switches it back off for a new preview. A
rule switched on acts on events from then on only; "apply to existing matches" is separate, needs
the count the admin saw, and goes through the same engine as live events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.automation.definitions import clean_definition
from apps.automation.events import NewEvent, record_events
from apps.automation.models import EventSource, Rule, RuleMode, RuleVersion
from apps.automation.preview import matches, trigger_data

DRY_RUN_DAYS = 7
DEFINITION_FIELDS = (
    "name",
    "description",
    "trigger",
    "trigger_options",
    "conditions",
    "actions",
    "scope",
    "department",
)


def definition_of(rule: Rule) -> dict[str, Any]:
    data = {name: getattr(rule, name) for name in DEFINITION_FIELDS}
    data["jobs"] = sorted(rule.jobs.values_list("pk", flat=True)) if rule.pk else []
    return data


@transaction.atomic
def rule_save(
    *,
    workspace: Any,
    draft: dict[str, Any],
    by: Any,
    rule: Rule | None = None,
    expected_version: int | None = None,
) -> Rule:
    """Create or edit a rule from a draft; raise ValidationError with messages per field.

    With `expected_version` (the version the editor was opened on), an edit made meanwhile by
    someone else is not overwritten: the save is refused instead.
    """
    workspace_id = getattr(workspace, "pk", workspace)
    cleaned = clean_definition(draft, workspace_id)
    if rule is not None and rule.workspace_id != workspace_id:
        raise ValidationError("That rule belongs to another workspace.")
    if rule is not None:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        if expected_version is not None and rule.version != expected_version:
            raise ValidationError(
                f"Someone saved version {rule.version} of this rule while you edited version "
                f"{expected_version}: reopen it to see their changes.",
                code="stale",
            )
        if definition_of(rule) == cleaned:
            return rule  # nothing changed: same version, same switch
    jobs = cleaned.pop("jobs")
    if rule is None:
        rule = Rule(workspace_id=workspace_id, created_by=_user(by), version=1)
    else:
        rule.version += 1
        if rule.mode != RuleMode.OFF:  # an edited rule is previewed again before it acts
            rule.mode, rule.enabled_at, rule.dry_run_until = RuleMode.OFF, None, None
    for name, value in cleaned.items():
        setattr(rule, name, value)
    rule.updated_by = _user(by)
    rule.save()
    rule.jobs.set(jobs)
    RuleVersion.objects.create(
        rule=rule, version=rule.version, definition={**cleaned, "jobs": jobs}, edited_by=_user(by)
    )
    return rule


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def rule_mark_previewed(rule: Rule) -> None:
    if rule.previewed_version != rule.version:
        Rule.objects.filter(pk=rule.pk, version=rule.version).update(previewed_version=rule.version)
        rule.previewed_version = rule.version


@transaction.atomic
def rule_set_mode(*, rule: Rule, mode: str, by: Any, expected_version: int | None = None) -> Rule:
    """Switch a rule on, to a week's dry run, or off. On and dry run need a preview of this version
    (and, with `expected_version`, that version must still be the rule's: the one the person saw)."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if mode not in RuleMode.values:
        raise ValidationError("Choose on, dry run or off.")
    if mode != RuleMode.OFF and expected_version is not None and rule.version != expected_version:
        raise ValidationError(
            "The rule was edited since you looked: check the new preview first.", code="preview"
        )
    if mode != RuleMode.OFF and rule.previewed_version != rule.version:
        raise ValidationError("Preview the rule first: see what it would do before it acts.", code="preview")
    now = timezone.now()
    if mode == RuleMode.OFF:
        rule.enabled_at = rule.dry_run_until = None
    elif rule.mode == RuleMode.OFF or rule.mode != mode:
        rule.enabled_at = now  # from now on only: switching on never fires for the past
        rule.dry_run_until = now + timedelta(days=DRY_RUN_DAYS) if mode == RuleMode.DRY_RUN else None
    rule.mode = mode
    rule.updated_by = _user(by)
    rule.save(update_fields=["mode", "enabled_at", "dry_run_until", "updated_by", "updated_at"])
    return rule


def dry_runs_expire(now: Any = None) -> int:
    """Switch off the dry runs whose week is over (their log stays for review)."""
    now = now or timezone.now()
    return Rule.objects.filter(mode=RuleMode.DRY_RUN, dry_run_until__lt=now).update(
        mode=RuleMode.OFF, enabled_at=None, updated_at=now
    )


def existing_matches_count(rule: Rule) -> int:
    return sum(1 for _ in matches(rule))


@transaction.atomic
def rule_apply_to_existing(*, rule: Rule, expected: int, by: Any) -> int:
    """Queue the rule for every current match (the count the admin was shown must still hold)."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if not rule.is_live:
        raise ValidationError("Switch the rule on (or to dry run) first.")
    found = list(matches(rule))
    if len(found) != expected:
        raise ValidationError(
            f"The matches changed since you looked ({expected} then, {len(found)} now): check the count again.",
            code="stale",
        )
    now = timezone.now()
    events = [
        NewEvent(
            rule.trigger,
            f"retro:{rule.pk}:v{rule.version}:{facts.application_id or 'c' + str(facts.candidate_id)}",
            now,
            application_id=facts.application_id,
            candidate_id=facts.candidate_id,
            data=trigger_data(rule, facts),
        )
        for facts in found
    ]
    return record_events(rule.workspace_id, events, source=EventSource.RETROACTIVE)


def rule_delete(*, rule: Rule) -> None:
    rule.delete()
