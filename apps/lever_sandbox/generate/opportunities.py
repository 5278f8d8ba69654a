"""Opportunities: the compact index built up front and the full JSON generated from one row."""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from apps.lever_sandbox import words
from apps.lever_sandbox.generate import people
from apps.lever_sandbox.generate.applications import application_id
from apps.lever_sandbox.generate.common import DAY, HOUR, WEB_BASE, new_uuid, rng_for, weighted
from apps.lever_sandbox.generate.dataset import Dataset, OppRow, Progress
from apps.lever_sandbox.generate.reference import APPLICANT_NEW, OFFER

REPEAT_CONTACT = 0.15  # share of opportunities that belong to a person seen before
LEAD_SHARE = 0.16  # share of opportunities without a posting
LEAD_ORIGINS = {"sourced": 70, "referred": 8, "agency": 8, "university": 8, "internal": 6}
APPLICANT_ORIGINS = {
    "applied": 55,
    "sourced": 20,
    "referred": 12,
    "agency": 6,
    "university": 4,
    "internal": 3,
}
LEAD_REASONS = ("Unresponsive", "Timing", "Withdrew", "Duplicate", "Not a fit (legacy)", "Location mismatch")
APPLICANT_REASONS = (
    "Underqualified",
    "Overqualified",
    "Withdrew",
    "Unresponsive",
    "Position filled",
    "Compensation mismatch",
    "Location mismatch",
    "Timing",
    "Not a fit (legacy)",
)


class _Pools(NamedTuple):
    open_postings: list[int]
    by_family: dict[int, list[int]]
    lead_reasons: list[int]
    applicant_reasons: list[int]
    hired: list[int]
    declined: int


