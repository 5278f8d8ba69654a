"""Candidates (Lever contacts), their Applications (opportunities) and everything on an application.

A person with several opportunities is one Candidate with several Applications; tags live on
Applications, as in Lever, and the candidate view shows their union.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from apps.core.models import WorkspaceScopedModel
from apps.integrations.models import MirroredModel, MirroredQuerySet, WritebackSource


class Tag(MirroredModel):
    """A Lever tag; Lever keys tags on their text, so remote_id is the text itself."""

    name = models.CharField(max_length=255)

    class Meta(MirroredModel.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Source(MirroredModel):
    """A Lever source ("LinkedIn", "Referral"…); keyed on its text like tags."""

    name = models.CharField(max_length=255)

    class Meta(MirroredModel.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReasonType(models.TextChoices):
    HIRED = "hired", "Hired"
    NON_HIRED = "non-hired", "Not hired"


class RejectionReason(MirroredModel):
    """A Lever archive reason. Hired-type reasons archive a hire; the rest reject."""

    name = models.CharField(max_length=255)
    reason_type = models.CharField(max_length=20, choices=ReasonType.choices, default=ReasonType.NON_HIRED)
    is_active = models.BooleanField(default=True, help_text="Inactive reasons stay on old applications.")

    class Meta(MirroredModel.Meta):
        ordering = ["reason_type", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_hire(self) -> bool:
        return self.reason_type == ReasonType.HIRED


class Candidate(MirroredModel):
    name = models.CharField(max_length=255, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True, db_index=True, help_text="Primary email, lower-cased.")
    emails = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True, help_text='[{"type": "mobile", "value": "…"}]')
    links = models.JSONField(default=list, blank=True)
    linkedin_url = models.URLField(max_length=500, blank=True)
    location = models.CharField(max_length=255, blank=True)
    headline = models.CharField(max_length=500, blank=True)
    current_title = models.CharField(max_length=255, blank=True)
    current_company = models.CharField(max_length=255, blank=True)
    is_anonymized = models.BooleanField(default=False)
    # Ours, not mirrored: the sync never writes it. {"source", "tags", "sourced_by" (AtsUser pk),
    # "added_by" (User pk), "via" (ui or import)}; read by apps.candidates.sourcing when exporting.
    sourcing = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the person was added in Recruitdesk; empty for synced people.",
    )

    class Meta(MirroredModel.Meta):
        ordering = ["name"]
        indexes = [models.Index(fields=["workspace", "name"], name="cand_candidate_ws_name")]

    def __str__(self) -> str:
        return self.name or self.email or f"Candidate {self.pk}"


class Outcome(models.TextChoices):
    ACTIVE = "active", "Active"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"


class Origin(models.TextChoices):
    AGENCY = "agency", "Agency"
    APPLIED = "applied", "Applied"
    INTERNAL = "internal", "Internal"
    REFERRED = "referred", "Referred"
    SOURCED = "sourced", "Sourced"
    UNIVERSITY = "university", "University"


class ApplicationQuerySet(MirroredQuerySet):
    def active(self) -> ApplicationQuerySet:
        return self.filter(outcome=Outcome.ACTIVE)


class Application(MirroredModel):
    """One candidacy: a Lever opportunity (remote_id) and its application to a job, if any."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        help_text="Empty for a lead not yet applied to a job.",
    )
    application_remote_id = models.CharField(max_length=255, blank=True, help_text="Lever application id.")
    current_stage = models.ForeignKey(
        "jobs.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="applications"
    )
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.ACTIVE)
    rejection_reason = models.ForeignKey(
        RejectionReason, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, blank=True)
    sources = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        "integrations.AtsUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_applications",
    )
    sourced_by = models.ForeignKey(
        "integrations.AtsUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sourced_applications",
    )
    tags = models.ManyToManyField(Tag, related_name="applications", blank=True)
    answers = models.JSONField(
        default=list, blank=True, help_text="Answers to the job's screening questions."
    )
    confidential = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    last_advanced_at = models.DateTimeField(null=True, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True, help_text="The candidate in the ATS's own app.")
    # Bookkeeping, not mirrored content: when notes, interviews, files… were last fetched. The
    # rolling sweep refreshes the oldest first, because new children do not bump Lever's updatedAt.
    children_synced_at = models.DateTimeField(null=True, blank=True)

    objects: Any = ApplicationQuerySet.as_manager()

    class Meta(MirroredModel.Meta):
        ordering = ["-applied_at", "-id"]
        # The candidate and the other foreign keys get their own index from Django.
        indexes = [
            models.Index(fields=["job", "current_stage", "outcome"], name="cand_app_pipeline"),
            models.Index(fields=["connection", "remote_updated_at"], name="cand_app_remote_updated"),
            models.Index(fields=["workspace", "outcome"], name="cand_app_ws_outcome"),
            models.Index(fields=["connection", "outcome", "children_synced_at"], name="cand_app_sweep"),
            # The pipeline's "anything changed?" poll (every 10 s per open board) reads the newest
            # changed_at of the job's applications: an index range end instead of the job's rows.
            models.Index(fields=["job", "changed_at"], name="cand_app_job_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.job or 'lead'}"

    @property
    def is_active(self) -> bool:
        return self.outcome == Outcome.ACTIVE


class Note(MirroredModel):
    """One comment of a Lever note thread; remote_id is "<note id>#<comment index>"."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    thread_remote_id = models.CharField(max_length=255, blank=True)
    author = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    body = models.TextField(blank=True)
    secret = models.BooleanField(default=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–4, when given.")
    stage = models.ForeignKey(
        "jobs.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(MirroredModel.Meta):
        ordering = ["-remote_created_at"]

    def __str__(self) -> str:
        return self.body[:60] or f"Note {self.pk}"


class Interview(MirroredModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    panel_remote_id = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    location = models.CharField(max_length=500, blank=True)
    video_link = models.URLField(max_length=1000, blank=True)
    stage = models.ForeignKey(
        "jobs.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    canceled_at = models.DateTimeField(null=True, blank=True)
    interviewers = models.ManyToManyField("integrations.AtsUser", related_name="interviews", blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title or f"Interview {self.pk}"


class Offer(MirroredModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=40, blank=True, help_text="draft, approved, sent, signed, …")
    fields = models.JSONField(
        default=list, blank=True, help_text='[{"identifier": …, "text": …, "value": …}]'
    )
    job_title = models.CharField(max_length=500, blank=True)
    salary_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_currency = models.CharField(max_length=8, blank=True)
    salary_interval = models.CharField(max_length=40, blank=True)
    start_date = models.DateField(null=True, blank=True)
    creator = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-remote_created_at"]

    def __str__(self) -> str:
        return f"Offer ({self.status or 'unknown'})"


class AttachmentKind(models.TextChoices):
    RESUME = "resume", "Resume"
    FILE = "file", "File"


class Attachment(MirroredModel):
    """A resume or file. Lever stores files per opportunity; `candidate` is denormalised for profiles."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.FILE)
    name = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    extension = models.CharField(max_length=16, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    processing_status = models.CharField(max_length=20, blank=True, help_text="Lever's file status.")
    parsed_positions = models.JSONField(default=list, blank=True)
    parsed_schools = models.JSONField(default=list, blank=True)
    extracted_text = models.TextField(blank=True, help_text="Plain text of the file, used for scoring.")
    text_extracted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the file was last downloaded from Lever, a resume also for its text (even if none came).",
    )
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} {self.pk}"


class Scorecard(MirroredModel):
    """Lever feedback: an interviewer's scorecard for an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scorecards")
    interview = models.ForeignKey(
        Interview, on_delete=models.SET_NULL, null=True, blank=True, related_name="scorecards"
    )
    kind = models.CharField(max_length=20, blank=True, help_text="interview, assignment or share.")
    title = models.CharField(max_length=500, blank=True, help_text="The feedback template's name.")
    template_remote_id = models.CharField(max_length=255, blank=True)
    author = models.ForeignKey(
        "integrations.AtsUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="scorecards"
    )
    overall_rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–4.")
    rating_label = models.CharField(max_length=120, blank=True)
    answers = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-completed_at"]

    def __str__(self) -> str:
        return self.title or f"Scorecard {self.pk}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXPORTED = "exported", "Exported"
    DUPLICATE = "duplicate", "Duplicate found"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class ExportCause(models.TextChoices):
    """Why an export started: the button (or an import asking for it), or one of the job's triggers."""

    MANUAL = "manual", "Export to ATS"
    CONTACT_FOUND = "contact_found", "Contact information found"
    ADDED_TO_PIPELINE = "added_to_pipeline", "Added to the pipeline"
    TIER_REACHED = "tier_reached", "Fit tier reached"


class CandidateExport(WorkspaceScopedModel):
    """One attempt to put a candidate added in Recruitdesk into Lever, and how it ended.

    `key` makes each trigger fire once per candidate and job. A duplicate found in the mirror is
    recorded here and nothing is queued; otherwise `action` is the outbox row, and the export settles
    (exported, duplicate found by the worker's Lever check, failed) once that action finishes
    (apps.candidates.sourcing_export.exports_settle).
    """

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="exports")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="candidate_exports"
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
        help_text="The local application exported with the person (empty for a lead).",
    )
    trigger = models.CharField(max_length=20, choices=ExportCause.choices)
    key = models.CharField(max_length=255, help_text="One export per key: a trigger fires once.")
    status = models.CharField(
        max_length=20, choices=ExportStatus.choices, default=ExportStatus.PENDING, db_index=True
    )
    source = models.CharField(max_length=20, choices=WritebackSource.choices, default=WritebackSource.UI)
    action = models.ForeignKey(
        "integrations.WritebackAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate_exports",
    )
    matched_candidate = models.ForeignKey(
        Candidate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_matches",
        help_text="The person this one duplicates.",
    )
    matched_contact_id = models.CharField(max_length=255, blank=True, help_text="Their Lever contact id.")
    matched_name = models.CharField(max_length=255, blank=True)
    match_reason = models.CharField(max_length=600, blank=True, help_text='e.g. "same email ada@example.com"')
    message = models.TextField(blank=True, help_text="What happened, with Lever's message on failure.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="candidates_export_unique_key")
        ]
        indexes = [models.Index(fields=["job", "-created_at"], name="cand_export_job_log")]

    def __str__(self) -> str:
        return f"Export of {self.candidate} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == ExportStatus.PENDING

    @property
    def can_resolve(self) -> bool:
        """A duplicate the mirror found: the recruiter adds the person found to the job, or skips."""
        return self.status == ExportStatus.DUPLICATE and self.matched_candidate_id not in (
            None,
            self.candidate_id,
        )
