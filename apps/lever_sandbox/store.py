"""The sandbox's state: the generated dataset, its opportunity index and the overlays writes leave.

Reads never materialise more than the page they return: the index (``OppRow``) answers filters and
ordering, full objects are generated per row, and a row touched by a write keeps its current JSON
in ``overlay`` (plus a snapshot of how it was generated, so its children stay stable).
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

from apps.lever_sandbox.generate import children as child_gen
from apps.lever_sandbox.generate import interviews as interview_gen
from apps.lever_sandbox.generate import people
from apps.lever_sandbox.generate import resumes as resume_gen
from apps.lever_sandbox.generate.applications import application_object
from apps.lever_sandbox.generate.dataset import Dataset, OppRow, Progress, build_dataset
from apps.lever_sandbox.generate.opportunities import opportunity_object
from apps.lever_sandbox.query import OppQuery, matches, within

EmitHook = Callable[[str, dict[str, Any], str | None], None]
CHILD_KINDS = (
    "applications",
    "notes",
    "interviews",
    "panels",
    "feedback",
    "offers",
    "forms",
    "referrals",
    "resumes",
    "files",
)


class Store:
    """Hold the dataset and everything writes changed; every public method is thread-safe."""

    def __init__(self, seed: int = 42, opportunities: int = 200, progress: Progress | None = None) -> None:
        self.lock = threading.RLock()
        self.ds: Dataset = build_dataset(seed, opportunities, progress)
        self.emit: EmitHook = lambda event, data, origin: None
        self.overlay: dict[str, dict[str, Any]] = {}
        self.base: dict[str, tuple[OppRow, dict[str, Any]]] = {}
        self.contact_overlay: dict[int, dict[str, Any]] = {}
        self.added: dict[tuple[str, str], list[Any]] = {}
        self.replaced: dict[tuple[str, str], dict[str, Any]] = {}  # (opportunity id, child id) -> new JSON
        self._last_ms = 0
        self.by_id = {row.id: row for row in self.ds.rows}
        self.order = sorted(self.ds.rows, key=_sort_key)
        self.keys = [_sort_key(row) for row in self.order]
        self.email_contact: dict[str, int] = {}
        self.contact_rows: dict[int, list[OppRow]] = {}
        self.contact_by_id = {c.id: c.idx for c in self.ds.contacts}
        for row in self.ds.rows:
            self.contact_rows.setdefault(row.contact, []).append(row)
        for contact in self.ds.contacts:
            for email in contact.emails:
                self.email_contact[email.lower()] = contact.idx

    # ----------------------------------------------------------------------------------------------
    # Clock and lookups
    # ----------------------------------------------------------------------------------------------
    def now(self) -> int:
        """Return wall-clock ms for a write, strictly increasing so every write is a visible change."""
        with self.lock:
            self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
            return self._last_ms

    def row(self, opportunity_id: str) -> OppRow | None:
        """Return the live (not deleted) row of an opportunity id."""
        row = self.by_id.get(opportunity_id)
        return row if row is not None and row.deleted_at is None else None

    def user(self, user_id: str | None) -> dict[str, Any] | None:
        return self.ds.user_by_id.get(user_id or "")

    def posting(self, posting_id: str) -> dict[str, Any] | None:
        pos = self.ds.posting_pos.get(posting_id)
        return None if pos is None else self.ds.postings[pos]

    # ----------------------------------------------------------------------------------------------
    # Opportunities
    # ----------------------------------------------------------------------------------------------
    def opportunity(self, row: OppRow) -> dict[str, Any]:
        """Return the current JSON of an opportunity (a fresh copy the caller may change)."""
        with self.lock:
            current = self.overlay.get(row.id)
            return copy.deepcopy(current) if current is not None else opportunity_object(self.ds, row)

    def overlaid(self, row: OppRow) -> dict[str, Any]:
        """Return the stored, mutable JSON of an opportunity, materialising it on first write (hold ``lock``)."""
        current = self.overlay.get(row.id)
        if current is None:
            generated = opportunity_object(self.ds, row)
            self.base[row.id] = (dataclasses.replace(row), copy.deepcopy(generated))
            self.overlay[row.id] = current = generated
        return current

    def bump(self, row: OppRow, opp: dict[str, Any], at: int) -> None:
        """Record a change to a field in LEVER_API.md §8.8's list: move ``updatedAt`` (hold ``lock``)."""
        opp["updatedAt"] = row.updated = at
        opp["lastInteractionAt"] = at

    def insert_row(self, row: OppRow) -> None:
        """Add a new opportunity to the index, keeping the newest-first order (hold ``lock``)."""
        key = _sort_key(row)
        pos = bisect.bisect_left(self.keys, key)
        self.keys.insert(pos, key)
        self.order.insert(pos, row)
        self.by_id[row.id] = row
        self.ds.rows.append(row)
        self.contact_rows.setdefault(row.contact, []).append(row)

    def query(self, q: OppQuery, after: tuple[int, str] | None, limit: int) -> tuple[list[OppRow], bool]:
        """Return up to ``limit`` matching rows after the cursor ``(createdAt, id)`` and whether more exist."""
        with self.lock:
            candidates = self.order
            start = 0
            narrowed = self._narrow(q)
            if narrowed is not None:
                candidates = sorted(narrowed, key=_sort_key)
            if after is not None:
                cursor = (-after[0], after[1])
                start = (
                    bisect.bisect_right([_sort_key(r) for r in candidates], cursor)
                    if narrowed is not None
                    else bisect.bisect_right(self.keys, cursor)
                )
            found: list[OppRow] = []
            for row in candidates[start:] if start else candidates:
                if matches(row, q, self.ds):
                    found.append(row)
                    if len(found) > limit:
                        return found[:limit], True
            return found, False

    def _narrow(self, q: OppQuery) -> list[OppRow] | None:
        # Email and contact filters are lookups, not scans: a request for one person stays cheap at 100k.
        if not q.emails and not q.contact_ids:
            return None
        contacts = {self.email_contact.get(e) for e in q.emails} if q.emails else None
        if q.contact_ids:
            ids = {self.contact_by_id.get(c) for c in q.contact_ids}
            contacts = ids if contacts is None else contacts & ids
        return [r for c in contacts or () if c is not None for r in self.contact_rows.get(c, ())]

    def deleted(self, start: int | None, end: int | None) -> list[OppRow]:
        """Return deleted opportunities (newest deletion first) within the inclusive window."""
        with self.lock:
            rows = [r for r in self.ds.rows if r.deleted_at is not None and within(r.deleted_at, start, end)]
        return sorted(rows, key=lambda r: (-(r.deleted_at or 0), r.id))

    # ----------------------------------------------------------------------------------------------
    # Contacts
    # ----------------------------------------------------------------------------------------------
    def contact(self, idx: int) -> dict[str, Any]:
        with self.lock:
            return people.contact_object(self.ds.seed, self.ds.contacts[idx], self.contact_overlay.get(idx))

    def contact_overlaid(self, idx: int) -> dict[str, Any]:
        """Return the stored, mutable contact (with its ``links``), materialised on first write (hold ``lock``)."""
        current = self.contact_overlay.get(idx)
        if current is None:
            current = people.contact_object(self.ds.seed, self.ds.contacts[idx])
            rows = self.contact_rows.get(idx) or []
            current["links"] = list(self.opportunity(rows[0])["links"]) if rows else []
            self.contact_overlay[idx] = current
        return current

    # ----------------------------------------------------------------------------------------------
    # Children
    # ----------------------------------------------------------------------------------------------
    def children(self, row: OppRow, kind: str) -> list[Any]:
        """Return a child list (JSON dicts, or ``StoredFile`` for resumes/files), newest first."""
        with self.lock:
            current = self.opportunity(row) if kind == "applications" else None
            generated = self._generated(row, kind, current) if row.idx >= 0 else []
            if kind not in ("resumes", "files"):
                generated = [self.replaced.get((row.id, item["id"]), item) for item in generated]
            if kind == "interviews":
                added = [i for p in self.added.get((row.id, "panels"), []) for i in p["interviews"]]
            else:
                added = self.added.get((row.id, kind), [])
            added = copy.deepcopy(added)
            if current is not None:  # an application's archive state is its opportunity's
                for app in generated + added:
                    app["archived"] = copy.deepcopy(current["archived"])
            return added[::-1] + generated

    def _generated(self, row: OppRow, kind: str, current: dict[str, Any] | None) -> list[Any]:
        # Children come from the opportunity as generated, not as later writes left it, so their ids
        # and contents stay put when a sync re-reads them after a stage change.
        base_row, base_opp = self.base.get(row.id) or (row, None)
        ds = self.ds
        if kind == "applications":
            return [application_object(ds, base_row, current)] if base_row.posting >= 0 and current else []
        if kind == "resumes":
            return resume_gen.resumes(ds, base_row)
        if base_opp is None:
            base_opp = opportunity_object(ds, base_row)
        if kind in ("panels", "interviews", "feedback"):
            panels = interview_gen.panels(ds, base_row, base_opp)
            scorecards = interview_gen.feedback(ds, base_row, base_opp, panels)
            if kind == "feedback":
                return scorecards
            if kind == "panels":
                return panels
            interviews = [i for p in panels for i in p["interviews"]]
            return sorted(interviews, key=lambda i: (-i["createdAt"], i["id"]))
        if kind == "notes":
            first = (base_opp["name"] or "the candidate").split(" ")[0]
            skill = (resume_gen.skills_for(ds, base_row) or ["the role"])[0]
            return child_gen.notes(ds, base_row, base_opp, first, skill)
        if kind == "files":
            return resume_gen.files(ds, base_row, base_opp)
        return getattr(child_gen, kind)(ds, base_row, base_opp)

    def add_child(self, row: OppRow, kind: str, item: Any) -> None:
        with self.lock:
            self.added.setdefault((row.id, kind), []).append(item)

    def replace_child(self, row: OppRow, kind: str, item: dict[str, Any]) -> None:
        """Store a changed child (e.g. a note thread with a new comment) in place of its old JSON."""
        with self.lock:
            added = self.added.get((row.id, kind), [])
            for n, existing in enumerate(added):
                if existing["id"] == item["id"]:
                    added[n] = item
                    return
            self.replaced[(row.id, item["id"])] = copy.deepcopy(item)

    # ----------------------------------------------------------------------------------------------
    # Counts for /tags and /sources
    # ----------------------------------------------------------------------------------------------
    def label_counts(self, attr: str) -> list[dict[str, Any]]:
        """Return ``[{text, count}]`` for ``tags`` or ``sources`` over live opportunities."""
        counts: dict[str, int] = {}
        with self.lock:
            for row in self.ds.rows:
                if row.deleted_at is None:
                    for text in getattr(row, attr):
                        counts[text] = counts.get(text, 0) + 1
        return [{"text": text, "count": n} for text, n in sorted(counts.items())]


def _sort_key(row: OppRow) -> tuple[int, str]:
    return (-row.created, row.id)
