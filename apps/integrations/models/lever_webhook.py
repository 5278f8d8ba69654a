"""The webhooks Recruitdesk registered in Lever for a connection, so they are never registered twice."""

from __future__ import annotations

from django.db import models

from apps.core.models import WorkspaceScopedModel


class LeverWebhook(WorkspaceScopedModel):
    """One webhook created through Lever's `POST /webhooks` (LEVER_API.md §10.5).

    Its signing token is kept (encrypted) in the connection's list of signing tokens; only a SHA-256
    fingerprint stays here, so the token can be dropped from that list when the webhook is deleted.
    """

    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="lever_webhooks"
    )
    remote_id = models.CharField(max_length=255, help_text="Lever's webhook id.")
    event = models.CharField(max_length=64)
    url = models.URLField(max_length=500, help_text="Where Lever delivers this event.")
    token_fingerprint = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the signing token (not the token)."
    )

    class Meta:
        ordering = ["connection", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_id"], name="integrations_leverwebhook_remote"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} webhook {self.remote_id}"
