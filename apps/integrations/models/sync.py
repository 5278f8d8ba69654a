"""SyncRun (one pass over the ATS), RecordChange (what it changed) and WebhookEvent (the inbox)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from apps.core.models import WorkspaceScopedModel


class SyncKind(models.TextChoices):
    FULL = "full", "Full"
    DELTA = "delta", "Delta"
    WEBHOOK = "webhook", "Webhook"
    SWEEP = "sweep", "Child sweep"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    USER = "user", "User"
    COMMAND = "command", "Management command"
    WEBHOOK = "webhook", "Webhook"
    CONNECT = "connect", "Connect"


class SyncRun(WorkspaceScopedModel):
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(max_length=20, choices=SyncKind.choices)
    status = models.CharField(
        max_length=20, choices=SyncStatus.choices, default=SyncStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices, default=SyncTrigger.SCHEDULE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the worker.")
    worker = models.CharField(
        max_length=200, blank=True, help_text="The worker process (host:pid) that last claimed the run."
    )
    # {"opportunities": {"created": 3, "updated": 1, "unchanged": 90, "deleted": 0}, ...}
    stats = models.JSONField(default=dict, blank=True)
    requests_made = models.PositiveIntegerField(default=0)
    rate_limit_waits = models.PositiveIntegerField(default=0)
    rate_limit_wait_seconds = models.FloatField(default=0)
    checkpoint = models.JSONField(default=dict, blank=True, help_text="Where a crashed run resumes.")
    resumes = models.PositiveSmallIntegerField(default=0, help_text="Times the run was resumed after dying.")
    errors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the run failed, if it did.")

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        constraints = [
            # At most one run per connection at a time; claims go through a conditional UPDATE too.
            models.UniqueConstraint(
                fields=["connection"], condition=Q(status="running"), name="integrations_syncrun_one_running"
            )
        ]
        indexes = [models.Index(fields=["connection", "-created_at"], name="integ_syncrun_conn_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sync #{self.pk} ({self.get_status_display()})"

    @property
    def duration(self):  # type: ignore[no-untyped-def]
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def is_finished(self) -> bool:
        return self.status in {SyncStatus.SUCCEEDED, SyncStatus.FAILED, SyncStatus.CANCELLED}


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"


class WebhookEvent(WorkspaceScopedModel):
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="webhook_events"
    )
    event = models.CharField(max_length=64, db_index=True)
    delivery_token = models.CharField(
        max_length=128, blank=True, help_text="Lever's per-delivery token (replays)."
    )
    triggered_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=255)
    signature_valid = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED)
    payload = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times processing was started.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed event is retried automatically (empty: it is not)."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "dedupe_key"], name="integrations_webhookevent_dedupe"
            )
        ]
        indexes = [
            # Every accepted delivery asks whether its token was seen before (replays).
            models.Index(fields=["connection", "delivery_token"], name="integ_webhook_conn_token"),
            models.Index(fields=["connection", "-created_at"], name="integ_webhook_conn_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.get_status_display()})"


class ChangeSource(models.TextChoices):
    """What brought a change into the mirror: a kind of sync run, a webhook, our own write-back, or an
    edit of a person who is not in Lever yet."""

    FULL = "full", "Full sync"
    DELTA = "delta", "Delta sync"
    WEBHOOK = "webhook", "Webhook"
    SWEEP = "sweep", "Child sweep"
    WRITEBACK = "writeback", "Write-back"
    EDIT = "edit", "Edited in Recruitdesk"  # a person not in Lever yet, corrected on their edit page


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"
    REVIVED = "revived", "Revived"


class RecordChange(WorkspaceScopedModel):
    """One real change to one mirrored row: which run or webhook, which fields, old → new."""

    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    remote_id = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    source = models.CharField(
        max_length=20, choices=ChangeSource.choices, help_text="What brought the change in."
    )
    fields = models.JSONField(default=dict, blank=True, help_text='{"field": [old, new], ...}')
    sync_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    webhook_event = models.ForeignKey(
        WebhookEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="integ_change_record"),
            models.Index(fields=["workspace", "-created_at"], name="integ_change_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.content_type.model} {self.remote_id or self.object_id}"
