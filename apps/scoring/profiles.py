"""Edits people make to scoring: a job's profile, the workspace's write-back settings, feedback on a score."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import User, Workspace
from apps.candidates.models import Application
from apps.jobs.models import Job
from apps.scoring.engine import DEFAULT_WEIGHTS
from apps.scoring.engine.types import COMPONENTS
from apps.scoring.models import ScoreFeedback, ScoringProfile, ScoringSettings, Verdict
from apps.scoring.services import scoring_settings_for
from apps.scoring.tasks import SCORE_JOB_TASK, WRITEBACK_CATCH_UP_TASK, enqueue_on_commit

SETTINGS_FIELDS = (
    "writeback_enabled",
    "tier_1_tag",
    "tier_2_tag",
    "tier_3_tag",
    "not_a_match_tag",
    "write_notes",
)


def scoring_profile_for(job: Job) -> ScoringProfile:
    """Return the job's profile (unsaved, with the engine's default weights, when none was saved).

    No query when the job's query joined it (`select_related("scoring_profile")`).
    """
    if Job.scoring_profile.is_cached(job):
        found = getattr(job, "scoring_profile", None)  # None: the join found no saved profile
    else:
        found = ScoringProfile.objects.filter(job=job).first()
    return found or ScoringProfile(workspace_id=job.workspace_id, job=job, weights=dict(DEFAULT_WEIGHTS))


def effective_weights(profile: ScoringProfile | None) -> dict[str, float]:
    """Return every component's weight: the profile's where it sets one, else the engine's default."""
    weights = dict(DEFAULT_WEIGHTS)
    if profile is not None:
        weights.update({k: float(v) for k, v in (profile.weights or {}).items() if k in COMPONENTS})
    return {name: weights.get(name, 0.0) for name in COMPONENTS}


@transaction.atomic
def scoring_profile_update(*, job: Job, user: User | None, **values: Any) -> ScoringProfile:
    """Save a job's scoring profile and rescore its pipeline in the background."""
    profile = scoring_profile_for(job)
    for name in ("weights", "must_haves", "nice_to_haves", "required_years", "location_required"):
        if name in values:
            setattr(profile, name, values[name])
    profile.updated_by = user
    profile.save()
    enqueue_on_commit(SCORE_JOB_TASK, job.pk)
    return profile


@transaction.atomic
def scoring_settings_update(*, workspace: Workspace, user: User | None, **values: Any) -> ScoringSettings:
    """Save the write-back settings; turning write-back on sends the current tiers in the background."""
    settings = scoring_settings_for(workspace)
    was_enabled = settings.writeback_enabled and settings.pk is not None
    for name in SETTINGS_FIELDS:
        if name in values:
            value = values[name]
            setattr(settings, name, value.strip() if isinstance(value, str) else value)
    settings.updated_by = user
    settings.save()
    if settings.writeback_enabled and not was_enabled:
        enqueue_on_commit(WRITEBACK_CATCH_UP_TASK, workspace.pk)
    return settings


def score_feedback_set(
    *, application: Application, user: User, verdict: str, reason: str = ""
) -> ScoreFeedback:
    """Record (or change) a person's thumbs up or down on an application's score."""
    if verdict not in Verdict.values:
        raise ValueError(f"Unknown verdict {verdict!r}.")
    score = getattr(application, "score", None)
    feedback, _ = ScoreFeedback.objects.update_or_create(
        application=application,
        user=user,
        defaults={
            "workspace_id": application.workspace_id,
            "verdict": verdict,
            "reason": reason.strip()[:1000],
            "score_value": score.score if score else None,
            "tier": score.tier if score else "",
            "engine_version": score.engine_version if score else "",
        },
    )
    return feedback
