"""A workspace's link to one ATS account: credentials (encrypted), environment and lifecycle state."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.fields import EncryptedTextField
from apps.core.models import WorkspaceQuerySet, WorkspaceScopedModel


class Provider(models.TextChoices):
    LEVER = "lever", "Lever"


class ConnectionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SYNCING = "syncing", "Syncing"
    NEEDS_REAUTH = "needs_reauth", "Needs re-authorisation"
    DISCONNECTED = "disconnected", "Disconnected"


class AuthType(models.TextChoices):
    OAUTH = "oauth", "OAuth (partner credentials)"
    API_KEY = "api_key", "API key"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    SANDBOX = "sandbox", "Sandbox"
    CUSTOM = "custom", "Custom base URL"


# DESIGN.md §6: pending → active ⇄ syncing; active/syncing → needs_reauth | disconnected;
# disconnected/needs_reauth → active (reconnect). Anything else is a bug, not a state.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ConnectionStatus.PENDING: frozenset({ConnectionStatus.ACTIVE, ConnectionStatus.DISCONNECTED}),
    ConnectionStatus.ACTIVE: frozenset(
        {ConnectionStatus.SYNCING, ConnectionStatus.NEEDS_REAUTH, ConnectionStatus.DISCONNECTED}
    ),
    ConnectionStatus.SYNCING: frozenset(
        {ConnectionStatus.ACTIVE, ConnectionStatus.NEEDS_REAUTH, ConnectionStatus.DISCONNECTED}
    ),
    ConnectionStatus.NEEDS_REAUTH: frozenset({ConnectionStatus.ACTIVE, ConnectionStatus.DISCONNECTED}),
    ConnectionStatus.DISCONNECTED: frozenset({ConnectionStatus.ACTIVE}),
}

# Statuses in which Recruitdesk talks to the ATS at all (reads or writes).
LIVE_STATUSES = frozenset({ConnectionStatus.ACTIVE, ConnectionStatus.SYNCING})


class InvalidTransition(Exception):
    pass


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class ConnectionQuerySet(WorkspaceQuerySet):
    def live(self) -> ConnectionQuerySet:
        return self.filter(status__in=LIVE_STATUSES)


class Connection(WorkspaceScopedModel):
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.LEVER)
    name = models.CharField(max_length=120, blank=True, help_text="A label, e.g. the Lever account name.")
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.PENDING, db_index=True
    )
    status_reason = models.TextField(
        blank=True, help_text="Why the connection is in its status, in plain words."
    )
    status_changed_at = models.DateTimeField(default=timezone.now)

    auth_type = models.CharField(max_length=20, choices=AuthType.choices, default=AuthType.API_KEY)
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.PRODUCTION)
    base_url = models.URLField(
        blank=True, help_text="Only for the custom environment (sandbox server, proxies)."
    )
    admin_email = models.EmailField(blank=True, help_text="The Lever admin who authorised the connection.")
    remote_account_id = models.CharField(max_length=255, blank=True)
    scopes = models.JSONField(default=list, blank=True)

    # Secrets: encrypted at rest, never shown (EncryptedTextField is not editable in forms or admin).
    api_key = EncryptedTextField()
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField()
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_issued_at = models.DateTimeField(null=True, blank=True)
    webhook_signing_tokens = EncryptedTextField(help_text="JSON list of signing tokens, newest first.")

    webhook_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_webhook_token,
        editable=False,
        help_text="The unguessable part of this connection's webhook URL.",
    )
    writeback_user = models.ForeignKey(
        "integrations.AtsUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The ATS user that write-backs are attributed to (Lever perform_as).",
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Sync high-water marks: everything Lever changed up to these instants is in the mirror.
    opportunities_synced_through = models.DateTimeField(null=True, blank=True)
    deletions_synced_through = models.DateTimeField(null=True, blank=True)
    history_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first full sync finished, archived history included."
    )
    sweep_daily_requests = models.PositiveIntegerField(
        default=2000,
        help_text="Requests a day the rolling sweep may spend refreshing notes, interviews and files "
        "of active applications (new ones do not change Lever's updatedAt).",
    )
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    webhooks_registering_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Held while one process registers this connection's webhooks in Lever, so two do not "
        "create the same ones; taken and released with conditional updates.",
    )

    objects: Any = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["workspace__name", "provider", "-created_at"]
        constraints = [
            # One live-or-pending connection per ATS per workspace; disconnected ones stay as history.
            models.UniqueConstraint(
                fields=["workspace", "provider"],
                condition=~Q(status=ConnectionStatus.DISCONNECTED),
                name="integrations_connection_one_open_per_provider",
            ),
            models.CheckConstraint(
                condition=~Q(environment=Environment.CUSTOM) | ~Q(base_url=""),
                name="integrations_connection_custom_env_needs_base_url",
            ),
        ]

    def __str__(self) -> str:
        label = self.name or self.get_provider_display()
        return f"{label} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key or self.refresh_token or self.access_token)

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, frozenset())

    def transition_to(self, status: str, *, reason: str = "") -> None:
        """Move to `status` (in memory; the caller saves), or raise InvalidTransition."""
        if status == self.status:
            self.status_reason = reason or self.status_reason
            return
        if not self.can_transition_to(status):
            raise InvalidTransition(f"A connection cannot go from {self.status} to {status}.")
        self.status = status
        self.status_reason = reason
        self.status_changed_at = timezone.now()
