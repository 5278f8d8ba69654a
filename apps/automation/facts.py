"""What a rule knows about an application when it decides and when it writes: loaded in bulk, then pure.

`facts_for` reads many applications with a fixed number of queries (applications with their job,
stage, owner and candidate; tags; scores), so evaluating 50 rules for 2,000 changed applications
costs a handful of queries, not thousands. Conditions and placeholders read only these Facts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from apps.automation.definitions import CONDITION_FIELDS, PLACEHOLDER, Lookups, describe_condition


@dataclass
class Facts:
    workspace_id: int
    candidate_id: int
    first_name: str = ""
    last_name: str = ""
    candidate_name: str = ""
    candidate_in_lever: bool = False
    application_id: int | None = None
    connection_id: int | None = None
    in_lever: bool = False
    active: bool = True
    job_id: int | None = None
    job_title: str = ""
    department: str = ""
    locations: tuple[str, ...] = ()
    confidential: bool = False
    origin: str = ""
    sources: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()  # lower-cased
    stage_id: int | None = None
    stage: str = ""
    owner_id: int | None = None  # the opportunity owner (an ATS user)
    owner_name: str = ""
    owner_email: str = ""
    job_owner_email: str = ""
    hiring_manager_email: str = ""
    tier: str = ""
    tier_label: str = ""
    score: float | None = None
    top_reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def profile_url(self) -> str:
        return reverse("candidates:detail", args=[self.candidate_id])


TOP_REASONS = 3


def facts_for(application_ids: Iterable[int]) -> dict[int, Facts]:
    """Facts of these applications by pk (deleted or unknown ones are left out)."""
    from apps.candidates.models import Application
    from apps.scoring.models import Score
    from apps.scoring.writeback import reason_text

    ids = sorted(set(application_ids))
    if not ids:
        return {}
    rows = (
        Application.objects.filter(pk__in=ids, remote_deleted_at__isnull=True)
        .select_related("candidate", "job", "job__owner", "job__hiring_manager", "current_stage", "owner")
        .only(
            "workspace_id", "connection_id", "remote_id", "outcome", "origin", "sources", "confidential",
            "candidate__first_name", "candidate__last_name", "candidate__name", "candidate__remote_id",
            "job__name", "job__department", "job__location", "job__all_locations", "job__confidential",
            "job__owner__email", "job__hiring_manager__email", "current_stage__name",
            "owner__name", "owner__email",
        )
    )  # fmt: skip
    tags: dict[int, set[str]] = defaultdict(set)
    through = Application.tags.through
    for application_id, name in through.objects.filter(application_id__in=ids).values_list(
        "application_id", "tag__name"
    ):
        tags[application_id].add(name.lower())
    scores = {
        s.application_id: s
        for s in Score.objects.filter(application_id__in=ids).only(
            "application_id", "score", "tier", "explanation"
        )
    }
    facts: dict[int, Facts] = {}
    for app in rows:
        candidate, job, score = app.candidate, app.job, scores.get(app.pk)
        reasons = (
            [reason_text(item) for item in (score.explanation or {}).get("reasons") or []] if score else []
        )
        facts[app.pk] = Facts(
            workspace_id=app.workspace_id,
            candidate_id=app.candidate_id,
            first_name=candidate.first_name or (candidate.name.split(" ")[0] if candidate.name else ""),
            last_name=candidate.last_name,
            candidate_name=candidate.name,
            candidate_in_lever=candidate.remote_id is not None,
            application_id=app.pk,
            connection_id=app.connection_id,
            in_lever=app.remote_id is not None,
            active=app.outcome == "active",
            job_id=app.job_id,
            job_title=job.name if job else "",
            department=job.department if job else "",
            locations=tuple(_locations(job)),
            confidential=bool(app.confidential or (job and job.confidential)),
            origin=app.origin,
            sources=tuple(str(s) for s in app.sources or [] if s),
            tags=frozenset(tags.get(app.pk, ())),
            stage_id=app.current_stage_id,
            stage=app.current_stage.name if app.current_stage else "",
            owner_id=app.owner_id,
            owner_name=app.owner.name if app.owner else "",
            owner_email=app.owner.email if app.owner else "",
            job_owner_email=job.owner.email if job and job.owner else "",
            hiring_manager_email=job.hiring_manager.email if job and job.hiring_manager else "",
            tier=score.tier if score else "",
            tier_label=score.get_tier_display() if score else "",
            score=score.score if score else None,
            top_reasons=tuple(r for r in dict.fromkeys(reasons) if r)[:TOP_REASONS],
        )
    return facts


def candidate_facts(candidate: Any) -> Facts:
    """Facts of a person with no application (a lead added in Recruitdesk)."""
    return Facts(
        workspace_id=candidate.workspace_id,
        candidate_id=candidate.pk,
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        candidate_name=candidate.name,
        candidate_in_lever=candidate.remote_id is not None,
        in_lever=False,
    )


def _locations(job: Any) -> list[str]:
    if job is None:
        return []
    found = [job.location] if job.location else []
    found += [str(loc) for loc in job.all_locations or [] if loc]
    return found


# -- conditions --------------------------------------------------------------------------------------------


def condition_value(facts: Facts, field_name: str) -> Any:
    """What the application has for a condition's field (shown beside a failed check in the audit)."""
    return {
        "job": facts.job_id,
        "department": facts.department,
        "location": ", ".join(facts.locations),
        "origin": facts.origin,
        "source": list(facts.sources),
        "tag": sorted(facts.tags),
        "tier": facts.tier,
        "score": facts.score,
        "stage": facts.stage_id,
        "owner": facts.owner_id,
        "confidential": facts.confidential,
    }[field_name]


