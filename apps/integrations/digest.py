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


def row_columns(model: type[models.Model]) -> list[str]:
    """The columns of `model_rows`' tuples, in order (many-to-many lists follow them)."""
    columns: list[str] = ["remote_id"]
    for field in model._meta.concrete_fields:
        if field.name in IGNORED or field.name == "remote_id":
            continue
        columns.append(f"{field.name}__remote_id" if field.is_relation else field.name)
    return [*columns, "deleted"]


def model_rows(model: type[models.Model], connection: Connection) -> list[tuple[Any, ...]]:
    """Return the sorted mapped values of every row of `model` in `connection`'s mirror."""
    columns = row_columns(model)
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


def corrupted_rows(connection: Connection, reference_rows: dict[str, set[tuple[Any, ...]]]) -> dict[str, int]:
    """Count, per model, rows of `connection`'s mirror that no row of a fault-free mirror equals.

    `reference_rows`: {model label: set of `model_rows`} of the fault-free mirror. A resume or file
    whose download an interrupted run did not reach yet (`text_extracted_at` empty: the next run
    fetches it) is compared without its extracted text: pending, not corrupted.
    """
    out: dict[str, int] = {}
    for model in mirrored_models():
        label = model._meta.label
        extra = set(model_rows(model, connection)) - reference_rows[label]
        if extra and label == "candidates.Attachment":
            extra = _not_pending(model, connection, extra, reference_rows[label])
        if extra:
            out[label] = len(extra)
    return out


def _not_pending(
    model: type[models.Model],
    connection: Connection,
    rows: set[tuple[Any, ...]],
    reference: set[tuple[Any, ...]],
) -> set[tuple[Any, ...]]:
    """The rows that differ from their fault-free row in more than the text of a download still to come."""
    text = row_columns(model).index("extracted_text")
    pending = set(
        model._base_manager.filter(connection=connection, text_extracted_at__isnull=True).values_list(
            "remote_id", flat=True
        )
    )
    by_remote = {row[0]: row for row in reference}

    def blank(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*row[:text], "", *row[text + 1 :])

    return {
        row
        for row in rows
        if not (row[0] in pending and row[0] in by_remote and blank(row) == blank(by_remote[row[0]]))
    }


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
