"""The generated account: reference data built eagerly, opportunities as a compact index.

Build cost is linear in the number of opportunities and touches only the index fields (about
twenty Python objects each); full opportunity JSON and every child resource is generated on
demand from ``(seed, idx)`` by ``generate.opportunities`` and ``generate.children``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.lever_sandbox.generate import postings as posting_gen
from apps.lever_sandbox.generate import reference
from apps.lever_sandbox.generate.common import reference_epoch, year_month
from apps.lever_sandbox.generate.people import ContactRow
from apps.lever_sandbox.generate.postings import PostingMeta
from apps.lever_sandbox.generate.requisitions import build_requisitions

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class OppRow:
    """Index entry of one opportunity: exactly the fields list filters and ordering need."""

    idx: int  # generation number; -1 for opportunities created through the API (always overlaid)
    id: str
    contact: int
    created: int
    updated: int
    advanced: int
    stage: int  # position in ``Dataset.stages``
    posting: int  # position in ``Dataset.postings``; -1 for a lead without a posting
    reason: int  # position in ``Dataset.archive_reasons``; -1 when not archived
    archived_at: int
    confidential: bool
    origin: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    snoozed_until: int | None = None
    anonymized: bool = False
    deleted_at: int | None = None
    deleted_by: str | None = None


@dataclass
class Dataset:
    seed: int
    epoch: int
    company: dict[str, str]
    users: list[dict[str, Any]]
    stages: list[dict[str, str]]
    archive_reasons: list[dict[str, str]]
    postings: list[dict[str, Any]]
    posting_meta: list[PostingMeta]
    requisitions: list[dict[str, Any]]
    requisition_fields: list[dict[str, Any]]
    feedback_templates: list[dict[str, Any]]
    form_templates: list[dict[str, Any]]
    contacts: list[ContactRow] = field(default_factory=list)
    rows: list[OppRow] = field(default_factory=list)
    user_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    stage_pos: dict[str, int] = field(default_factory=dict)
    reason_pos: dict[str, int] = field(default_factory=dict)
    posting_pos: dict[str, int] = field(default_factory=dict)
    recruiters: list[dict[str, Any]] = field(default_factory=list)
    interviewers: list[dict[str, Any]] = field(default_factory=list)
    admins: list[str] = field(default_factory=list)

    @property
    def epoch_year(self) -> int:
        return year_month(self.epoch)[0]

    def reindex(self) -> None:
        """Rebuild the lookup maps after reference lists changed."""
        self.user_by_id = {u["id"]: u for u in self.users}
        self.stage_pos = {s["id"]: n for n, s in enumerate(self.stages)}
        self.reason_pos = {r["id"]: n for n, r in enumerate(self.archive_reasons)}
        self.posting_pos = {p["id"]: n for n, p in enumerate(self.postings)}


def build_dataset(seed: int, opportunities: int, progress: Progress | None = None) -> Dataset:
    """Generate the whole account for ``seed`` with ``opportunities`` opportunities."""
    from apps.lever_sandbox.generate.opportunities import build_index

    epoch = reference_epoch(seed)
    company = reference.build_company(seed)
    users = reference.build_users(seed, epoch, company)
    stages = reference.build_stages(seed)
    postings, meta = posting_gen.build_postings(
        seed, epoch, posting_gen.posting_count(opportunities), company, users
    )
    ds = Dataset(
        seed=seed,
        epoch=epoch,
        company=company,
        users=users,
        stages=stages,
        archive_reasons=reference.build_archive_reasons(seed),
        postings=postings,
        posting_meta=meta,
        requisitions=build_requisitions(seed, epoch, postings, users),
        requisition_fields=reference.build_requisition_fields(),
        feedback_templates=reference.build_feedback_templates(seed, epoch, stages),
        form_templates=reference.build_form_templates(seed, epoch),
    )
    ds.reindex()
    ds.recruiters = [u for u in users if u["accessRole"] in ("super admin", "admin", "team member")]
    ds.interviewers = [u for u in users if u["deactivatedAt"] is None]
    ds.admins = [
        u["id"] for u in users if u["accessRole"] in ("super admin", "admin") and not u["deactivatedAt"]
    ]
    build_index(ds, opportunities, progress)
    _count_hires(ds)
    return ds


def _count_hires(ds: Dataset) -> None:
    hired = {n for n, r in enumerate(ds.archive_reasons) if r["type"] == "hired"}
    per_posting: dict[str, int] = {}
    for row in ds.rows:
        if row.reason in hired and row.posting >= 0 and row.deleted_at is None:
            pid = ds.postings[row.posting]["id"]
            per_posting[pid] = per_posting.get(pid, 0) + 1
    for req in ds.requisitions:
        count = sum(per_posting.get(pid, 0) for pid in req["postings"])
        req["headcountHired"] = count
        if req["headcountTotal"] != "unlimited" and count > req["headcountTotal"]:
            req["headcountTotal"] = count