def condition_holds(condition: dict[str, Any], facts: Facts) -> bool:
    field_name, op, value = condition["field"], condition["op"], condition["value"]
    if field_name == "score":
        return facts.score is not None and value[0] <= facts.score <= value[1]
    if field_name == "confidential":
        return facts.confidential == bool(value)
    if field_name == "tag":
        present = str(value).lower() in facts.tags
        return present if op == "has" else not present
    if field_name == "location":
        found = any(str(value).lower() in loc.lower() for loc in facts.locations)
        return found if op == "contains" else not found
    if field_name == "department":
        wanted = {v.lower() for v in value}
        hit = facts.department.lower() in wanted
    elif field_name == "source":
        wanted = {v.lower() for v in value}
        hit = any(s.lower() in wanted for s in facts.sources)
    else:
        hit = condition_value(facts, field_name) in value
    return hit if op == "in" else not hit


def evaluate_conditions(
    conditions: list[dict[str, Any]],
    facts: Facts,
    lookups: Lookups | None,
    words: list[str] | None = None,
) -> tuple[bool, list[dict[str, Any]]]:
    """Check every condition (all must hold); return the verdict and each check for the audit.

    `words` are the conditions already said in words (the engine says them once per rule and pass).
    """
    checks = []
    passed = True
    for index, condition in enumerate(conditions):
        if condition.get("field") not in CONDITION_FIELDS:
            continue
        holds = condition_holds(condition, facts)
        passed = passed and holds
        if words is not None:
            said = words[index]
        else:
            said = describe_condition(condition, lookups) if lookups else condition["field"]
        checks.append(
            {
                "condition": said,
                "passed": holds,
                "value": _shown(condition_value(facts, condition["field"])),
            }
        )
    return passed, checks


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


# -- placeholders ------------------------------------------------------------------------------------------


def render_text(template: str, facts: Facts, *, base_url: str = "") -> str:
    """Fill the placeholders of a note or a message (unknown ones stay as written)."""
    values = {
        "first_name": facts.first_name or "there",
        "last_name": facts.last_name,
        "candidate_name": facts.candidate_name,
        "job_title": facts.job_title,
        "stage": facts.stage,
        "score": f"{facts.score:.0f}" if facts.score is not None else "not scored",
        "tier": facts.tier_label or "not scored",
        "top_reasons": "\n".join(f"• {reason}" for reason in facts.top_reasons) or "(none recorded)",
        "owner_name": facts.owner_name,
        "profile_url": base_url.rstrip("/") + facts.profile_url,
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


WHITESPACE = re.compile(r"\s+")


def one_line(text: str, limit: int = 200) -> str:
    text = WHITESPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
