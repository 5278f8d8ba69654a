"""Read models for the integrations pages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.integrations.catalog import catalog_entry
from apps.integrations.models import (
    AuthType,
    Connection,
    ConnectionStatus,
    SyncRun,
    SyncStatus,
    WebhookEvent,
    WritebackAction,
    WritebackStatus,
)

logger = logging.getLogger(__name__)

# LEVER_API.md §2.3: a refresh token dies after 90 days unused or one year after the grant.
REFRESH_TOKEN_IDLE_LIFETIME = timedelta(days=90)
REFRESH_TOKEN_LIFETIME = timedelta(days=365)
CONFIDENTIAL_SCOPE = "confidential:access:admin"
LAST_CHECK_KEY = "recruitdesk:connection-check:{pk}"


def connection_list(*, workspace: Workspace) -> QuerySet[Connection]:
    return (
        Connection.objects.for_workspace(workspace)
        .select_related("writeback_user")
        .order_by("status", "-created_at")
    )


def connection_needing_reauth(*, workspace: Workspace | None) -> Connection | None:
    """Return the workspace's connection that Lever stopped accepting, for the banner on every page."""
    if workspace is None:
        return None
    return (
        Connection.objects.for_workspace(workspace)
        .filter(status=ConnectionStatus.NEEDS_REAUTH)
        .order_by("-status_changed_at")
        .first()
    )


def workspace_integration_managers(*, workspace: Workspace) -> list[str]:
    """Return who may reconnect (owners and admins), for members who cannot do it themselves."""
    from apps.accounts.roles import Role

    return list(
        workspace.memberships.filter(role__in=(Role.OWNER, Role.ADMIN))
        .select_related("user")
        .order_by("role", "user__email")
        .values_list("user__email", flat=True)
    )


@dataclass(frozen=True)
class TokenHealth:
    last_refreshed_at: datetime | None
    access_expires_at: datetime | None
    idle_expires_at: datetime | None  # 90 days after the last refresh
    absolute_expires_at: datetime | None  # one year after the grant
    next_proactive_refresh: datetime | None

    @property
    def expires_at(self) -> datetime | None:
        dates = [d for d in (self.idle_expires_at, self.absolute_expires_at) if d]
        return min(dates) if dates else None


def token_health(connection: Connection) -> TokenHealth | None:
    """Return the OAuth token countdowns, or None for API-key connections (keys do not expire)."""
    from apps.integrations.lifecycle import REFRESH_WHEN_IDLE

    if connection.auth_type != AuthType.OAUTH or not connection.refresh_token:
        return None
    last = connection.refresh_token_issued_at or connection.connected_at
    granted = connection.connected_at
    return TokenHealth(
        last_refreshed_at=last,
        access_expires_at=connection.access_token_expires_at,
        idle_expires_at=last + REFRESH_TOKEN_IDLE_LIFETIME if last else None,
        absolute_expires_at=granted + REFRESH_TOKEN_LIFETIME if granted else None,
        next_proactive_refresh=last + REFRESH_WHEN_IDLE if last else None,
    )


def scope_health(connection: Connection) -> dict[str, Any]:
    """Compare the scopes Lever granted with those the catalog says Recruitdesk needs."""
    entry = catalog_entry(connection.provider)
    needed = list(entry.required_scopes) if entry else []
    granted = list(connection.scopes or [])
    if connection.auth_type == AuthType.OAUTH:
        confidential: bool | None = CONFIDENTIAL_SCOPE in granted
    else:
        confidential = last_check(connection).get("confidential_access")
    return {
        "needed": needed,
        "granted": granted,
        "missing": [scope for scope in needed if scope not in granted],
        "applies": connection.auth_type == AuthType.OAUTH,
        "confidential_access": confidential,
    }


def remember_check(connection: Connection, *, ok: bool, message: str, confidential: bool | None) -> None:
    """Keep the last Test connection result a week, so the panel can say what it found."""
    value = {"ok": ok, "message": message, "confidential_access": confidential, "at": timezone.now()}
    cache.set(LAST_CHECK_KEY.format(pk=connection.pk), value, timeout=7 * 86_400)


def last_check(connection: Connection) -> dict[str, Any]:
    return cache.get(LAST_CHECK_KEY.format(pk=connection.pk)) or {}


