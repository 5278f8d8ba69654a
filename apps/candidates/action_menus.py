"""What a profile's action controls list: each job's pipeline, the rejection reasons, the tag names.

These are a workspace's reference data: only a sync (or an admin) changes them, yet every profile view
read them in three queries (and the profile is fetched before every action). They are kept in the
cache under the version of the four tables they come from (stages, job stages, reasons, tags; see
versions.py): a change to any of them moves it, and the next view reads the lists again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import router

from apps.candidates.actions import pipeline_stages_for_jobs, rejection_reasons
from apps.candidates.models import RejectionReason, Tag
from apps.candidates.versions import workspace_versions
from apps.jobs.models import Stage

CACHE_SECONDS = 15 * 60  # a bound on staleness should a write bypass both change times
MAX_TAG_SUGGESTIONS = 500
T = TypeVar("T")


def menus_version(workspace_id: int) -> str:
    """Return a version of the workspace's stages, pipelines, reasons and tags (one query)."""
    return workspace_versions(workspace_id).menus


def _key(workspace_id: int, version: str, name: str) -> str:
    return f"candidates:menus:v1:{workspace_id}:{version}:{name}"


def job_pipelines(workspace_id: int, job_ids: Iterable[int], version: str) -> dict[int, list[Stage]]:
    """`actions.pipeline_stages_for_jobs`, each job's list kept in the cache under `version`."""
    keys = {job_id: _key(workspace_id, version, f"pipeline:{job_id}") for job_id in set(job_ids)}
    kept = cache.get_many(list(keys.values()))
    missing = [job_id for job_id, key in keys.items() if key not in kept]
    if missing:
        loaded = pipeline_stages_for_jobs(workspace_id, missing)
        fresh = {keys[job_id]: [(s.pk, s.name) for s in stages] for job_id, stages in loaded.items()}
        cache.set_many(fresh, CACHE_SECONDS)
        kept.update(fresh)
    # As the query gives them: stages with their pk and name only (the rest loads if ever read).
    return {job_id: [_row(Stage, pair) for pair in kept[key]] for job_id, key in keys.items()}


def reasons(workspace_id: int, connection_id: int | None, version: str) -> list[RejectionReason]:
    """`actions.rejection_reasons` of one connection, kept in the cache under `version`."""
    pairs = cache.get_or_set(
        _key(workspace_id, version, f"reasons:{connection_id}"),
        lambda: [(r.pk, r.name) for r in rejection_reasons(workspace_id, connection_id)],
        CACHE_SECONDS,
    )
    return [_row(RejectionReason, pair) for pair in pairs]


def tag_names(workspace_id: int, version: str) -> list[str]:
    """The workspace's tag names for the "Add tag" suggestions, kept in the cache under `version`."""
    return cache.get_or_set(
        _key(workspace_id, version, "tags"), lambda: load_tag_names(workspace_id), CACHE_SECONDS
    )


def load_tag_names(workspace_id: int) -> list[str]:
    """The workspace's alive tag names, sorted, at most MAX_TAG_SUGGESTIONS (no cache)."""
    names = (
        Tag.objects.for_workspace(workspace_id)
        .alive()
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:MAX_TAG_SUGGESTIONS]
    )
    return list(names)


def _row(model: type[T], pair: tuple[int, str]) -> T:
    """A row with its pk and name loaded, as `.only("pk", "name")` gives it."""
    return model.from_db(router.db_for_read(model), ["id", "name"], pair)  # type: ignore[attr-defined]
