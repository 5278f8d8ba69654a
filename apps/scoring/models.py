"""Fit scores per application, the per-job scoring profile, recruiter feedback and write-back settings.

Scores are ours, not mirrored: they are computed from the mirror by `apps.scoring.services` and only
reach Lever through the outbox when a workspace turns write-back on (ScoringSettings).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from apps.core.models import WorkspaceScopedModel


class Tier(models.TextChoices):
    # Values are the engine's tier names (apps.scoring.engine.types); labels are what people read.
    TIER_1 = "tier_1", "Tier 1"
    TIER_2 = "tier_2", "Tier 2"
    TIER_3 = "tier_3", "Tier 3"
    NOT_A_MATCH = "not_a_match", "Not a match"


class ScoringProfile(WorkspaceScopedModel):
    """How one job is scored. A job without a profile is scored with the engine's defaults."""

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="scoring_profile")
    weights = models.JSONField(
        default=dict,
        blank=True,
        help_text="Component name → weight (must_haves, relevance, …); missing ones use the engine's defaults.",
    )
    must_haves = models.JSONField(
        default=list, blank=True, help_text="Empty: read from the job description's requirement lists."
    )
    nice_to_haves = models.JSONField(default=list, blank=True)
    required_years = models.FloatField(
        null=True, blank=True, help_text='Empty: read from the description ("5+ years of …").'
    )
    location_required = models.BooleanField(
        default=False, help_text="A location mismatch is flagged as a blocker, not just noted."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Scoring profile of {self.job}"


class Score(WorkspaceScopedModel):
    """The engine's answer for one application, with the hashes that say when it must be recomputed."""

    application = models.OneToOneField(
        "candidates.Application", on_delete=models.CASCADE, related_name="score"
    )
    # Denormalised from the application so a job's pipeline ranks by score with one index, and a
    # candidate's scores are found without a join.
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="scores")
    candidate = models.ForeignKey("candidates.Candidate", on_delete=models.CASCADE, related_name="scores")
    score = models.FloatField(help_text="0–100.")
    tier = models.CharField(max_length=20, choices=Tier.choices)
    explanation = models.JSONField(default=dict, blank=True)
    engine_version = models.CharField(max_length=40)
    input_hash = models.CharField(max_length=64, help_text="The engine's hash of the pair's inputs.")
    job_hash = models.CharField(max_length=64, help_text="Hash of the job and its profile as scored.")
    candidate_hash = models.CharField(max_length=64, help_text="Hash of the candidate's inputs as scored.")
    computed_at = models.DateTimeField(help_text="When the engine last ran for this application.")
    checked_at = models.DateTimeField(
        help_text="When the inputs were last compared with the hashes (rows changed after this are rechecked)."
    )
    tier_changed_at = models.DateTimeField()
    written_tier = models.CharField(
        max_length=20,
        choices=Tier.choices,
        blank=True,
        help_text="The tier last sent to Lever (tag and note); empty when nothing was sent.",
    )
    written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        indexes = [
            models.Index(fields=["job", "-score"], name="scoring_score_job_rank"),
            models.Index(fields=["workspace", "engine_version"], name="scoring_score_ws_version"),
        ]

    def __str__(self) -> str:
        return f"{self.score:.1f} ({self.get_tier_display()}) for {self.application_id}"

    @property
    def tier_label(self) -> str:
        return self.get_tier_display()


class Verdict(models.TextChoices):
    UP = "up", "Agree"
    DOWN = "down", "Disagree"


class ScoreFeedback(WorkspaceScopedModel):
    """A recruiter's thumbs up or down on an application's score; one per person, editable."""

    application = models.ForeignKey(
        "candidates.Application", on_delete=models.CASCADE, related_name="score_feedback"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=4, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    # What the person saw when they voted: the score may be recomputed later.
    score_value = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="scoring_feedback_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on {self.application_id} by {self.user_id}"


DEFAULT_TIER_TAGS = {
    Tier.TIER_1: "Recruitdesk: Tier 1 match",
    Tier.TIER_2: "Recruitdesk: Tier 2 match",
    Tier.TIER_3: "Recruitdesk: Tier 3 match",
    Tier.NOT_A_MATCH: "",
}


class ScoringSettings(WorkspaceScopedModel):
    """Whether and how scores are written back to Lever; off until an owner or admin turns it on."""

    writeback_enabled = models.BooleanField(default=False)
    tier_1_tag = models.CharField(max_length=255, blank=True, default=DEFAULT_TIER_TAGS[Tier.TIER_1])
    tier_2_tag = models.CharField(max_length=255, blank=True, default=DEFAULT_TIER_TAGS[Tier.TIER_2])
    tier_3_tag = models.CharField(max_length=255, blank=True, default=DEFAULT_TIER_TAGS[Tier.TIER_3])
    not_a_match_tag = models.CharField(
        max_length=255, blank=True, help_text="Empty (the default): no tag for candidates who do not match."
    )
    write_notes = models.BooleanField(
        default=True, help_text="Add a Lever note with the score, reasons and gaps when the tier changes."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "scoring settings"
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="scoring_settings_one_per_workspace")
        ]

    def __str__(self) -> str:
        return f"Scoring settings of workspace {self.workspace_id}"

    def tag_for(self, tier: str) -> str:
        """Return the Lever tag for a tier ("" means no tag)."""
        return str(getattr(self, f"{tier}_tag", "") or "").strip()

    @property
    def tier_tags(self) -> dict[str, Any]:
        return {tier: self.tag_for(tier) for tier in Tier.values}