def build_index(ds: Dataset, count: int, progress: Progress | None = None) -> None:
    """Append ``count`` opportunity rows (and their contacts) to ``ds``."""
    rng = rng_for(ds.seed, "index")
    reasons = {r["text"]: n for n, r in enumerate(ds.archive_reasons)}
    open_postings = [
        n for n, p in enumerate(ds.postings) if p["state"] in ("published", "internal", "closed")
    ]
    by_family: dict[int, list[int]] = {}
    for n in open_postings:
        by_family.setdefault(ds.posting_meta[n].family, []).append(n)
    pools = _Pools(
        open_postings,
        by_family,
        [reasons[t] for t in LEAD_REASONS],
        [reasons[t] for t in APPLICANT_REASONS],
        [reasons["Hired"]] * 17 + [reasons["Hired - internal transfer"], reasons["Hired (legacy)"]] * 2,
        reasons["Offer declined"],
    )
    taken_emails: set[str] = set()
    step = max(1, count // 20)
    for i in range(count):
        if progress and i % step == 0:
            progress(i, count)
        contact = None
        if len(ds.contacts) >= 5 and rng.random() < REPEAT_CONTACT:
            contact = ds.contacts[rng.randrange(len(ds.contacts))]
            if contact.anonymized:
                contact = None
        new_contact = contact is None
        if contact is None:
            p = people.profile(ds.seed, len(ds.contacts))
            emails = people.contact_emails(p, taken_emails)
            contact = people.ContactRow(len(ds.contacts), p.id, p.name, emails, p.family)
            ds.contacts.append(contact)
        row = _row(ds, rng, i, contact, pools)
        if new_contact and row.reason >= 0 and rng.random() < 0.02:
            row.anonymized = contact.anonymized = True
            contact.name, contact.emails = "", ()
        if rng.random() < 0.01:
            row.deleted_at = min(ds.epoch, row.updated + rng.randrange(1, 20) * DAY)
            row.deleted_by = rng.choice(ds.admins)
        ds.rows.append(row)
    if progress:
        progress(count, count)


def _row(ds: Dataset, rng: random.Random, i: int, contact: people.ContactRow, pools: _Pools) -> OppRow:
    oid = new_uuid(rng)
    lead = rng.random() < LEAD_SHARE or not pools.open_postings
    posting = -1
    start, end = ds.epoch - 730 * DAY, ds.epoch
    if not lead:
        family_pool = pools.by_family.get(contact.family)
        posting = rng.choice(family_pool if family_pool and rng.random() < 0.7 else pools.open_postings)
        start, end = ds.postings[posting]["createdAt"], ds.posting_meta[posting].open_until
    if lead and ds.rows and rng.random() < 0.08:
        created = ds.rows[-1].created  # bulk-imported leads share a timestamp: exercises the id tie-break
    else:
        created = start + int(rng.random() * max(1, end - start))
    origin = weighted(rng, LEAD_ORIGINS if lead else APPLICANT_ORIGINS)
    first = 0 if lead or origin == "sourced" else APPLICANT_NEW
    closed = posting >= 0 and ds.postings[posting]["state"] == "closed"
    roll = rng.random()
    reason = -1
    if lead:
        stage = rng.choices((0, 1, 2), weights=(50, 30, 20))[0]
        if roll < 0.45:
            reason = rng.choice(pools.lead_reasons)
    elif roll < (0.1 if closed else 0.07):
        stage, reason = OFFER, rng.choice(pools.hired)
    else:
        weights = [max(1, 40 - 6 * (s - first)) for s in range(first, OFFER + 1)]
        stage = rng.choices(range(first, OFFER + 1), weights=weights)[0]
        if roll < (0.93 if closed else 0.55):
            offer_declined = stage == OFFER and rng.random() < 0.6
            reason = pools.declined if offer_declined else rng.choice(pools.applicant_reasons)
    horizon = min(ds.epoch, end + 45 * DAY)
    span = max(0, horizon - created)
    depth = max(0, stage - first)
    advanced = created + (min(span, int(depth * rng.uniform(2, 9) * DAY)) if depth else 0)
    archived_at = 0
    if reason >= 0:
        archived_at = min(horizon, advanced + rng.randrange(HOUR, 15 * DAY))
    updated = min(
        ds.epoch, max(advanced, archived_at) + (rng.randrange(0, 2 * DAY) if rng.random() < 0.6 else 0)
    )
    tags = tuple(rng.sample(words.TAGS, rng.choices((0, 1, 2, 3), weights=(45, 30, 17, 8))[0]))
    sources = tuple(rng.sample(words.SOURCES_BY_ORIGIN[origin], 1 if rng.random() < 0.85 else 2))
    snoozed = ds.epoch + rng.randrange(1, 30) * DAY if reason < 0 and rng.random() < 0.03 else None
    confidential = posting >= 0 and ds.postings[posting]["confidentiality"] == "confidential"
    return OppRow(
        i,
        oid,
        contact.idx,
        created,
        updated,
        advanced,
        stage,
        posting,
        reason,
        archived_at,
        confidential,
        origin,
        tags,
        sources,
        snoozed,
    )


def stage_path(rng: random.Random, first: int, current: int) -> list[int]:
    """Return the stage positions an opportunity went through, ending at ``current``."""
    first = min(first, current)
    middle = [s for s in range(first + 1, current) if rng.random() < 0.55]
    return [first, *middle, current] if current != first else [first]


def first_stage(row: OppRow) -> int:
    return 0 if row.posting < 0 or row.origin == "sourced" else APPLICANT_NEW


def opportunity_object(ds: Dataset, row: OppRow) -> dict[str, Any]:
    """Return the full opportunity for a generated row (writes keep their own copy as an overlay)."""
    rng = rng_for(ds.seed, "opp", row.idx)
    contact = ds.contacts[row.contact]
    owner = _recruiter(ds, rng, row.created)
    followers = sorted({owner, *(u["id"] for u in rng.sample(ds.interviewers, rng.randrange(0, 3)))})
    path = stage_path(rng, first_stage(row), row.stage)
    times = [row.created] + sorted(rng.randrange(row.created, row.advanced + 1) for _ in path[1:-1])
    if len(path) > 1:
        times.append(row.advanced)
    movers = [owner if rng.random() < 0.7 else _recruiter(ds, rng, t) for t in times]
    changes = [
        {"toStageId": ds.stages[s]["id"], "toStageIndex": s, "updatedAt": t, "userId": u}
        for s, t, u in zip(path, times, movers, strict=True)
    ]
    interaction = row.advanced + int(rng.random() * (row.updated - row.advanced))
    posting = ds.postings[row.posting] if row.posting >= 0 else None
    protection = None
    if rng.random() < 0.1:
        protection = {
            "store": {"allowed": True, "expiresAt": row.created + 730 * DAY},
            "contact": {"allowed": rng.random() < 0.7, "expiresAt": row.created + 365 * DAY},
        }
    opp: dict[str, Any] = {
        "id": row.id,
        "name": contact.name,
        "headline": "",
        "contact": contact.id,
        "emails": list(contact.emails),
        "phones": [],
        "confidentiality": "",
        "location": "",
        "links": [],
    }
    if not row.anonymized:
        p = people.profile(ds.seed, contact.idx)
        opp.update(
            headline=people.headline(p),
            phones=[dict(x) for x in p.phones],
            location=p.location,
            links=list(p.links),
        )
    opp.update(
        {
            "confidentiality": "confidential" if row.confidential else "non-confidential",
            "stage": ds.stages[row.stage]["id"],
            "stageChanges": changes,
            "archived": archived_object(ds, row),
            "tags": list(row.tags),
            "sources": list(row.sources),
            "origin": row.origin,
            "sourcedBy": owner if row.origin == "sourced" else None,
            "owner": owner,
            "followers": followers,
            "applications": [application_id(ds, row)] if posting else [],
            "createdAt": row.created,
            "updatedAt": row.updated,
            "lastInteractionAt": interaction,
            "lastAdvancedAt": row.advanced,
            "snoozedUntil": row.snoozed_until,
            "urls": {"list": f"{WEB_BASE}/candidates", "show": f"{WEB_BASE}/candidates/{row.id}"},
            "isAnonymized": row.anonymized,
            "dataProtection": protection,
            "opportunityLocation": posting["categories"]["location"] if posting else "unspecified",
        }
    )
    return opp


def archived_object(ds: Dataset, row: OppRow) -> dict[str, Any] | None:
    if row.reason < 0:
        return None
    return {"reason": ds.archive_reasons[row.reason]["id"], "archivedAt": row.archived_at}


def _recruiter(ds: Dataset, rng: random.Random, at: int) -> str:
    user = rng.choice(ds.recruiters)
    if user["deactivatedAt"] is not None and user["deactivatedAt"] < at:
        user = next(u for u in ds.recruiters if u["deactivatedAt"] is None)
    return user["id"]
