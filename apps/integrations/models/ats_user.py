"""AtsUser: a user of the ATS account (Lever users, including deactivated ones)."""

from __future__ import annotations

from django.db import models

from apps.integrations.models.mirror import MirroredModel
from apps.integrations.roles import UnifiedRole


class AtsUser(MirroredModel):
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    username = models.CharField(max_length=255, blank=True)
    access_role = models.CharField(max_length=64, blank=True, help_text="The ATS's own role name.")
    unified_role = models.CharField(max_length=20, choices=UnifiedRole.choices, blank=True, default="")
    job_title = models.CharField(max_length=255, blank=True)
    photo_url = models.URLField(max_length=1000, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        verbose_name = "ATS user"
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return self.name or self.email or self.remote_id or f"ATS user {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None
