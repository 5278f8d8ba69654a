"""The ``GET /opportunities`` filter set and the index-row predicate that applies it."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.lever_sandbox.generate.dataset import Dataset, OppRow


@dataclass
class OppQuery:
    """Normalised ``GET /opportunities`` filters; ``None``/empty means "not filtered"."""

    confidentiality: str = "non-confidential"
    ranges: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # created/updated/...
    emails: set[str] = field(default_factory=set)
    contact_ids: set[str] = field(default_factory=set)
    postings: set[int] = field(default_factory=set)
    archived_postings: set[int] = field(default_factory=set)
    stages: set[int] = field(default_factory=set)
    reasons: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    origins: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)
    archived: bool | None = None
    snoozed: bool | None = None


RANGE_FIELDS = {
    "created": "created",
    "updated": "updated",
    "advanced": "advanced",
    "archived": "archived_at",
}


def within(value: int | None, start: int | None, end: int | None) -> bool:
    if value is None:
        return start is None and end is None
    return (start is None or value >= start) and (end is None or value <= end)


def matches(row: OppRow, q: OppQuery, ds: Dataset) -> bool:
    if row.deleted_at is not None:
        return False
    if q.confidentiality == "non-confidential" and row.confidential:
        return False
    if q.confidentiality == "confidential" and not row.confidential:
        return False
    for name, (start, end) in q.ranges.items():
        value = getattr(row, RANGE_FIELDS[name])
        if name == "archived" and row.reason < 0:
            value = None
        if not within(value, start, end):
            return False
    if q.archived is not None and (row.reason >= 0) != q.archived:
        return False
    if q.postings and row.posting not in q.postings:
        return False
    if q.archived_postings and (row.reason < 0 or row.posting not in q.archived_postings):
        return False
    if q.stages and row.stage not in q.stages:
        return False
    if q.reasons and row.reason not in q.reasons:
        return False
    if q.tags and not q.tags.intersection(row.tags):
        return False
    if q.origins and row.origin not in q.origins:
        return False
    if q.sources and not q.sources.intersection(row.sources):
        return False
    if q.snoozed is not None and (row.snoozed_until is not None) != q.snoozed:
        return False
    if q.locations:
        location = ds.postings[row.posting]["categories"]["location"] if row.posting >= 0 else None
        if location not in q.locations:
            return False
    return True
