"""WritebackAction: the outbox. Everything Recruitdesk sends to the ATS is one of these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import WorkspaceScopedModel


class WritebackKind(models.TextChoices):
    ADD_TAG = "add_tag", "Add tag"
    REMOVE_TAG = "remove_tag", "Remove tag"
    ADD_NOTE = "add_note", "Add note"
    MOVE_STAGE = "move_stage", "Move to stage"
    REJECT = "reject", "Reject"
    UNARCHIVE = "unarchive", "Unarchive"
    ADD_ATTACHMENT = "add_attachment", "Add attachment"
    ADD_RESULT_LINK = "add_result_link", "Add result link"
    CREATE_CANDIDATE = "create_candidate", "Create candidate"
    CREATE_APPLICATION = "create_application", "Create application"
    UPDATE_JOB = "update_job", "Update job"


class WritebackStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PENDING = "pending", "Pending"
    RUNNING = "running", "Sending"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class WritebackSource(models.TextChoices):
    UI = "ui", "Recruiter action"
    SCORING = "scoring", "Scoring result"
    AUTOMATION = "automation", "Automation rule"
    IMPORT = "import", "CSV import"
    EXPORT_TRIGGER = "export_trigger", "Export trigger"
    COMMAND = "command", "Management command"


OPEN_WRITEBACK_STATUSES = (
    WritebackStatus.AWAITING_APPROVAL,
    WritebackStatus.PENDING,
    WritebackStatus.RUNNING,
)


class WritebackAction(WorkspaceScopedModel):
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="writeback_actions"
    )
    kind = models.CharField(max_length=32, choices=WritebackKind.choices)
    status = models.CharField(
        max_length=20, choices=WritebackStatus.choices, default=WritebackStatus.PENDING, db_index=True
    )
    source = models.CharField(max_length=20, choices=WritebackSource.choices, default=WritebackSource.UI)
    idempotency_key = models.CharField(max_length=255, help_text="The same key never applies twice.")
    payload = models.JSONField(default=dict, blank=True)
    file = models.FileField(
        upload_to="outbox/%Y/%m/", blank=True, help_text="A file to upload (attachments)."
    )
    # Actions on one target (an application, a candidate, a job) go out in the order they were made.
    target_key = models.CharField(max_length=64, blank=True, db_index=True)
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)
    batch_label = models.CharField(
        max_length=255, blank=True, help_text='e.g. "Add tag Tier 1 to 37 applications"'
    )
    status_reason = models.TextField(
        blank=True, help_text="Why it is cancelled, waiting or failed, in plain words."
    )
    candidate = models.ForeignKey(
        "candidates.Candidate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="writeback_actions",
    )
    application = models.ForeignKey(
        "candidates.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="writeback_actions",
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="writeback_actions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    perform_as_remote_id = models.CharField(max_length=255, blank=True, help_text="Lever perform_as user id.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it (a lease).")
    uncertain = models.BooleanField(
        default=False, help_text="The last attempt may have reached Lever: check before sending again."
    )
    request = models.JSONField(default=dict, blank=True, help_text="What was sent: method, path, body.")
    last_error = models.TextField(blank=True, help_text="The ATS's message when the last attempt failed.")
    response = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="integrations_writeback_idempotency_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["connection", "next_attempt_at"],
                condition=Q(status="pending"),
                name="integ_writeback_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WRITEBACK_STATUSES

    @property
    def summary(self) -> str:
        """Say in a few words what the action does, e.g. 'Add tag "Tier 1"' or 'Move to Phone Screen'."""
        p = self.payload or {}

        def quoted(key: str) -> str:
            return f"“{str(p.get(key, ''))[:60]}”"

        texts = {
            WritebackKind.ADD_TAG: f"Add tag {quoted('tag')}",
            WritebackKind.REMOVE_TAG: f"Remove tag {quoted('tag')}",
            WritebackKind.ADD_NOTE: f"Note {quoted('text')}",
            WritebackKind.MOVE_STAGE: f"Move to {p.get('stage_name') or p.get('stage_id', '?')}",
            WritebackKind.REJECT: f"Reject ({p.get('reason_name') or p.get('reason_id', '?')})",
            WritebackKind.UNARCHIVE: "Unarchive",
            WritebackKind.ADD_ATTACHMENT: f"Attach {p.get('file_name') or 'a file'}",
            WritebackKind.ADD_RESULT_LINK: f"Result link {quoted('label')}",
            WritebackKind.CREATE_CANDIDATE: f"Create {p.get('name') or 'a candidate'} in Lever",
            WritebackKind.CREATE_APPLICATION: f"Add to {p.get('job_name') or 'another job'}",
            WritebackKind.UPDATE_JOB: "Update the job in Lever",
        }
        return texts.get(self.kind, self.get_kind_display())
