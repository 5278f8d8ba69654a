"""Send tiers to Lever through the outbox: a tag per tier and a note with the reasons, on tier changes.

Lever should show each active application's current tier. A Score whose `tier` differs from its
`written_tier` has something to send: the previous tier's tag removed, the new one added and (if the
workspace wants notes) a note with the score, the strongest reasons and gaps with their evidence.
Idempotency keys come from application + tier + input hash, so a retry or a second run never makes a
duplicate, and an unchanged score sends nothing at all. Off until an owner or admin turns it on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.candidates.models import Outcome
from apps.candidates.services import application_add_note, application_add_tag, application_remove_tag
from apps.integrations.models import WritebackSource
from apps.scoring.models import Score, ScoringSettings, Tier

logger = logging.getLogger(__name__)

MAX_POINTS = 5  # reasons and gaps each: Lever notes stay readable
MAX_SNIPPET = 200


@dataclass
class TierWriteback:
    """What one tier change sends to Lever."""

    score: Score
    remove_tag: str = ""
    add_tag: str = ""
    note: str = ""
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.remove_tag or self.add_tag or self.note)


def tier_writeback_plan(score: Score, settings: ScoringSettings) -> TierWriteback:
    """Return the actions a score's tier change needs (empty when there is nothing to send)."""
    old_tag = settings.tag_for(score.written_tier) if score.written_tier else ""
    new_tag = settings.tag_for(score.tier)
    plan = TierWriteback(score=score)
    if old_tag != new_tag:
        plan.remove_tag, plan.add_tag = old_tag, new_tag
    # A first score that matches no tier (and has no tag) says nothing worth a note in Lever.
    first_non_match = not score.written_tier and not new_tag
    if settings.write_notes and not first_non_match:
        plan.note = tier_note(score)
    base = f"scoring:{score.application_id}:{score.tier}:{score.input_hash[:24]}"
    plan.keys = {"remove": f"{base}:untag:{score.written_tier}", "add": f"{base}:tag", "note": f"{base}:note"}
    return plan


def pending_writebacks(scores: QuerySet[Score]) -> QuerySet[Score]:
    """Scores of active applications in Lever whose tier differs from what Lever was last sent."""
    return (
        scores.exclude(tier=F("written_tier"))
        .filter(
            application__outcome=Outcome.ACTIVE,
            application__remote_deleted_at__isnull=True,
            application__remote_id__isnull=False,
        )
        .select_related("application__job", "application__candidate", "application__connection")
    )


@transaction.atomic
def score_write_back(score: Score, settings: ScoringSettings) -> bool:
    """Enqueue a score's tier change and record it as written; False when Lever cannot take it."""
    plan = tier_writeback_plan(score, settings)
    application = score.application
    options: dict[str, Any] = {"requested_by": None, "source": WritebackSource.SCORING}
    try:
        if plan.remove_tag:
            application_remove_tag(
                application=application, tag=plan.remove_tag, idempotency_key=plan.keys["remove"], **options
            )
        if plan.add_tag:
            application_add_tag(
                application=application, tag=plan.add_tag, idempotency_key=plan.keys["add"], **options
            )
        if plan.note:
            application_add_note(
                application=application, text=plan.note, idempotency_key=plan.keys["note"], **options
            )
    except ValidationError as exc:  # not in Lever, deleted, disconnected: try again on the next change
        logger.info("Tier of application %s not written back: %s", score.application_id, exc.messages[0])
        transaction.set_rollback(True)
        return False
    now = timezone.now()
    Score.objects.filter(pk=score.pk).update(written_tier=score.tier, written_at=now)
    score.written_tier, score.written_at = score.tier, now
    return not plan.is_empty


def scores_write_back(scores: Iterable[Score]) -> int:
    """Write back the tier changes of these scores where their workspace turned write-back on."""
    pks = [score.pk for score in scores if score.pk and score.tier != score.written_tier]
    if not pks:
        return 0
    sent = 0
    settings_by_workspace: dict[int, ScoringSettings] = {}
    for score in pending_writebacks(Score.objects.filter(pk__in=pks)):
        if score.workspace_id not in settings_by_workspace:
            settings_by_workspace[score.workspace_id] = _settings(score.workspace_id)
        settings = settings_by_workspace[score.workspace_id]
        if settings.writeback_enabled:
            sent += score_write_back(score, settings)
    return sent


def writeback_catch_up(workspace: Workspace | int) -> int:
    """Send every pending tier of a workspace (when write-back is turned on); return how many went."""
    settings = _settings(workspace if isinstance(workspace, int) else workspace.pk)
    if not settings.writeback_enabled:
        return 0
    sent = 0
    for score in pending_writebacks(Score.objects.for_workspace(settings.workspace_id)).iterator(
        chunk_size=500
    ):
        sent += score_write_back(score, settings)
    return sent


def writeback_preview(workspace: Workspace, *, limit: int = 50) -> tuple[list[TierWriteback], int]:
    """Return what write-back would send now (the first `limit` plans) and how many scores it covers."""
    settings = _settings(workspace.pk)
    pending = pending_writebacks(Score.objects.for_workspace(workspace)).order_by("-tier_changed_at", "pk")
    if not settings.tag_for(Tier.NOT_A_MATCH):
        pending = pending.exclude(written_tier="", tier=Tier.NOT_A_MATCH)  # nothing to send for these
    plans = [tier_writeback_plan(score, settings) for score in pending[:limit]]
    return [plan for plan in plans if not plan.is_empty], pending.count()


def _settings(workspace_id: int) -> ScoringSettings:
    from apps.scoring.services import scoring_settings_for

    return scoring_settings_for(workspace_id)


# -- the note -------------------------------------------------------------------------------------------------


def tier_note(score: Score) -> str:
    """Return the Lever note for a score: the score and tier, then reasons and gaps with their evidence."""
    explanation = score.explanation or {}
    previous = f" (was {Tier(score.written_tier).label})" if score.written_tier else ""
    lines = [f"Recruitdesk fit score: {score.score:.0f}/100 · {score.get_tier_display()}{previous}"]
    for title, key in (("Strongest reasons", "reasons"), ("Gaps", "gaps")):
        points = [
            point
            for point in dict.fromkeys(reason_text(item) for item in explanation.get(key) or [])
            if point
        ]
        points = points[:MAX_POINTS]
        if points:
            lines += ["", f"{title}:", *(f"• {point}" for point in points)]
    lines += [
        "",
        f"Engine {score.engine_version}. Names, contact details and EEO answers were not used. "
        "A screening aid for a person's decision, not a decision.",
    ]
    return "\n".join(lines)


def reason_text(item: Any) -> str:
    """Return one reason or gap as text, quoting its evidence: 'Python: met — "5 years of Python…"'."""
    if isinstance(item, str):
        return item.strip()
    if not isinstance(item, dict):
        return ""
    text = str(item.get("text") or item.get("summary") or item.get("requirement") or "").strip()
    status = str(item.get("status") or "").strip()
    if status and status not in text:
        text = f"{text}: {status}" if text else status
    evidence = item.get("evidence") or []
    if isinstance(evidence, dict):
        evidence = [evidence]
    snippets = [str(e.get("snippet") or "").strip() for e in evidence if isinstance(e, dict)]
    snippets = [s for s in snippets if s]
    if snippets and " ".join(snippets[0].split())[:40] not in text:  # the engine's texts quote already
        snippet = " ".join(snippets[0].split())
        if len(snippet) > MAX_SNIPPET:
            snippet = snippet[: MAX_SNIPPET - 1] + "…"
        text = f"{text} — “{snippet}”"
    return text
