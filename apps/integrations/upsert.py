"""MirrorWriter: write mapped Records of one connection into the mirror, in bulk and idempotently.

For each batch of one model: one query loads the rows that exist, foreign keys are resolved from
remote ids to primary keys, and only rows whose content hash changed are written (bulk create /
bulk update). An unchanged row costs no write and keeps its `changed_at`. Every real change is
recorded as a RecordChange, with personal data redacted to "changed".

The hash stored on a row covers the mapped content *and* how its references resolved, so a row whose
target arrives later (an application synced before its posting) is rewritten once the target exists.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connections as db_connections
from django.db import models, router, transaction
from django.utils import timezone

from apps.integrations.models import ChangeKind, Connection, RecordChange
from apps.integrations.records import Record, content_hash
from apps.integrations.signals import records_changed

# Values we never copy into RecordChange: we record that they changed, not what they were.
PII_FIELDS: dict[str, frozenset[str]] = {
    "candidates.Candidate": frozenset(
        {
            "name",
            "first_name",
            "last_name",
            "email",
            "emails",
            "phones",
            "links",
            "linkedin_url",
            "location",
            "headline",
            "current_title",
            "current_company",
        }
    ),
    "candidates.Application": frozenset({"answers"}),
    "candidates.Note": frozenset({"body"}),
    "candidates.Attachment": frozenset({"name", "parsed_positions", "parsed_schools", "extracted_text"}),
    "candidates.Scorecard": frozenset({"answers"}),
    "candidates.Offer": frozenset({"fields", "salary_amount"}),
    "integrations.AtsUser": frozenset({"email", "photo_url"}),
}
REDACTED = "changed"
BATCH_SIZE = 250  # keeps bulk statements well under SQLite's variable limit


@dataclass
class WriteResult:
    """Primary keys by remote id of the rows written or left unchanged, and what changed."""

    pks: dict[str, int] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


class MirrorWriter:
    def __init__(
        self,
        connection: Connection,
        *,
        source: str,
        sync_run_id: int | None = None,
        webhook_event_id: int | None = None,
        clock: Any = timezone.now,
    ) -> None:
        self.connection = connection
        self.source = source
        self.sync_run_id = sync_run_id
        self.webhook_event_id = webhook_event_id
        self.clock = clock
        # The write-back whose answer is being mirrored (set by the outbox): its changes are that action's echo.
        self.writeback_action_id: int | None = None
        self.stats: dict[str, Counter[str]] = defaultdict(Counter)
        self._pk_cache: dict[str, dict[str, int]] = defaultdict(dict)

    # -- public --------------------------------------------------------------------------------------

    def write(self, records: Iterable[Record]) -> dict[str, WriteResult]:
        """Upsert `records` (grouped by model in the order given) in one transaction per model."""
        grouped: dict[str, list[Record]] = {}
        for record in records:
            grouped.setdefault(record.model, []).append(record)
        results: dict[str, WriteResult] = {}
        for label, batch in grouped.items():
            result = WriteResult()
            for start in range(0, len(batch), BATCH_SIZE):
                chunk = _last_wins(batch[start : start + BATCH_SIZE])
                with transaction.atomic():
                    self._write_batch(apps.get_model(label), label, chunk, result)
            results[label] = result
        return results

    def mark_deleted(self, label: str, remote_ids: Iterable[str]) -> list[int]:
        """Set remote_deleted_at on alive rows with these remote ids; return their primary keys."""
        model = apps.get_model(label)
        ids = list(remote_ids)
        now = self.clock()
        pks: list[int] = []
        for start in range(0, len(ids), BATCH_SIZE):
            with transaction.atomic():
                rows = list(
                    self._rows(model)
                    .filter(remote_id__in=ids[start : start + BATCH_SIZE], remote_deleted_at=None)
                    .values_list("pk", "remote_id")
                )
                if not rows:
                    continue
                model.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                    remote_deleted_at=now, changed_at=now
                )
                self.record_changes(
                    model,
                    [
                        (pk, rid, ChangeKind.DELETED, {"remote_deleted_at": [None, now.isoformat()]})
                        for pk, rid in rows
                    ],
                )
                pks.extend(pk for pk, _ in rows)
        self.stats[label]["deleted"] += len(pks)
        return pks

    def sweep(self, label: str, seen: set[str], **scope: Any) -> list[int]:
        """Mark alive rows of `label` (within `scope`) that are not in `seen` as deleted in the ATS."""
        model = apps.get_model(label)
        alive = self._rows(model).filter(remote_deleted_at=None, **scope).values_list("remote_id", flat=True)
        missing = [remote_id for remote_id in alive.iterator(chunk_size=2000) if remote_id not in seen]
        return self.mark_deleted(label, missing) if missing else []

    def resolve(self, label: str, remote_ids: Iterable[str | None]) -> dict[str, int]:
        """Return primary keys for the remote ids of `label` that exist in this connection's mirror."""
        cache = self._pk_cache[label]
        wanted = {rid for rid in remote_ids if rid}
        missing = [rid for rid in wanted if rid not in cache]
        if missing:
            model = apps.get_model(label)
            for start in range(0, len(missing), BATCH_SIZE):
                cache.update(
                    self._rows(model)
                    .filter(remote_id__in=missing[start : start + BATCH_SIZE])
                    .values_list("remote_id", "pk")
                )
            if len(cache) > 200_000:  # bound memory on huge accounts; the DB is the source of truth
                self._pk_cache[label] = {rid: cache[rid] for rid in wanted if rid in cache}
                cache = self._pk_cache[label]
        return {rid: cache[rid] for rid in wanted if rid in cache}

    # -- one batch -----------------------------------------------------------------------------------

    def _rows(self, model: type[models.Model]) -> models.QuerySet:
        return model._base_manager.filter(connection=self.connection)

    def _write_batch(
        self, model: type[models.Model], label: str, batch: list[Record], result: WriteResult
    ) -> None:
        existing = {
            row.remote_id: row for row in self._rows(model).filter(remote_id__in=[r.remote_id for r in batch])
        }
        refs = self._resolve_refs(model, batch)
        many = self._resolve_many(model, batch)
        now = self.clock()
        creates: list[tuple[dict[str, Any], Record]] = []
        updates: list[tuple[models.Model, Record, dict[str, Any], str]] = []
        for record in batch:
            fk_values = {
                f"{name}_id": refs[name].get(rid) if rid else None for name, rid in record.refs.items()
            }
            m2m_values = {
                name: sorted(many[name].get(rid) for rid in ids if rid in many[name])
                for name, ids in record.many.items()
            }
            digest = content_hash({"record": record.content_hash(), "fk": fk_values, "m2m": m2m_values})
            deleted_at = now if record.deleted else None
            row = existing.get(record.remote_id)
            if row is None:
                if _missing_required(model, fk_values):
                    self.stats[label]["skipped"] += 1
                    continue
                values = {
                    "workspace_id": self.connection.workspace_id,
                    "connection_id": self.connection.pk,
                    "remote_id": record.remote_id,
                    "remote_data": record.remote_data,
                    "content_hash": digest,
                    "changed_at": now,
                    "remote_deleted_at": deleted_at,
                    **record.fields,
                    **fk_values,
                }
                creates.append((values, record))
                continue
            result.pks[record.remote_id] = row.pk
            revived = row.remote_deleted_at is not None and not record.deleted
            if row.content_hash == digest and not revived:
                self.stats[label]["unchanged"] += 1
                continue
            diff = _diff(row, {**record.fields, **fk_values}, PII_FIELDS.get(label, frozenset()))
            for name, value in {**record.fields, **fk_values}.items():
                setattr(row, name, value)
            if record.deleted and row.remote_deleted_at is None:
                row.remote_deleted_at, kind = now, ChangeKind.DELETED
            elif revived:
                row.remote_deleted_at, kind = None, ChangeKind.REVIVED
            else:
                kind = ChangeKind.UPDATED
            row.remote_data, row.content_hash, row.changed_at = record.remote_data, digest, now
            updates.append((row, record, diff, kind))

        created: list[tuple[int, Record]] = []
        if creates:
            insert_values(model, [values for values, _ in creates])
            created_pks = dict(
                self._rows(model)
                .filter(remote_id__in=[r.remote_id for _, r in creates])
                .values_list("remote_id", "pk")
            )
            created = [(created_pks[record.remote_id], record) for _, record in creates]
            for pk, record in created:
                result.pks[record.remote_id] = pk
                result.created.append(pk)
                self._pk_cache[label][record.remote_id] = pk
            self.stats[label]["created"] += len(created)
        if updates:
            fields = sorted(
                {name for _, record, _, _ in updates for name in (*record.fields, *_fk_names(record))}
                | {"remote_data", "content_hash", "changed_at", "remote_deleted_at"}
            )
            model._base_manager.bulk_update([row for row, _, _, _ in updates], fields)
            result.updated.extend(row.pk for row, _, _, _ in updates)
            self.stats[label]["updated"] += sum(1 for *_, kind in updates if kind == ChangeKind.UPDATED)
            self.stats[label]["deleted"] += sum(1 for *_, kind in updates if kind == ChangeKind.DELETED)
            self.stats[label]["revived"] += sum(1 for *_, kind in updates if kind == ChangeKind.REVIVED)
        many_diffs = self._write_many(
            model, [*created, *((row.pk, record) for row, record, _, _ in updates)], many
        )
        self.record_changes(
            model,
            [(pk, record.remote_id, ChangeKind.CREATED, {}) for pk, record in created]
            + [
                (row.pk, record.remote_id, kind, {**diff, **many_diffs.get(row.pk, {})})
                for row, record, diff, kind in updates
            ],
        )

    def _resolve_refs(self, model: type[models.Model], batch: list[Record]) -> dict[str, dict[str, int]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for record in batch:
            for name, rid in record.refs.items():
                if rid:
                    wanted[name].add(rid)
        return {name: self.resolve(_related_label(model, name), ids) for name, ids in wanted.items()}

    def _resolve_many(self, model: type[models.Model], batch: list[Record]) -> dict[str, dict[str, int]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for record in batch:
            for name, ids in record.many.items():
                wanted[name].update(ids)
        return {name: self.resolve(_related_label(model, name), ids) for name, ids in wanted.items()}

    def _write_many(
        self,
        model: type[models.Model],
        rows: list[tuple[int, Record]],
        many: dict[str, dict[str, int]],
    ) -> dict[int, dict[str, list[list[int]]]]:
        """Make each row's many-to-many sets equal to the mapped ones, with one query per field.

        Return what changed per row, e.g. {12: {"tags": [[old tag pks], [new tag pks]]}}.
        """
        diffs: dict[int, dict[str, list[list[int]]]] = defaultdict(dict)
        for name, pk_by_remote in many.items():
            field_ = model._meta.get_field(name)
            through = field_.remote_field.through
            source, target = field_.m2m_field_name(), field_.m2m_reverse_field_name()
            desired = {
                pk: {pk_by_remote[rid] for rid in record.many[name] if rid in pk_by_remote}
                for pk, record in rows
                if name in record.many  # a record that does not map this field leaves it alone
            }
            current: dict[int, set[int]] = defaultdict(set)
            for src, dst in through.objects.filter(**{f"{source}_id__in": list(desired)}).values_list(
                f"{source}_id", f"{target}_id"
            ):
                current[src].add(dst)
            removals = [(src, dst) for src, dsts in current.items() for dst in dsts - desired.get(src, set())]
            for src, dst in removals:
                through.objects.filter(**{f"{source}_id": src, f"{target}_id": dst}).delete()
            through.objects.bulk_create(
                [
                    through(**{f"{source}_id": src, f"{target}_id": dst})
                    for src, dsts in desired.items()
                    for dst in dsts - current.get(src, set())
                ]
            )
            for src, dsts in desired.items():
                before = current.get(src, set())
                if dsts != before:
                    diffs[src][name] = [sorted(before), sorted(dsts)]
        return diffs

    def record_changes(
        self, model: type[models.Model], changes: list[tuple[int, str, str, dict[str, Any]]]
    ) -> None:
        if not changes:
            return
        content_type = ContentType.objects.get_for_model(model)
        records_changed.send(sender=model, writer=self, changes=changes)
        insert_values(
            RecordChange,
            [
                {
                    "workspace_id": self.connection.workspace_id,
                    "connection_id": self.connection.pk,
                    "content_type_id": content_type.pk,
                    "object_id": pk,
                    "remote_id": remote_id,
                    "kind": kind,
                    "fields": fields,
                    "source": self.source,
                    "sync_run_id": self.sync_run_id,
                    "webhook_event_id": self.webhook_event_id,
                }
                for pk, remote_id, kind, fields in changes
            ],
        )


# -- helpers --------------------------------------------------------------------------------------------


def insert_values(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value} with one prepared statement (executemany).

    bulk_create builds model instances and compiles every value of every row into one statement,
    which was most of a first import's write time. Here each value is still prepared by its own
    field (JSON, datetimes), missing ones take the field's default, and auto_now fields get "now".
    """
    if not rows:
        return
    connection = db_connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    prepared = [
        [
            f.get_db_prep_save(row[f.attname] if f.attname in row else defaults[f.attname], connection)
            for f in fields
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def _last_wins(batch: list[Record]) -> list[Record]:
    """Keep one record per remote id (the last), e.g. a person seen on two opportunities of one page."""
    by_id = {record.remote_id: record for record in batch}
    return list(by_id.values())


def _fk_names(record: Record) -> list[str]:
    return [f"{name}_id" for name in record.refs]


def _related_label(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).related_model._meta.label


def _missing_required(model: type[models.Model], fk_values: dict[str, int | None]) -> bool:
    """True when a non-nullable foreign key could not be resolved (the row cannot exist yet)."""
    return any(
        value is None and not model._meta.get_field(name[:-3]).null for name, value in fk_values.items()
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _diff(row: models.Model, new: dict[str, Any], pii: frozenset[str]) -> dict[str, Any]:
    """Return {field: [old, new]} for fields whose value changes; personal fields say only "changed"."""
    changes: dict[str, Any] = {}
    for name, value in new.items():
        old = getattr(row, name)
        if old == value:
            continue
        changes[name] = REDACTED if name in pii else [_jsonable(old), _jsonable(value)]
    return changes
