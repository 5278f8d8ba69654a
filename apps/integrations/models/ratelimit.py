"""RateLimitBucket: the shared state of one token bucket of the database rate-limit backend."""

from __future__ import annotations

from django.db import models


class RateLimitBucket(models.Model):
    """Tokens left in one credential's bucket; written only by apps.integrations.ratelimit."""

    key = models.CharField(max_length=200, unique=True, help_text='e.g. "lever:connection:3"')
    tokens = models.FloatField()
    updated_at = models.FloatField(help_text="When the bucket was last refilled, in epoch seconds.")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
