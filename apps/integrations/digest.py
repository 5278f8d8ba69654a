"""A digest of a connection's mirror: equal digests mean equal mirrored content.

Rows are compared by their mapped values, with foreign keys written as the remote ids they point at
and bookkeeping (primary keys, our timestamps, hashes that include primary keys) left out, so two
connections that mirror the same Lever account — or a resumed run and an uninterrupted one — can be
compared directly.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.apps import apps
from django.db import models

from apps.integrations.models import Connection, MirroredModel

IGNORED = frozenset(
    {
        "id",
        "workspace",
        "connection",
        "remote_data",
        "content_hash",
        "changed_at",
        "created_at",
        "updated_at",
        "children_synced_at",
        "text_extracted_at",
        "file",
        "remote_deleted_at",
    }
)


def mirrored_models() -> list[type[models.Model]]:
    return sorted((m for m in apps.get_models() if issubclass(m, MirroredModel)), key=lambda m: m._meta.label)


def model_rows(model: type[models.Model], connection: Connection) -> list[tuple[Any, ...]]:
    """Return the sorted mapped values of every row of `model` in `connection`'s mirror."""
    columns: list[str] = ["remote_id"]
    for field in model._meta.concrete_fields:
        if field.name in IGNORED or field.name == "remote_id":
            continue
        columns.append(f"{field.name}__remote_id" if field.is_relation else field.name)
    columns.append("deleted")
    queryset = model._base_manager.filter(connection=connection).annotate(
        deleted=models.ExpressionWrapper(
            models.Q(remote_deleted_at__isnull=False), output_field=models.BooleanField()
        )
    )
    rows = [tuple(_plain(value) for value in row) for row in queryset.values_list(*columns)]
    m2m = [f.name for f in model._meta.many_to_many if issubclass(f.related_model, MirroredModel)]
    if m2m:
        extra = {name: _m2m_map(model, connection, name) for name in m2m}
        by_remote = {row[0]: row for row in rows}
        rows = [
            (*row, *(tuple(sorted(extra[name].get(remote_id, ()))) for name in m2m))
            for remote_id, row in by_remote.items()
        ]
    return sorted(rows, key=lambda row: json.dumps(row, default=str))


def mirror_digest(connection: Connection) -> dict[str, str]:
    """Return {model label: sha256 of its rows} for every mirrored model."""
    digest = {}
    for model in mirrored_models():
        rows = model_rows(model, connection)
        digest[model._meta.label] = hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()
    return digest


def _m2m_map(model: type[models.Model], connection: Connection, name: str) -> dict[str, list[str]]:
    pairs = model._base_manager.filter(connection=connection).values_list("remote_id", f"{name}__remote_id")
    out: dict[str, list[str]] = {}
    for remote_id, target in pairs:
        if target is not None:
            out.setdefault(remote_id, []).append(target)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
