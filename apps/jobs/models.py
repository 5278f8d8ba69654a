"""Jobs (Lever postings), the global pipeline stages, and what hangs off a job.

JobStage, HiringTeamMember and JobScreeningQuestion have no id of their own in Lever; their
remote_id is composed from the ids they join (e.g. "<posting id>:<stage id>") so the same upsert and
mark-and-sweep machinery covers them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from apps.core.models import WorkspaceScopedModel
from apps.integrations.models import MirroredModel, MirroredQuerySet
from apps.integrations.roles import UnifiedRole


class JobStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    INTERNAL = "internal", "Internal (unlisted)"
    CLOSED = "closed", "Closed"
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending approval"
    REJECTED = "rejected", "Rejected"


OPEN_JOB_STATUSES = (JobStatus.PUBLISHED, JobStatus.INTERNAL)


class Visibility(models.TextChoices):
    PUBLIC_AND_INTERNAL = "public_internal", "Public and internal"
    PUBLIC = "public", "Public job site"
    INTERNAL = "internal", "Internal job site"
    UNLISTED = "unlisted", "Not on a job site"


class WorkplaceType(models.TextChoices):
    UNSPECIFIED = "unspecified", "Unspecified"
    ONSITE = "onsite", "On-site"
    REMOTE = "remote", "Remote"
    HYBRID = "hybrid", "Hybrid"


class Stage(MirroredModel):
    name = models.CharField(max_length=255)
    global_index = models.PositiveIntegerField(
        null=True, blank=True, help_text="Position in the account's pipeline, from observed order."
    )

    class Meta(MirroredModel.Meta):
        ordering = ["global_index", "name"]

    def __str__(self) -> str:
        return self.name


class JobQuerySet(MirroredQuerySet):
    def open(self) -> JobQuerySet:
        return self.filter(status__in=OPEN_JOB_STATUSES)


class Job(MirroredModel):
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True)
    requirement_lists = models.JSONField(
        default=list, blank=True, help_text='[{"text": "Requirements", "items": ["…", …]}, …]'
    )
    closing_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.DRAFT, db_index=True
    )
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.UNLISTED)
    confidential = models.BooleanField(default=False)
    employment_type = models.CharField(max_length=120, blank=True, help_text="Lever commitment.")
    department = models.CharField(max_length=255, blank=True, db_index=True)
    team = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=255, blank=True)
    all_locations = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=8, blank=True)
    workplace_type = models.CharField(
        max_length=20, choices=WorkplaceType.choices, default=WorkplaceType.UNSPECIFIED
    )
    level = models.CharField(max_length=120, blank=True)
    salary_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_currency = models.CharField(max_length=8, blank=True)
    salary_interval = models.CharField(max_length=40, blank=True)
    salary_description = models.TextField(blank=True)
    post_url = models.URLField(max_length=1000, blank=True, help_text="The public posting page.")
    apply_url = models.URLField(max_length=1000, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True, help_text="The job in the ATS's own app.")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_jobs"
    )
    hiring_manager = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="managed_jobs"
    )
    tags = models.JSONField(default=list, blank=True)
    requisition_codes = models.JSONField(default=list, blank=True)
    stages = models.ManyToManyField(Stage, through="JobStage", related_name="jobs", blank=True)

    objects: Any = JobQuerySet.as_manager()

    class Meta(MirroredModel.Meta):
        ordering = ["name"]
        indexes = [models.Index(fields=["workspace", "status"], name="jobs_job_ws_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_JOB_STATUSES


class Requisition(MirroredModel):
    """A Lever requisition (headcount approval); jobs reference them by code."""

    code = models.CharField(max_length=255, blank=True, db_index=True)
    name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, blank=True, help_text="open, onHold, closed or draft.")
    backfill = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    headcount_total = models.PositiveIntegerField(null=True, blank=True, help_text="Empty when unlimited.")
    headcount_hired = models.PositiveIntegerField(default=0)
    employment_status = models.CharField(max_length=40, blank=True)
    location = models.CharField(max_length=255, blank=True)
    team = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=255, blank=True)
    owner = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hiring_manager = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    compensation = models.JSONField(default=dict, blank=True, help_text="min, max, currency, interval.")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["code", "name"]

    def __str__(self) -> str:
        return " · ".join(part for part in (self.code, self.name) if part) or f"Requisition {self.pk}"


class JobStage(MirroredModel):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_stages")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="job_stages")
    position = models.PositiveIntegerField(default=0)

    class Meta(MirroredModel.Meta):
        ordering = ["job", "position"]
        constraints = [
            *MirroredModel.Meta.constraints,
            models.UniqueConstraint(fields=["job", "stage"], name="jobs_jobstage_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job} · {self.stage}"


class HiringTeamRole(models.TextChoices):
    OWNER = "owner", "Owner"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"
    FOLLOWER = "follower", "Follower"


class HiringTeamMember(MirroredModel):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="hiring_team")
    user = models.ForeignKey("integrations.AtsUser", on_delete=models.CASCADE, related_name="hiring_teams")
    team_role = models.CharField(max_length=20, choices=HiringTeamRole.choices)
    unified_role = models.CharField(max_length=20, choices=UnifiedRole.choices, blank=True, default="")

    class Meta(MirroredModel.Meta):
        ordering = ["job", "team_role", "user__name"]
        constraints = [
            *MirroredModel.Meta.constraints,
            models.UniqueConstraint(fields=["job", "user", "team_role"], name="jobs_hiringteam_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_team_role_display()}) on {self.job}"


class ScreeningQuestion(MirroredModel):
    text = models.TextField()
    description = models.TextField(blank=True)
    question_type = models.CharField(max_length=40, blank=True, help_text="text, textarea, dropdown, …")
    options = models.JSONField(default=list, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text[:80]


class JobScreeningQuestion(MirroredModel):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="screening_questions")
    question = models.ForeignKey(ScreeningQuestion, on_delete=models.CASCADE, related_name="job_links")
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=False)

    class Meta(MirroredModel.Meta):
        ordering = ["job", "position"]
        constraints = [
            *MirroredModel.Meta.constraints,
            models.UniqueConstraint(fields=["job", "question"], name="jobs_jobquestion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job} · {self.question}"


class ExportTrigger(models.TextChoices):
    """When a candidate added in Recruitdesk to a job is exported to Lever (job settings → ATS sync)."""

    NEVER = "never", "Never: only with the Export to ATS button"
    CONTACT_FOUND = "contact_found", "When contact information is found (an email or a phone)"
    ADDED_TO_PIPELINE = "added_to_pipeline", "When added to this job's pipeline"
    TIER_REACHED = "tier_reached", "When the fit score reaches a tier"


# The tiers a recruiter can pick; "reaching" one means that tier or a better one. Values are
# apps.scoring.models.Tier's (not imported: scoring depends on jobs, not the other way round).
EXPORT_TIERS = [("tier_1", "Tier 1"), ("tier_2", "Tier 2"), ("tier_3", "Tier 3")]


class JobExportSettings(WorkspaceScopedModel):
    """A job's ATS sync setting: which event exports the candidates added to it in Recruitdesk.

    Triggers never fire retroactively: only candidates created at or after `trigger_set_at` (when the
    current trigger and tier were chosen) are exported by it; the Export to ATS button covers the rest.
    """

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="export_settings")
    trigger = models.CharField(max_length=20, choices=ExportTrigger.choices, default=ExportTrigger.NEVER)
    tier = models.CharField(
        max_length=20,
        choices=EXPORT_TIERS,
        blank=True,
        help_text="For the tier trigger: this tier or better.",
    )
    trigger_set_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current trigger was chosen; older candidates never fire."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "job export settings"

    def __str__(self) -> str:
        return f"ATS sync of {self.job}: {self.get_trigger_display()}"

    def applies_to(self, candidate: Any) -> bool:
        """Whether the trigger may fire for this candidate (created after the trigger was set)."""
        return (
            self.trigger != ExportTrigger.NEVER
            and self.trigger_set_at is not None
            and candidate.created_at is not None
            and candidate.created_at >= self.trigger_set_at
        )
