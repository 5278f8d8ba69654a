"""What every full page shows about the workspace's Lever connection: the re-authorisation banner and
whether a sync runs (the sync strip).

Every full page asks, and the answer changes only when a connection or a sync run does, so it is kept
in the cache per workspace. It is forgotten whenever a `Connection` or `SyncRun` row is saved or
deleted (the receivers below) and where a run's status moves by `QuerySet.update()` (sync_runs.py
calls `forget_alerts`). Anything else that writes those tables behind the ORM's back (a raw SQL fix,
an admin's bulk update) shows within `ALERTS_SECONDS`.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from apps.integrations.models import Connection, ConnectionStatus, SyncKind, SyncRun, SyncStatus

ALERTS_SECONDS = 15


def alerts_key(workspace_id: int) -> str:
    return f"integrations:alerts:v1:{workspace_id}"


def forget_alerts(workspace_id: int) -> None:
    """Drop the kept answer now and again when the transaction commits.

    Now, so this request sees its own change; at commit, because a page rendered meanwhile may have
    kept the answer from before the change, which other connections read until the commit.
    """
    key = alerts_key(workspace_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def connection_alerts(workspace: Any) -> tuple[Connection | None, bool]:
    """Return the workspace's connection needing re-authorisation, and whether one of its syncs runs.

    The same answers as `selectors.connection_needing_reauth` and `sync_strip_for`. From the cache
    when kept; the connection itself is read only when one needs re-authorising (rare).
    """
    key = alerts_key(workspace.pk)
    kept = cache.get(key)
    if kept is None:
        reauth, syncing = read_connection_alerts(workspace)
        cache.set(key, (reauth.pk if reauth else None, syncing), ALERTS_SECONDS)
        return reauth, syncing
    reauth_pk, syncing = kept
    if reauth_pk is None:
        return None, syncing
    reauth = (
        Connection.objects.for_workspace(workspace)
        .filter(pk=reauth_pk, status=ConnectionStatus.NEEDS_REAUTH)
        .first()
    )
    return reauth, syncing


def read_connection_alerts(workspace: Any) -> tuple[Connection | None, bool]:
    """One query for both: the connections that need re-authorising or have a full or delta sync running."""
    running = SyncRun.objects.filter(
        workspace_id=OuterRef("workspace_id"),
        connection_id=OuterRef("pk"),
        status=SyncStatus.RUNNING,
        kind__in=(SyncKind.FULL, SyncKind.DELTA),
    )
    rows = list(
        Connection.objects.for_workspace(workspace)
        .annotate(syncing=Exists(running))
        .filter(Q(status=ConnectionStatus.NEEDS_REAUTH) | Q(syncing=True))
        .order_by("-status_changed_at")
    )
    reauth = next((row for row in rows if row.status == ConnectionStatus.NEEDS_REAUTH), None)
    return reauth, any(row.syncing for row in rows)  # type: ignore[attr-defined]


def _forget_for_row(sender: Any, instance: Connection | SyncRun, **kwargs: Any) -> None:
    if instance.workspace_id is not None:
        forget_alerts(instance.workspace_id)


def connect_receivers() -> None:
    """Forget the kept alerts whenever a connection or a sync run is saved or deleted (AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    for model in (Connection, SyncRun):
        post_save.connect(_forget_for_row, sender=model, dispatch_uid=f"alerts-save-{model.__name__}")
        post_delete.connect(_forget_for_row, sender=model, dispatch_uid=f"alerts-delete-{model.__name__}")
