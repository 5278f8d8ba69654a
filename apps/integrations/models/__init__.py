from __future__ import annotations

from apps.integrations.models.ats_user import AtsUser
from apps.integrations.models.connection import (
    ALLOWED_TRANSITIONS,
    AuthType,
    Connection,
    ConnectionStatus,
    Environment,
    InvalidTransition,
    Provider,
)
from apps.integrations.models.lever_webhook import LeverWebhook
from apps.integrations.models.mirror import MirroredModel, MirroredQuerySet
from apps.integrations.models.outbox import WritebackAction, WritebackKind, WritebackSource, WritebackStatus
from apps.integrations.models.ratelimit import RateLimitBucket
from apps.integrations.models.sync import (
    ChangeKind,
    ChangeSource,
    RecordChange,
    SyncKind,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    WebhookEvent,
    WebhookStatus,
)
from apps.integrations.records import content_hash

__all__ = [
    "ALLOWED_TRANSITIONS",
    "AtsUser",
    "AuthType",
    "ChangeKind",
    "ChangeSource",
    "Connection",
    "ConnectionStatus",
    "Environment",
    "InvalidTransition",
    "LeverWebhook",
    "MirroredModel",
    "MirroredQuerySet",
    "Provider",
    "RateLimitBucket",
    "RecordChange",
    "SyncKind",
    "SyncRun",
    "SyncStatus",
    "SyncTrigger",
    "WebhookEvent",
    "WebhookStatus",
    "WritebackAction",
    "WritebackKind",
    "WritebackSource",
    "WritebackStatus",
    "content_hash",
]
