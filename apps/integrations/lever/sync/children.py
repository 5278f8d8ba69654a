"""What Lever keeps per opportunity: notes, interviews, offers, resumes and files, feedback.

New children do not bump an opportunity's updatedAt (LEVER_API.md §8.8), so they are fetched per
application: in a full sync for all, in a delta for the changed ones, and by the rolling sweep for
the least recently refreshed active ones. Each list is complete, so a child the list no longer holds
is marked deleted. Resumes and files are downloaded once per file version (a resume also for the
text the scorer reads).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.candidates.files import too_large
from apps.candidates.models import Application, Attachment, AttachmentKind
from apps.candidates.text_extraction import extract_text
from apps.integrations.lever import mapping
from apps.integrations.lever.errors import LeverNotFound, LeverPermissionError, LeverUnprocessable
from apps.integrations.lever.sync.context import SyncContext, WorkContext
from apps.integrations.lever.sync.opportunities import forget_applications
from apps.integrations.records import Record

BATCH = 25  # applications fetched before one bulk write


@dataclass(frozen=True)
class ChildKind:
    name: str  # also the resource name for skipping after a 403
    label: str  # the model written
    fetch: Callable[[Any, str], Iterable[dict[str, Any]]]
    to_records: Callable[[str, str, list[dict[str, Any]]], list[Record]]


KINDS = (
    ChildKind(
        "notes", "candidates.Note", lambda c, o: c.iter_notes(o), lambda o, _c, i: mapping.map_notes(o, i)
    ),
    ChildKind(
        "interviews",
        "candidates.Interview",
        lambda c, o: c.iter_interviews(o),
        lambda o, _c, i: mapping.map_interviews(o, i),
    ),
    ChildKind(
        "offers", "candidates.Offer", lambda c, o: c.iter_offers(o), lambda o, _c, i: mapping.map_offers(o, i)
    ),
    ChildKind("resumes", "candidates.Attachment", lambda c, o: c.iter_resumes(o), mapping.map_resumes),
    ChildKind("files", "candidates.Attachment", lambda c, o: c.iter_files(o), mapping.map_files),
    ChildKind(
        "feedback",
        "candidates.Scorecard",
        lambda c, o: c.iter_feedback(o),
        lambda o, _c, i: mapping.map_feedback(o, i),
    ),
)


WRITE_ORDER = [kind.label for kind in KINDS]


@dataclass
class Fetched:
    """Children of a batch of applications, and which lists came back complete (may be swept)."""

    records: list[Record] = field(default_factory=list)
    seen: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    complete: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    gone: list[int] = field(default_factory=list)  # applications whose opportunity answered 404


def sync_children(ctx: SyncContext, phase: str, applications: QuerySet[Application]) -> None:
    """Refresh children of `applications` not refreshed since this run began; resumable by design."""
    if ctx.is_done(phase):
        return
    since = ctx.since
    todo = applications.filter(Q(children_synced_at__isnull=True) | Q(children_synced_at__lt=since))
    ctx.enter(phase, total=todo.count())
    while True:
        # Refreshed rows leave `todo`, so taking the first BATCH again walks the whole set.
        batch = list(
            todo.order_by(F("applied_at").desc(nulls_last=True), "pk").values_list(
                "pk", "remote_id", "candidate__remote_id"
            )[:BATCH]
        )
        if not batch:
            break
        refresh_children(ctx, batch)
        ctx.progress.advance(len(batch))
        ctx.beat()
    ctx.complete(phase)


def refresh_children(
    ctx: WorkContext, batch: list[tuple[int, str, str]], *, kinds: Collection[str] | None = None
) -> None:
    """Fetch, write and sweep the children of (pk, opportunity id, contact id) rows; download files.

    `kinds` limits the refresh to some lists (an interview webhook needs only "interviews"); such a
    partial refresh does not count as a children refresh for the sweep and the delta.
    """
    fetched = Fetched()
    for application_pk, opportunity_id, contact_id in batch:
        _fetch_one(ctx, fetched, application_pk, opportunity_id, contact_id, kinds)
    # The writer goes model by model in order of first appearance; scorecards point at interviews.
    ctx.writer.write(sorted(fetched.records, key=lambda record: WRITE_ORDER.index(record.model)))
    _sweep(ctx, fetched, [pk for pk, *_ in batch])
    if fetched.gone:
        pks = ctx.writer.mark_deleted(
            "candidates.Application",
            Application.objects.filter(pk__in=fetched.gone).values_list("remote_id", flat=True),
        )
        forget_applications(ctx, pks, reason="Lever answered 404 for the opportunity")
    fill_downloads(ctx, [pk for pk, *_ in batch], kinds)
    if kinds is None:
        Application.objects.filter(pk__in=[pk for pk, *_ in batch]).update(children_synced_at=timezone.now())


def _fetch_one(
    ctx: WorkContext,
    fetched: Fetched,
    application_pk: int,
    opportunity_id: str,
    contact_id: str,
    kinds: Collection[str] | None,
) -> None:
    for kind in KINDS:
        if kind.name in ctx.skipped_resources or (kinds is not None and kind.name not in kinds):
            continue
        try:
            items = list(kind.fetch(ctx.client, opportunity_id))
        except LeverPermissionError as exc:
            # The credential lacks this scope (e.g. offers:read): say so once, skip it for the run.
            ctx.error(f"{kind.name}: {exc.message}")
            ctx.skipped_resources.add(kind.name)
            continue
        except LeverNotFound:
            fetched.gone.append(application_pk)  # the opportunity itself is gone (§13 item 19)
            return
        records = kind.to_records(opportunity_id, contact_id, items)
        fetched.records.extend(records)
        fetched.seen[(kind.label, application_pk)].update(r.remote_id for r in records)
        fetched.complete[kind.name].add(application_pk)


def _sweep(ctx: WorkContext, fetched: Fetched, application_pks: list[int]) -> None:
    """Mark children that a complete list no longer holds as deleted, one query per model."""
    by_label: dict[str, set[int]] = defaultdict(set)
    for kind in KINDS:
        for pk in fetched.complete.get(kind.name, ()):
            by_label[kind.label].add(pk)
    # Resumes and files share one model: sweep an application's attachments only if both lists came.
    attachments = fetched.complete.get("resumes", set()) & fetched.complete.get("files", set())
    by_label["candidates.Attachment"] = attachments
    for label, pks in by_label.items():
        if not pks:
            continue
        alive = (
            apps.get_model(label)
            .objects.filter(application_id__in=pks, remote_deleted_at__isnull=True)
            .values_list("remote_id", "application_id")
        )
        missing = [rid for rid, app_pk in alive if rid not in fetched.seen.get((label, app_pk), set())]
        if missing:
            ctx.writer.mark_deleted(label, missing)


def fill_downloads(
    ctx: WorkContext, application_pks: list[int], kinds: Collection[str] | None = None
) -> None:
    """Download the processed resumes and files not yet fetched in this version of the file.

    The bytes are kept so recruiters can download (and preview) them from the profile; a resume also
    gives the text the scorer reads. A file over LEVER_FILE_MAX_BYTES is not fetched (it would be
    held in memory whole): the profile sends the recruiter to Lever for it. Every attempt is
    remembered in `text_extracted_at`, so a file Lever cannot give is not asked for every run.
    `kinds`: "resumes" and/or "files" (a partial refresh fetches only the lists it refreshed).
    """
    wanted = [
        AttachmentKind.RESUME if name == "resumes" else AttachmentKind.FILE
        for name in ("resumes", "files")
        if kinds is None or name in kinds
    ]
    if not wanted:
        return
    todo = Attachment.objects.filter(
        application_id__in=application_pks,
        kind__in=wanted,
        processing_status="processed",
        remote_deleted_at__isnull=True,
    ).filter(Q(text_extracted_at__isnull=True) | Q(text_extracted_at__lt=F("changed_at")))
    for attachment in todo.select_related("application", "candidate"):
        if attachment.candidate.is_anonymized:
            continue
        content = b"" if too_large(attachment) else _download(ctx, attachment)
        text = ""
        if attachment.kind == AttachmentKind.RESUME:
            text = extract_text(content, extension=attachment.extension, content_type=attachment.content_type)
        Attachment.objects.filter(pk=attachment.pk).update(
            extracted_text=text, text_extracted_at=timezone.now(), file=_stored(attachment, content)
        )


def _download(ctx: WorkContext, attachment: Attachment) -> bytes:
    opportunity_id = attachment.application.remote_id
    fetch = (
        ctx.client.download_resume if attachment.kind == AttachmentKind.RESUME else ctx.client.download_file
    )
    try:
        return fetch(opportunity_id, attachment.remote_id)
    except (LeverUnprocessable, LeverNotFound, LeverPermissionError):
        return b""  # not processable, gone or not allowed: remember the attempt, do not retry every run


def _stored(attachment: Attachment, content: bytes) -> str:
    """Keep the downloaded bytes, so recruiters can download and preview the file from the profile.

    The old copy of a replaced file is deleted; an empty download keeps nothing.
    """
    if attachment.file:
        attachment.file.delete(save=False)
    if not content:
        return ""
    extension = (attachment.extension or "").lstrip(".").lower()[:8] or "bin"
    name = f"{attachment.kind}-{attachment.pk}.{extension if extension.isalnum() else 'bin'}"
    attachment.file.save(name, ContentFile(content), save=False)
    return attachment.file.name
