"""Versions of a workspace's tables, for what is cached until they change (duplicates.py, action_menus.py).

Per table, the workspace's row count, highest pk, newest `changed_at` (the sync sets it on every real
change and deletion, also where it writes in bulk and skips `updated_at`) and newest `updated_at` (any
save sets it): a row added, removed, changed by a sync or saved moves the version. All tables are read
in one query, compiled once per process (apps/core/precompiled.py), so a profile view pays one
query for both its caches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Count, Max, QuerySet, Value

from apps.candidates.models import Candidate, RejectionReason, Tag
from apps.core.precompiled import PrecompiledQuery
from apps.jobs.models import JobStage, Stage

# The tables each version covers: the people (duplicates) and what the action menus list.
PEOPLE_TABLES = {"people": Candidate}
MENU_TABLES = {"stages": Stage, "job_stages": JobStage, "reasons": RejectionReason, "tags": Tag}


@dataclass(frozen=True)
class WorkspaceVersions:
    people: str
    menus: str


def _table_version(model: type, label: str, workspace_id: int) -> QuerySet:
    """One row (none for an empty table): the label and what moves when the workspace's rows change."""
    return (
        model.objects.for_workspace(workspace_id)
        .order_by()
        .values("workspace_id")
        .annotate(
            label=Value(label, output_field=CharField()),
            n=Count("pk"),
            last=Max("pk"),
            changed=Max("changed_at"),
            updated=Max("updated_at"),
        )
        .values_list("label", "n", "last", "changed", "updated")
    )


def _versions(workspace_id: int) -> QuerySet:
    first, *rest = (
        _table_version(model, label, workspace_id)
        for label, model in {**PEOPLE_TABLES, **MENU_TABLES}.items()
    )
    return first.union(*rest, all=True)


# Compiled by the ORM once per process (its compile cost more than running it).
VERSIONS = PrecompiledQuery(_versions)


def _digest(rows: dict[str, tuple[str, ...]], labels: Any) -> str:
    seen = [(label, rows.get(label)) for label in labels]
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:32]


def workspace_versions(workspace_id: int) -> WorkspaceVersions:
    """Return the versions of the workspace's people and of its action menus' tables (one query)."""
    rows = {str(label): tuple(str(value) for value in rest) for label, *rest in VERSIONS.rows(workspace_id)}
    return WorkspaceVersions(people=_digest(rows, PEOPLE_TABLES), menus=_digest(rows, MENU_TABLES))