def last_sync_per_resource(connection: Connection, *, runs: int = 30) -> list[dict[str, Any]]:
    """Return, per mirrored model, the last successful run that touched it and what it counted."""
    from django.apps import apps

    seen: dict[str, dict[str, Any]] = {}
    finished = SyncRun.objects.filter(connection=connection, status=SyncStatus.SUCCEEDED).order_by(
        "-finished_at"
    )[:runs]
    for run in finished:
        for label, counts in run.stats.items():
            if label == "requests" or label in seen:
                continue
            try:
                name = apps.get_model(label)._meta.verbose_name_plural
            except (LookupError, ValueError):
                name = label
            seen[label] = {
                "name": str(name).capitalize(),
                "at": run.finished_at,
                "run": run,
                "counts": counts,
            }
    return sorted(seen.values(), key=lambda row: row["name"])


def next_scheduled_run(connection: Connection) -> Any:
    """Return the connection's django-q2 schedule that runs next, or None."""
    from django_q.models import Schedule

    from apps.integrations.schedules import PREFIX

    return (
        Schedule.objects.filter(name__startswith=f"{PREFIX}connection:{connection.pk}:")
        .exclude(name__endswith=":writeback")
        .order_by("next_run")
        .first()
    )


def webhook_health(connection: Connection) -> dict[str, Any]:
    """Return webhook delivery counts from the webhook module, or from the inbox while it is missing."""
    try:
        from apps.integrations.webhook_registration import webhook_stats
    except ImportError:
        webhook_stats = None
    if webhook_stats is not None:
        try:
            return dict(webhook_stats(connection))
        except Exception:  # noqa: BLE001 - the panel must render even if the stats fail
            logger.exception("webhook stats for connection %s failed", connection.pk)
    since = timezone.now() - timedelta(hours=24)
    recent = WebhookEvent.objects.filter(connection=connection, created_at__gte=since)
    last = WebhookEvent.objects.filter(connection=connection).order_by("-created_at").first()
    return {
        "url": "",
        "received_24h": recent.count(),
        "failed_24h": recent.filter(status="failed").count(),
        "rejected_24h": recent.filter(status="rejected").count(),
        "last_received_at": last.created_at if last else None,
        "registered_events": [],
    }


def connection_health(*, connection: Connection) -> dict[str, object]:
    """Everything the health panel shows about one connection."""
    from apps.integrations.progress import sync_progress
    from apps.integrations.request_budget import daily_request_allowance, requests_used_today

    outbox = dict(
        WritebackAction.objects.filter(connection=connection)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    used, allowance = requests_used_today(connection.pk), daily_request_allowance()
    return {
        "sync_runs": SyncRun.objects.filter(connection=connection).order_by("-created_at")[:10],
        "outbox_counts": outbox,
        "writebacks_pending": outbox.get(WritebackStatus.PENDING, 0)
        + outbox.get(WritebackStatus.AWAITING_APPROVAL, 0),
        "writebacks_failed": outbox.get(WritebackStatus.FAILED, 0),
        "webhook_events": WebhookEvent.objects.filter(connection=connection).order_by("-created_at")[:10],
        "webhooks": webhook_health(connection),
        "tokens": token_health(connection),
        "scopes": scope_health(connection),
        "last_check": last_check(connection),
        "resources": last_sync_per_resource(connection),
        "next_run": next_scheduled_run(connection),
        "budget": {"used": used, "allowance": allowance, "percent": round(100 * used / allowance, 2)},
        "progress": sync_progress(connection),
    }


@dataclass(frozen=True)
class DisconnectPlan:
    writebacks_to_cancel: int
    webhooks_to_delete: int
    has_tokens: bool
    schedules: int
    records_kept: dict[str, int]


def connection_disconnect_plan(connection: Connection) -> DisconnectPlan:
    """Count exactly what a disconnect would do, for the confirmation page."""
    from django_q.models import Schedule

    from apps.candidates.models import Application, Candidate
    from apps.integrations.schedules import PREFIX
    from apps.jobs.models import Job

    return DisconnectPlan(
        writebacks_to_cancel=WritebackAction.objects.filter(
            connection=connection,
            status__in=(WritebackStatus.AWAITING_APPROVAL, WritebackStatus.PENDING),
        ).count(),
        webhooks_to_delete=connection.lever_webhooks.count() if hasattr(connection, "lever_webhooks") else 0,
        has_tokens=connection.has_credentials,
        schedules=Schedule.objects.filter(name__startswith=f"{PREFIX}connection:{connection.pk}:").count(),
        records_kept={
            "jobs": Job.objects.for_connection(connection).alive().count(),
            "candidates": Candidate.objects.for_connection(connection).alive().count(),
            "applications": Application.objects.for_connection(connection).alive().count(),
        },
    )
