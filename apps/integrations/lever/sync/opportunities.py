"""Opportunities (split into Candidates and Applications) and the deleted-opportunities list.

The listing is paged with Lever's offset tokens; the token after each written page is the run's
checkpoint, so a killed run resumes on the page it was at. A full listing that ran start to finish
in one go may sweep: applications it did not see are gone from Lever. A resumed listing did not see
the early pages, so it leaves deletions to Lever's explicit deleted list.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.candidates.models import Application, Candidate, ReasonType, RejectionReason
from apps.integrations.lever import mapping
from apps.integrations.lever.sync.context import SyncContext, WorkContext
from apps.integrations.lever.sync.reference import OVERLAP
from apps.integrations.privacy import wipe_personal_data
from apps.integrations.upsert import WriteResult

APPLICATION = "candidates.Application"
CANDIDATE = "candidates.Candidate"


def hired_reason_ids(ctx: WorkContext) -> set[str]:
    reasons = RejectionReason.objects.for_connection(ctx.connection).filter(reason_type=ReasonType.HIRED)
    return set(reasons.values_list("remote_id", flat=True))


def sync_opportunities(ctx: SyncContext, *, delta: bool) -> None:
    phase = "opportunities"
    if ctx.is_done(phase):
        return
    checkpoint = ctx.checkpoint
    resumed = bool(checkpoint.get("offset")) and checkpoint.get("phase") == phase
    checkpoint.setdefault("listing_started_at", timezone.now().isoformat())
    filters = {}
    since = ctx.delta_from
    if delta and since is not None:
        filters["updated_at_start"] = since - OVERLAP
    ctx.enter(phase)
    hired = hired_reason_ids(ctx)
    seen: set[str] = set()
    for page in ctx.client.opportunity_pages(offset=checkpoint.get("offset"), **filters):
        records = ctx.mapped(lambda item: mapping.map_opportunity(item, hired_reason_ids=hired), page.items)
        results = ctx.writer.write(records)
        wipe_newly_anonymised(ctx, results)
        seen.update(r.remote_id for r in records if r.model == APPLICATION)
        if page.next_offset:
            checkpoint["offset"] = page.next_offset
        ctx.progress.advance(len(page.items))
        ctx.beat()
    if not delta:
        if resumed:
            checkpoint["sweep_skipped"] = "the listing was resumed mid-way; Lever's deleted list covers it"
        else:
            gone = ctx.writer.sweep(APPLICATION, seen)
            forget_applications(ctx, gone, reason="not in Lever's complete opportunity list")
    ctx.complete(phase)


def sync_deleted(ctx: SyncContext, *, delta: bool) -> None:
    """Apply Lever's list of deleted opportunities (all of it in a full run, recent ones in a delta)."""
    phase = "deleted"
    if ctx.is_done(phase):
        return
    ctx.enter(phase)
    ctx.checkpoint.setdefault("deletions_started_at", timezone.now().isoformat())
    since = ctx.connection.deletions_synced_through if delta else None
    deleted = ctx.client.iter_deleted_opportunities(deleted_at_start=since - OVERLAP if since else None)
    ids = [item["id"] for item in deleted if item.get("id")]
    gone = ctx.writer.mark_deleted(APPLICATION, ids)
    forget_applications(ctx, gone, reason="deleted in Lever")
    ctx.progress.advance(len(ids))
    ctx.complete(phase)


def listing_started_at(ctx: SyncContext, key: str) -> datetime | None:
    value = ctx.checkpoint.get(key)
    return datetime.fromisoformat(value) if value else None


def forget_applications(ctx: WorkContext, application_pks: list[int], *, reason: str) -> None:
    """Wipe the personal data of deleted applications, and of people left with none alive."""
    if not application_pks:
        return
    candidate_pks = set(
        Application.objects.filter(pk__in=application_pks).values_list("candidate_id", flat=True)
    )
    alive = Application.objects.filter(candidate=OuterRef("pk"), remote_deleted_at__isnull=True)
    orphans = list(
        Candidate.objects.filter(pk__in=candidate_pks, remote_deleted_at__isnull=True)
        .exclude(Exists(alive))
        .values_list("remote_id", flat=True)
    )
    orphan_pks = ctx.writer.mark_deleted(CANDIDATE, orphans)
    wipe_personal_data(ctx.writer, candidate_pks=orphan_pks, application_pks=application_pks, reason=reason)


def wipe_newly_anonymised(ctx: WorkContext, results: dict[str, WriteResult]) -> None:
    """Lever anonymised someone (GDPR): beyond the blank profile, drop their files, text and answers."""
    written = results.get(CANDIDATE) or WriteResult()
    changed = [*written.created, *written.updated]
    if not changed:
        return
    anonymised = list(
        Candidate.objects.filter(pk__in=changed, is_anonymized=True).values_list("pk", flat=True)
    )
    if anonymised:
        applications = Application.objects.filter(candidate_id__in=anonymised).values_list("pk", flat=True)
        wipe_personal_data(
            ctx.writer,
            candidate_pks=anonymised,
            application_pks=list(applications),
            reason="anonymised in Lever",
        )
