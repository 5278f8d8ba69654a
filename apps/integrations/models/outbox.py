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


OPEN_WRITEBACK_STATUSES = (WritebackStatus.PENDING, WritebackStatus.RUNNING)


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
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
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
