"""Read models for the integrations pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.accounts.models import Workspace
from apps.integrations.models import Connection, SyncRun, WebhookEvent, WritebackAction


def connection_list(*, workspace: Workspace) -> QuerySet[Connection]:
    return (
        Connection.objects.for_workspace(workspace)
        .select_related("writeback_user")
        .order_by("status", "-created_at")
    )


def connection_health(*, connection: Connection) -> dict[str, object]:
    """Recent runs, outbox counts per status and recent webhook deliveries for the health panel."""
    outbox = dict(
        WritebackAction.objects.filter(connection=connection)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "sync_runs": SyncRun.objects.filter(connection=connection).order_by("-created_at")[:10],
        "outbox_counts": outbox,
        "webhook_events": WebhookEvent.objects.filter(connection=connection).order_by("-created_at")[:10],
    }
