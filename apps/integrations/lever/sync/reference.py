"""Reference data: users, stages, archive reasons, tags, sources, requisitions, postings, apply forms.

These lists are small, so every run reads them whole (except postings in a delta run, which asks for
the ones updated since the last run) and, having seen everything, marks what vanished as deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.errors import LeverNotFound, LeverPermissionError
from apps.integrations.lever.sync.context import SyncContext
from apps.integrations.records import Record
from apps.jobs.models import Job, Stage

OVERLAP = timedelta(minutes=5)  # re-read a little before the last high-water mark: clocks and commits drift


def sync_list(
    ctx: SyncContext,
    phase: str,
    items: Callable[[], Iterable[dict[str, Any]]],
    to_records: Callable[[list[dict[str, Any]]], list[Record]],
    *,
    sweep: tuple[str, ...] = (),
    finish: bool = True,
) -> list[dict[str, Any]]:
    """Read a whole list, upsert it, then mark rows of the `sweep` models that were not seen as deleted.

    With `finish=False` the caller completes the phase after its own follow-up work.
    """
    if ctx.is_done(phase):
        return []
    ctx.enter(phase)
    try:
        objects = list(items())
    except LeverPermissionError as exc:
        ctx.error(f"{phase}: {exc.message}")
        ctx.skipped_resources.add(phase)
        ctx.complete(phase)
        return []
    records = to_records(objects)
    ctx.writer.write(records)
    ctx.progress.advance(len(objects))
    for label in sweep:
        ctx.writer.sweep(label, {r.remote_id for r in records if r.model == label})
    if finish:
        ctx.complete(phase)
    return objects


def sync_reference(ctx: SyncContext, *, delta: bool) -> None:
    client = ctx.client

    def each(to_record: Callable[[Any], Record]) -> Callable[[list[dict[str, Any]]], list[Record]]:
        return lambda items: ctx.mapped(to_record, items)

    sync_list(ctx, "users", client.iter_users, each(mapping.map_user), sweep=("integrations.AtsUser",))
    sync_list(ctx, "stages", client.iter_stages, mapping.map_stages, sweep=("jobs.Stage",))
    sync_list(
        ctx,
        "archive_reasons",
        client.iter_archive_reasons,
        each(mapping.map_archive_reason),
        sweep=("candidates.RejectionReason",),
    )
    sync_list(ctx, "tags", client.iter_tags, each(mapping.map_tag), sweep=("candidates.Tag",))
    sync_list(ctx, "sources", client.iter_sources, each(mapping.map_source), sweep=("candidates.Source",))
    sync_list(
        ctx,
        "requisitions",
        client.iter_requisitions,
        each(mapping.map_requisition),
        sweep=("jobs.Requisition",),
    )
    sync_postings(ctx, delta=delta)


def sync_postings(ctx: SyncContext, *, delta: bool) -> None:
    """Postings with their hiring teams and per-job stages; a delta reads only the updated ones."""
    if ctx.is_done("postings"):
        return
    since = ctx.delta_from
    partial = delta and since is not None

    def items() -> Iterable[dict[str, Any]]:
        if partial:
            # updated_at_* may only be combined with confidentiality (LEVER_API.md §8.6).
            return ctx.client.iter_postings(updated_at_start=since - OVERLAP)
        return ctx.client.iter_postings()

    web_app = ctx.client.env.web_app_url
    postings = sync_list(
        ctx,
        "postings",
        items,
        lambda found: ctx.mapped(
            lambda p: [mapping.map_posting(p, web_app_url=web_app), *mapping.map_hiring_team(p)], found
        ),
        sweep=() if partial else ("jobs.Job",),
        finish=False,
    )
    posting_ids = [p["id"] for p in postings if isinstance(p, dict) and p.get("id")]
    if posting_ids:
        members = {r.remote_id for r in ctx.mapped(mapping.map_hiring_team, postings)}
        ctx.writer.sweep("jobs.HiringTeamMember", members, job__remote_id__in=posting_ids)
    ctx.checkpoint["changed_postings"] = sorted({*ctx.checkpoint.get("changed_postings", []), *posting_ids})
    stage_counts = ctx.stats().get("jobs.Stage", {})  # includes what a resumed run did before
    stages_changed = any(stage_counts.get(k) for k in ("created", "updated", "deleted", "revived"))
    sync_job_stages(ctx, None if stages_changed or not partial else posting_ids)
    ctx.complete("postings")


def sync_job_stages(ctx: SyncContext, posting_ids: list[str] | None) -> None:
    """Derive JobStage rows (Lever stages are global) for these postings, or all when None. No requests."""
    stage_ids = list(
        Stage.objects.for_connection(ctx.connection)
        .alive()
        .order_by("global_index", "pk")
        .values_list("remote_id", flat=True)
    )
    jobs = Job.objects.for_connection(ctx.connection).alive()
    if posting_ids is not None:
        jobs = jobs.filter(remote_id__in=posting_ids)
    for batch in _chunks(jobs.values_list("remote_id", flat=True).iterator(chunk_size=500), 100):
        records = [row for posting_id in batch for row in mapping.map_job_stages(posting_id, stage_ids)]
        ctx.writer.write(records)
        ctx.writer.sweep("jobs.JobStage", {r.remote_id for r in records}, job__remote_id__in=batch)


def sync_apply_forms(ctx: SyncContext, *, only_changed: bool) -> None:
    """Screening questions: one request per posting (all in a full sync, changed ones in a delta)."""
    phase = "apply_forms"
    if ctx.is_done(phase):
        return
    jobs = Job.objects.for_connection(ctx.connection).alive()
    if only_changed:
        jobs = jobs.filter(remote_id__in=ctx.checkpoint.get("changed_postings", []))
    posting_ids = list(jobs.order_by("pk").values_list("remote_id", flat=True))
    ctx.enter(phase, total=len(posting_ids))
    done = set(ctx.checkpoint.get("apply_forms_done", []))
    for posting_id in posting_ids:
        if posting_id in done:
            continue
        try:
            form = ctx.client.get_posting_apply_form(posting_id)
        except (LeverNotFound, LeverPermissionError):
            form = None  # drafts and confidential postings may have no public form
        if form:
            records = mapping.map_apply_form(posting_id, form)
            ctx.writer.write(records)
            ctx.writer.sweep(
                "jobs.JobScreeningQuestion",
                {r.remote_id for r in records if r.model == "jobs.JobScreeningQuestion"},
                job__remote_id=posting_id,
            )
        done.add(posting_id)
        ctx.checkpoint["apply_forms_done"] = sorted(done)
        ctx.progress.advance()
        ctx.beat()
    ctx.checkpoint.pop("apply_forms_done", None)
    ctx.complete(phase)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
