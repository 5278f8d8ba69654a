from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.admin_utils import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.integrations import outbox, services, webhooks
from apps.integrations.mirror_admin import MirroredAdmin
from apps.integrations.models import (
    AtsUser,
    Connection,
    LeverWebhook,
    RateLimitBucket,
    RecordChange,
    SyncKind,
    SyncRun,
    SyncTrigger,
    WebhookEvent,
    WritebackAction,
)


class ConnectionForm(forms.ModelForm):
    base_url = forms.URLField(
        required=False, assume_scheme="https", help_text=Connection._meta.get_field("base_url").help_text
    )
    new_api_key = forms.CharField(
        required=False,
        strip=True,
        label="New API key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Write-only. Leave empty to keep the stored key; stored keys are never shown.",
    )

    class Meta:
        model = Connection
        fields = (
            "workspace",
            "provider",
            "name",
            "auth_type",
            "environment",
            "base_url",
            "admin_email",
            "writeback_user",
            "sweep_daily_requests",
        )


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = (
        "__str__",
        "workspace_link",
        "provider",
        "status",
        "environment",
        "auth_type",
        "last_synced_at",
    )
    list_filter = ("status", "provider", "environment", "auth_type", "workspace")
    search_fields = ("name", "admin_email", "workspace__name", "remote_account_id")
    list_select_related = ("workspace",)
    raw_id_fields = ("writeback_user",)
    readonly_fields = (
        "status",
        "status_reason",
        "status_changed_at",
        "credentials",
        "access_token_expires_at",
        "connected_by",
        "connected_at",
        "disconnected_at",
        "last_synced_at",
        "opportunities_synced_through",
        "history_synced_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("workspace", "provider", "name", "status", "status_reason", "status_changed_at")}),
        (
            "Credentials",
            {"fields": ("auth_type", "environment", "base_url", "admin_email", "credentials", "new_api_key")},
        ),
        ("Write-back", {"fields": ("writeback_user",)}),
        ("Sync", {"fields": ("sweep_daily_requests", "opportunities_synced_through", "history_synced_at")}),
        (
            "History",
            {
                "fields": (
                    "access_token_expires_at",
                    "connected_by",
                    "connected_at",
                    "disconnected_at",
                    "last_synced_at",
                    "last_error",
                    "last_error_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    actions = ("sync_delta", "sync_full")

    @admin.display(description="workspace", ordering="workspace__name")
    def workspace_link(self, obj: Connection) -> str:
        return admin_link(obj.workspace)

    @admin.action(description="Sync now (delta)")
    def sync_delta(self, request: HttpRequest, queryset: Any) -> None:
        self._enqueue(request, queryset, SyncKind.DELTA)

    @admin.action(description="Full resync")
    def sync_full(self, request: HttpRequest, queryset: Any) -> None:
        self._enqueue(request, queryset, SyncKind.FULL)

    def _enqueue(self, request: HttpRequest, queryset: Any, kind: str) -> None:
        live = [connection for connection in queryset if connection.is_live]
        for connection in live:
            services.connection_sync_enqueue(
                connection=connection, kind=kind, trigger=SyncTrigger.USER, requested_by=request.user
            )
        skipped = len(queryset) - len(live)
        message = f"Queued a {kind} sync of {len(live)} connection(s)."
        if skipped:
            message += f" Skipped {skipped} that are not connected (reconnect them first)."
        self.message_user(request, message, messages.SUCCESS if live else messages.WARNING)

    @admin.display(description="stored credentials")
    def credentials(self, obj: Connection) -> str:
        stored = [
            label
            for label, present in (
                ("API key", obj.api_key),
                ("access token", obj.access_token),
                ("refresh token", obj.refresh_token),
                ("webhook signing token", obj.webhook_signing_tokens),
            )
            if present
        ]
        return ", ".join(stored) + " (encrypted)" if stored else "None"

    def save_model(self, request: HttpRequest, obj: Connection, form: Any, change: bool) -> None:
        if not change and obj.connected_by_id is None:
            obj.connected_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_api_key"):
            services.connection_store_api_key(connection=obj, api_key=form.cleaned_data["new_api_key"])


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "connection_link",
        "kind",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "requests_made",
        "worker",
    )
    list_filter = ("status", "kind", "trigger", "workspace", "connection")
    search_fields = ("=id", "error")
    date_hierarchy = "created_at"
    list_select_related = ("connection",)
    readonly_fields = ("stats_pretty", "checkpoint_pretty", "errors_pretty")
    exclude = ("stats", "checkpoint", "errors")

    @admin.display(description="connection")
    def connection_link(self, obj: SyncRun) -> str:
        return admin_link(obj.connection)

    @admin.display(description="counts per resource")
    def stats_pretty(self, obj: SyncRun) -> str:
        return pretty_json(obj.stats)

    @admin.display(description="checkpoint")
    def checkpoint_pretty(self, obj: SyncRun) -> str:
        return pretty_json(obj.checkpoint)

    @admin.display(description="errors")
    def errors_pretty(self, obj: SyncRun) -> str:
        return pretty_json(obj.errors)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The webhook inbox. Payloads hold Lever's per-delivery token, never a signing token."""

    list_display = (
        "event",
        "status",
        "signature_valid",
        "attempts",
        "connection_link",
        "triggered_at",
        "created_at",
    )
    list_filter = ("status", "event", "signature_valid", "workspace", "connection")
    search_fields = ("event", "=delivery_token", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("connection",)
    readonly_fields = ("payload_pretty",)
    exclude = ("payload",)
    actions = ("replay",)

    @admin.action(description="Replay selected (process again from Lever's current state)")
    def replay(self, request: HttpRequest, queryset: Any) -> None:
        queued, refused = webhooks.webhook_events_replay(queryset.select_related("connection"))
        message = f"Queued {queued} event(s) to be processed again."
        if refused:
            message += (
                f" Refused {refused}: test pings, unreadable bodies, events being processed right now, "
                "or signatures that do not verify with the stored signing tokens."
            )
        self.message_user(request, message, messages.SUCCESS if queued else messages.WARNING)

    @admin.display(description="connection")
    def connection_link(self, obj: WebhookEvent) -> str:
        return admin_link(obj.connection)

    @admin.display(description="payload")
    def payload_pretty(self, obj: WebhookEvent) -> str:
        return pretty_json(obj.payload)


@admin.register(LeverWebhook)
class LeverWebhookAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Webhooks Recruitdesk registered in Lever. The URL's token and the signing token stay hidden."""

    list_display = ("event", "remote_id", "connection_link", "created_at")
    list_filter = ("event", "workspace", "connection")
    search_fields = ("=remote_id", "event")
    list_select_related = ("connection",)
    fields = ("workspace", "connection", "event", "remote_id", "delivery_url", "created_at", "updated_at")
    readonly_fields = fields

    @admin.display(description="connection")
    def connection_link(self, obj: LeverWebhook) -> str:
        return admin_link(obj.connection)

    @admin.display(description="delivers to")
    def delivery_url(self, obj: LeverWebhook) -> str:
        # The last path segment is the connection's secret token.
        base = obj.url.rstrip("/").rsplit("/", 1)[0]
        return f"{base}/…/"


@admin.register(WritebackAction)
class WritebackActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "status",
        "source",
        "target",
        "attempts",
        "requested_by",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "kind", "source", "workspace", "connection")
    search_fields = (
        "idempotency_key",
        "last_error",
        "candidate__name",
        "application__remote_id",
        "job__name",
    )
    date_hierarchy = "created_at"
    list_select_related = ("candidate", "application__candidate", "job", "requested_by")
    readonly_fields = ("payload_pretty", "request_pretty", "response_pretty")
    exclude = ("payload", "request", "response")
    actions = ("retry", "approve", "cancel")

    @admin.action(description="Retry (failed or cancelled)")
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        count = sum(outbox.writeback_retry(action, by=request.user) for action in queryset)
        self.message_user(request, f"Queued {count} action(s) again.")

    @admin.action(description="Approve (awaiting approval)")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        count = outbox.writeback_approve(list(queryset), by=request.user)
        self.message_user(request, f"Approved {count} action(s).")

    @admin.action(description="Cancel (not yet sent)")
    def cancel(self, request: HttpRequest, queryset: Any) -> None:
        count = outbox.writeback_discard(
            list(queryset), by=request.user, reason=f"Cancelled by {request.user}."
        )
        self.message_user(request, f"Cancelled {count} action(s).")

    @admin.display(description="what was sent")
    def request_pretty(self, obj: WritebackAction) -> str:
        return pretty_json(obj.request)

    @admin.display(description="target")
    def target(self, obj: WritebackAction) -> str:
        return admin_link(obj.application or obj.candidate or obj.job)

    @admin.display(description="payload")
    def payload_pretty(self, obj: WritebackAction) -> str:
        return pretty_json(obj.payload)

    @admin.display(description="response")
    def response_pretty(self, obj: WritebackAction) -> str:
        return pretty_json(obj.response)


@admin.register(RecordChange)
class RecordChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "content_type",
        "record_link",
        "sync_run",
        "webhook_event",
        "created_at",
    )
    list_filter = ("kind", "content_type", "workspace", "connection")
    search_fields = ("=remote_id", "=object_id")
    date_hierarchy = "created_at"
    list_select_related = ("content_type", "sync_run", "webhook_event")
    readonly_fields = ("record_link", "fields_pretty")
    exclude = ("fields",)

    @admin.display(description="record")
    def record_link(self, obj: RecordChange) -> str:
        return admin_link(obj.record)

    @admin.display(description="fields (old → new)")
    def fields_pretty(self, obj: RecordChange) -> str:
        return pretty_json(obj.fields)


@admin.register(AtsUser)
class AtsUserAdmin(MirroredAdmin):
    list_display = ("__str__", "email", "access_role", "unified_role", "deactivated_at", "connection")
    extra_filters = ("unified_role", "access_role")
    search_fields = ("name", "email", "username")
    list_select_related = ("connection",)


@admin.register(RateLimitBucket)
class RateLimitBucketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Live state of the shared Lever rate limiter: one bucket per credential."""

    list_display = ("key", "tokens_left", "last_refill")
    search_fields = ("key",)
    readonly_fields = ("tokens_left", "last_refill")

    @admin.display(description="tokens left", ordering="tokens")
    def tokens_left(self, obj: RateLimitBucket) -> str:
        return f"{obj.tokens:.2f}"

    @admin.display(description="last refill", ordering="updated_at")
    def last_refill(self, obj: RateLimitBucket) -> datetime:
        return datetime.fromtimestamp(obj.updated_at, tz=UTC)
