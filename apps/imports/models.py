"""A CSV import of candidates (CandidateImport) and the result of each of its rows (ImportRow).

ImportRow is also the import's idempotency key: (import, row number) is unique and written in the
same transaction as the people of its chunk, so a resumed import skips exactly the rows already done.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from apps.candidates.csv_import.decoding import ENCODING_LABELS
from apps.candidates.csv_import.reader import DELIMITER_LABELS
from apps.core.models import WorkspaceQuerySet, WorkspaceScopedModel


def upload_path(instance: CandidateImport, filename: str) -> str:
    """Store uploads under a random name: the user's file name is shown, never used as a path."""
    return f"imports/{uuid.uuid4().hex}.csv"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Choose columns"
    READY = "ready", "Ready to import"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Stopped"


EDITABLE_STATUSES = (ImportStatus.UPLOADED, ImportStatus.READY)
FINISHED_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class ExportChoice(models.TextChoices):
    TRIGGER = "trigger", "As the job's export trigger says"
    NEVER = "never", "Never: keep them in Recruitdesk only"


class CandidateImport(WorkspaceScopedModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to=upload_path, blank=True, help_text="Deleted once the import is done.")
    original_name = models.CharField(max_length=255, blank=True, help_text="Shown only, never a path.")
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    sample = models.JSONField(default=list, blank=True, help_text="The first rows, for the mapping page.")
    row_count = models.PositiveIntegerField(default=0, help_text="Non-blank rows under the header.")
    mapping = models.JSONField(default=dict, blank=True, help_text='{"<column index>": "<field>"}')
    preview = models.JSONField(default=dict, blank=True, help_text="Counts and the first invalid rows.")
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stage = models.ForeignKey(
        "jobs.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    export = models.CharField(max_length=10, choices=ExportChoice.choices, default=ExportChoice.NEVER)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED, db_index=True
    )
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last chunk committed (a lease).")
    finished_at = models.DateTimeField(null=True, blank=True)

    objects: Any = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or f"Import {self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS.get(self.delimiter, repr(self.delimiter))

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.row_count) if self.row_count else 0


class RowStatus(models.TextChoices):
    CREATED = "created", "Imported"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class ImportRow(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    candidate_import = models.ForeignKey(CandidateImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=RowStatus.choices)
    name = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects: Any = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["candidate_import", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["candidate_import", "row_number"], name="imports_row_once")
        ]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.get_status_display()}"
