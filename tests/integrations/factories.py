from __future__ import annotations

import time

import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from apps.integrations.models import (
    AtsUser,
    Connection,
    ConnectionStatus,
    LeverWebhook,
    RateLimitBucket,
    RecordChange,
    SyncKind,
    SyncRun,
    WebhookEvent,
    WritebackAction,
    WritebackKind,
)
from tests.accounts.factories import WorkspaceFactory


class ConnectionFactory(DjangoModelFactory):
    class Meta:
        model = Connection

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Lever account {n}")
    status = ConnectionStatus.ACTIVE
    api_key = factory.Sequence(lambda n: f"lever-api-key-{n:08d}")


class MirroredFactory(DjangoModelFactory):
    """Base for mirrored rows: same workspace as their connection, a fresh remote id."""

    class Meta:
        abstract = True

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    remote_id = factory.Faker("uuid4")


class AtsUserFactory(MirroredFactory):
    class Meta:
        model = AtsUser

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"lever-user{n}@example.com")
    access_role = "team member"


class SyncRunFactory(DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    kind = SyncKind.FULL


class WebhookEventFactory(DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    event = "candidateStageChange"
    dedupe_key = factory.Sequence(lambda n: f"delivery-{n}")
    payload = factory.LazyAttribute(lambda o: {"event": o.event, "data": {"opportunityId": "abc"}})


class WritebackActionFactory(DjangoModelFactory):
    class Meta:
        model = WritebackAction

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    kind = WritebackKind.ADD_TAG
    idempotency_key = factory.Sequence(lambda n: f"action-{n}")
    payload = {"tag": "Tier 1"}


class RecordChangeFactory(DjangoModelFactory):
    class Meta:
        model = RecordChange

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(AtsUser))
    object_id = 1
    kind = "updated"
    source = "full"
    fields = {"name": ["Old", "New"]}


class RateLimitBucketFactory(DjangoModelFactory):
    class Meta:
        model = RateLimitBucket

    key = factory.Sequence(lambda n: f"lever:connection:{n}")
    tokens = 20.0
    updated_at = factory.LazyFunction(time.time)


class LeverWebhookFactory(DjangoModelFactory):
    class Meta:
        model = LeverWebhook

    connection = factory.SubFactory(ConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    remote_id = factory.Faker("uuid4")
    event = "candidateStageChange"
    url = factory.LazyAttribute(
        lambda o: f"https://recruitdesk.example/webhooks/lever/{o.connection.webhook_token}/"
    )
