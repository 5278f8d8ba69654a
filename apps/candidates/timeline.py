"""A person's timeline: everything that happened to them and their applications, newest first.

Each source (notes, interviews, offers, feedback, write-backs, recorded sync changes, the
applications themselves) is read with one query, newest first, from a keyset cursor. `merge` then
interleaves them exactly: a source that had more rows than it returned is complete only down to its
last row, so nothing older than that is shown before the next page asks again. Entries of one
instant are ordered by source rank, then primary key, which makes the cursor (time, rank, pk) total.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from apps.candidates.models import (
    Application,
    Candidate,
    Interview,
    Note,
    Offer,
    Outcome,
    RejectionReason,
    Scorecard,
)
from apps.integrations.models import ChangeKind, ChangeSource, RecordChange, WritebackAction
from apps.jobs.models import Stage

PAGE_SIZE = 30
# RecordChange rows may carry nothing worth showing (bookkeeping fields): read more of them per page.
CHANGE_ROWS_PER_ENTRY = 3

# Ties at one instant: a higher rank is shown first (a write-back before the change it caused).
RANK = {
    "applied": 1,
    "note": 2,
    "interview": 3,
    "offer": 4,
    "feedback": 5,
    "change": 6,
    "writeback": 7,
    "automation": 8,
}
LABELS = {
    "applied": "Applied",
    "note": "Note",
    "stage": "Stage",
    "archived": "Archived",
    "unarchived": "Unarchived",
    "outcome": "Outcome",
    "interview": "Interview",
    "offer": "Offer",
    "feedback": "Feedback",
    "writeback": "Sent to Lever",
    "change": "Lever update",
    "automation": "Automation",
}
ICONS = {
    "applied": "＋",
    "note": "✎",
    "stage": "➔",
    "archived": "⊘",
    "unarchived": "↺",
    "outcome": "◆",
    "interview": "◷",
    "offer": "✉",
    "feedback": "★",
    "writeback": "⇪",
    "change": "⟳",
    "automation": "⚙",
}
RATINGS = {1: "Strong no", 2: "No", 3: "Yes", 4: "Strong yes"}
# Fields the mirror keeps for itself; a change of only these says nothing to a recruiter.
BOOKKEEPING = frozenset(
    {
        "remote_created_at",
        "remote_updated_at",
        "remote_deleted_at",
        "remote_data",
        "content_hash",
        "changed_at",
        "created_at",
        "updated_at",
        "last_interaction_at",
        "last_advanced_at",
        "stage_entered_at",
        "children_synced_at",
    }
)
# What the entries read of each application (the profile's applications carry more): `candidate`
# because the person's related manager sets it on each row, `job__name` for the entry's link.
APPLICATION_FIELDS = (
    "candidate",
    "job__name",
    "outcome",
    "origin",
    "applied_at",
    "remote_created_at",
    "created_at",
)
# How `_name` shows an ATS user (AtsUser.__str__): only these columns of an author are read.
ATS_USER_FIELDS = ("name", "email", "remote_id")


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: datetime
    title: str
    application: Application | None = None
    text: str = ""
    author: str = ""
    secret: bool = False
    status: str = ""  # a short badge: "Cancelled", "Upcoming", "Full sync"…
    details: tuple[str, ...] = ()
    action: WritebackAction | None = None
    key: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    @property
    def icon(self) -> str:
        return ICONS.get(self.kind, "•")

    @property
    def job(self) -> Any:
        return self.application.job if self.application is not None else None


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page ended: entries strictly older than (at, rank, pk) come next."""

    at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        micros = (self.at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.rank}.{self.pk}"

    @classmethod
    def decode(cls, value: object) -> Cursor | None:
        if not isinstance(value, str):
            return None
        parts = value.split(".")
        if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts) or len(parts[0]) > 20:
            return None
        try:
            at = EPOCH + timedelta(microseconds=int(parts[0]))
        except OverflowError:
            return None
        return cls(at=at, rank=int(parts[1]), pk=int(parts[2]))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Group:
    """One source row and the entries it gives (possibly none)."""

    at: datetime
    rank: int
    pk: int
    entries: list[TimelineEntry] = field(default_factory=list)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.rank, self.pk)


@dataclass
class Batch:
    groups: list[Group]
    truncated: bool = False  # the source has rows older than its last group


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    older: Cursor | None  # where the next page starts; None when this is the end

    @property
    def older_token(self) -> str:
        return self.older.encode() if self.older else ""


def merge(batches: Iterable[Batch], *, limit: int = PAGE_SIZE) -> TimelinePage:
    """Interleave the sources newest first; show up to `limit` rows that give entries."""
    batches = list(batches)
    groups = sorted((g for b in batches for g in b.groups), key=lambda g: g.cursor, reverse=True)
    boundary = max((b.groups[-1].cursor for b in batches if b.truncated and b.groups), default=None)
    entries: list[TimelineEntry] = []
    last: Cursor | None = None
    shown = 0
    stopped = False
    for group in groups:
        if shown >= limit or (boundary is not None and group.cursor < boundary):
            stopped = True
            break
        entries.extend(group.entries)
        last = group.cursor
        shown += 1 if group.entries else 0
    more = stopped or boundary is not None
    return TimelinePage(entries=entries, older=last if more else None)


# -- sources ------------------------------------------------------------------------------------------


def _after(queryset: QuerySet, rank: int, cursor: Cursor | None) -> QuerySet:
    """Rows of a source (annotated with `at`) that come after the cursor in timeline order."""
    if cursor is None:
        return queryset
    if rank < cursor.rank:
        return queryset.filter(at__lte=cursor.at)
    if rank > cursor.rank:
        return queryset.filter(at__lt=cursor.at)
    return queryset.filter(Q(at__lt=cursor.at) | Q(at=cursor.at, pk__lt=cursor.pk))


def _read(queryset: QuerySet, kind: str, cursor: Cursor | None, rows: int) -> tuple[list[Any], bool]:
    found = list(_after(queryset, RANK[kind], cursor).order_by("-at", "-pk")[: rows + 1])
    return found, len(found) > rows


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _author(relation: str) -> tuple[str, ...]:
    return tuple(f"{relation}__{name}" for name in ATS_USER_FIELDS)


def applied_batch(applications: Sequence[Application], cursor: Cursor | None) -> Batch:
    groups = []
    for application in applications:
        at = application.applied_at or application.remote_created_at or application.created_at
        group = Group(at, RANK["applied"], application.pk)
        if at is None or (cursor is not None and group.cursor >= cursor):
            continue
        job = application.job
        title = f"Applied to {job.name}" if job else "Added as a lead"
        details = (application.get_origin_display(),) if application.origin else ()
        group.entries.append(
            TimelineEntry("applied", at, title, application, details=details, key=f"applied-{application.pk}")
        )
        groups.append(group)
    return Batch(groups)


def note_batch(workspace_id: int, by_pk: dict[int, Application], cursor: Cursor | None, rows: int) -> Batch:
    notes = (
        Note.objects.for_workspace(workspace_id)
        .alive()
        .filter(application_id__in=list(by_pk))
        .select_related("author")
        # The columns the entry reads: never the wide rest (remote_data above all).
        .only("pk", "application", "body", "secret", *_author("author"))
        .annotate(at=Coalesce("remote_created_at", "created_at"))
    )
    found, truncated = _read(notes, "note", cursor, rows)
    groups = [
        Group(
            note.at,
            RANK["note"],
            note.pk,
            [
                TimelineEntry(
                    "note",
                    note.at,
                    "",  # the label says "Note"; the body is the content
                    by_pk.get(note.application_id),
                    text=note.body,
                    author=_name(note.author),
                    secret=note.secret,
                    key=f"note-{note.pk}",
                )
            ],
        )
        for note in found
    ]
    return Batch(groups, truncated)


def interview_batch(
    workspace_id: int, by_pk: dict[int, Application], cursor: Cursor | None, rows: int, now: datetime
) -> Batch:
    interviews = (
        Interview.objects.for_workspace(workspace_id)
        .alive()
        .filter(application_id__in=list(by_pk))
        .only("pk", "application", "title", "starts_at", "location", "canceled_at")
        .annotate(at=Coalesce("starts_at", "remote_created_at", "created_at"))
    )
    found, truncated = _read(interviews, "interview", cursor, rows)
    groups = []
    for interview in found:
        if interview.canceled_at:
            status = "Cancelled"
        elif interview.starts_at and interview.starts_at > now:
            status = "Upcoming"
        else:
            status = ""
        details = tuple(x for x in (interview.location,) if x)
        entry = TimelineEntry(
            "interview",
            interview.at,
            interview.title or "Interview",
            by_pk.get(interview.application_id),
            status=status,
            details=details,
            key=f"interview-{interview.pk}",
        )
        groups.append(Group(interview.at, RANK["interview"], interview.pk, [entry]))
    return Batch(groups, truncated)


def offer_batch(workspace_id: int, by_pk: dict[int, Application], cursor: Cursor | None, rows: int) -> Batch:
    offers = (
        Offer.objects.for_workspace(workspace_id)
        .alive()
        .filter(application_id__in=list(by_pk))
        .select_related("creator")
        .only("pk", "application", "status", "job_title", "start_date", *_author("creator"))
        .annotate(at=Coalesce("sent_at", "remote_created_at", "created_at"))
    )
    found, truncated = _read(offers, "offer", cursor, rows)
    groups = []
    for offer in found:
        details = []
        if offer.job_title:
            details.append(offer.job_title)
        if offer.start_date:
            details.append(f"Starts {date_format(offer.start_date, 'j M Y')}")
        entry = TimelineEntry(
            "offer",
            offer.at,
            f"Offer {offer.status}".strip() if offer.status else "Offer",
            by_pk.get(offer.application_id),
            author=_name(offer.creator),
            details=tuple(details),
            key=f"offer-{offer.pk}",
        )
        groups.append(Group(offer.at, RANK["offer"], offer.pk, [entry]))
    return Batch(groups, truncated)


def feedback_batch(
    workspace_id: int, by_pk: dict[int, Application], cursor: Cursor | None, rows: int
) -> Batch:
    scorecards = (
        Scorecard.objects.for_workspace(workspace_id)
        .alive()
        .filter(application_id__in=list(by_pk))
        .select_related("author")
        .only("pk", "application", "title", "rating_label", "overall_rating", *_author("author"))
        .annotate(at=Coalesce("completed_at", "remote_created_at", "created_at"))
    )
    found, truncated = _read(scorecards, "feedback", cursor, rows)
    groups = []
    for card in found:
        rating = card.rating_label or RATINGS.get(card.overall_rating or 0, "")
        if card.overall_rating:
            rating = f"{rating} ({card.overall_rating}/4)".strip()
        entry = TimelineEntry(
            "feedback",
            card.at,
            card.title or "Feedback",
            by_pk.get(card.application_id),
            author=_name(card.author),
            status=rating,
            key=f"feedback-{card.pk}",
        )
        groups.append(Group(card.at, RANK["feedback"], card.pk, [entry]))
    return Batch(groups, truncated)


def writeback_batch(
    candidate: Candidate, by_pk: dict[int, Application], cursor: Cursor | None, rows: int
) -> Batch:
    actions = (
        WritebackAction.objects.for_workspace(candidate.workspace_id)
        .filter(Q(candidate_id=candidate.pk) | Q(application_id__in=list(by_pk)))
        .select_related("requested_by")
        # The entry and the status chip it carries (integrations/_writeback_status.html) read these;
        # `requested_by` shows as its email (User.__str__).
        .only(
            "pk",
            "application",
            "kind",
            "payload",
            "source",
            "status",
            "status_reason",
            "last_error",
            "requested_by__email",
        )
        .annotate(at=F("created_at"))
    )
    found, truncated = _read(actions, "writeback", cursor, rows)
    groups = []
    for action in found:
        author = _name(action.requested_by) or action.get_source_display()
        entry = TimelineEntry(
            "writeback",
            action.at,
            action.summary,
            by_pk.get(action.application_id) if action.application_id else None,
            author=author,
            action=action,
            key=f"writeback-{action.pk}",
        )
        groups.append(Group(action.at, RANK["writeback"], action.pk, [entry]))
    return Batch(groups, truncated)


def automation_batch(
    candidate: Candidate, by_pk: dict[int, Application], cursor: Cursor | None, rows: int
) -> Batch:
    """Rules that fired (or would have, in a dry run, or failed) for the person: what each did."""
    from apps.automation.models import FiringStatus, RuleFiring

    firings = (
        RuleFiring.objects.for_workspace(candidate.workspace_id)
        .filter(candidate_id=candidate.pk)
        .exclude(status=FiringStatus.SKIPPED)
        .select_related("rule")
        .only("pk", "created_at", "status", "reason", "actions", "application_id", "rule__name")
        .annotate(at=F("created_at"))
    )
    found, truncated = _read(firings, "automation", cursor, rows)
    groups = []
    for firing in found:
        details = [
            f"{action.get('summary', '')}: {action.get('status', '')}"
            + (f" ({action['reason']})" if action.get("reason") else "")
            for action in firing.actions or []
            if isinstance(action, dict)
        ]
        entry = TimelineEntry(
            "automation",
            firing.at,
            f"Rule “{firing.rule.name}”",
            by_pk.get(firing.application_id) if firing.application_id else None,
            status=firing.get_status_display(),
            details=tuple(details),
            key=f"automation-{firing.pk}",
        )
        groups.append(Group(firing.at, RANK["automation"], firing.pk, [entry]))
    return Batch(groups, truncated)


def change_batch(
    candidate: Candidate, by_pk: dict[int, Application], cursor: Cursor | None, rows: int
) -> Batch:
    """Recorded sync changes of the person and their applications; stage and reason names in bulk."""
    candidate_type = ContentType.objects.get_for_model(Candidate)
    application_type = ContentType.objects.get_for_model(Application)
    changes = (
        RecordChange.objects.for_workspace(candidate.workspace_id)
        .filter(
            Q(content_type=candidate_type, object_id=candidate.pk)
            | Q(content_type=application_type, object_id__in=list(by_pk))
        )
        .exclude(kind=ChangeKind.CREATED)
        .only("pk", "created_at", "content_type", "object_id", "kind", "source", "fields")
        .annotate(at=F("created_at"))
    )
    found, truncated = _read(changes, "change", cursor, rows)
    stage_pks: set[int] = set()
    reason_pks: set[int] = set()
    for change in found:
        fields = change.fields if isinstance(change.fields, dict) else {}
        stage_pks.update(_ints(fields.get("current_stage_id")))
        reason_pks.update(_ints(fields.get("rejection_reason_id")))
    stages = dict(Stage.objects.filter(pk__in=stage_pks).values_list("pk", "name")) if stage_pks else {}
    reasons = (
        dict(RejectionReason.objects.filter(pk__in=reason_pks).values_list("pk", "name"))
        if reason_pks
        else {}
    )
    groups = []
    for change in found:
        application = by_pk.get(change.object_id) if change.content_type_id == application_type.pk else None
        model = Application if application is not None else Candidate
        entries = change_entries(change, application=application, model=model, stages=stages, reasons=reasons)
        groups.append(Group(change.at, RANK["change"], change.pk, entries))
    return Batch(groups, truncated)


def _ints(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _pair(value: object) -> tuple[Any, Any] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None


def field_label(model: type, name: str) -> str:
    for candidate_name in (name, name.removesuffix("_id")):
        try:
            return str(model._meta.get_field(candidate_name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name.replace("_", " ")


def change_entries(
    change: RecordChange,
    *,
    application: Application | None,
    model: type,
    stages: dict[int, str],
    reasons: dict[int, str],
) -> list[TimelineEntry]:
    """Turn one recorded change into timeline entries: a stage move, an archive, other fields."""
    fields = change.fields if isinstance(change.fields, dict) else {}
    at, source = change.created_at, change.get_source_display()

    def entry(kind: str, title: str, details: Iterable[str] = ()) -> TimelineEntry:
        return TimelineEntry(
            kind,
            at,
            title,
            application,
            status=source,
            details=tuple(details),
            key=f"change-{change.pk}-{kind}",
        )

    if change.kind == ChangeKind.DELETED:
        return [entry("change", "Deleted in Lever")]
    if change.kind == ChangeKind.REVIVED:
        return [entry("change", "Restored in Lever")]
    if "personal_data" in fields:
        reason = fields.get("reason")
        return [entry("change", "Personal data removed", [str(reason)] if reason else [])]

    entries: list[TimelineEntry] = []
    handled: set[str] = set()
    if application is not None:
        stage = _pair(fields.get("current_stage_id"))
        if stage is not None:
            handled.add("current_stage_id")
            old, new = (stages.get(pk, "an unknown stage") if pk else "" for pk in stage)
            details = [f"from {old}"] if old else []
            entries.append(entry("stage", f"Moved to {new}" if new else "Stage cleared", details))
        archived = _pair(fields.get("archived_at"))
        outcome = _pair(fields.get("outcome"))
        reason = _pair(fields.get("rejection_reason_id"))
        reason_name = reasons.get(reason[1], "") if reason and isinstance(reason[1], int) else ""
        if archived is not None and bool(archived[0]) != bool(archived[1]):
            handled.update({"archived_at", "outcome", "rejection_reason_id"})
            if archived[1]:
                new_outcome = outcome[1] if outcome else application.outcome
                title = "Hired" if new_outcome == Outcome.HIRED else "Archived"
                entries.append(entry("archived", title, [reason_name] if reason_name else []))
            else:
                entries.append(entry("unarchived", "Unarchived"))
        elif outcome is not None:
            handled.update({"outcome", "rejection_reason_id"})
            labels = dict(Outcome.choices)
            old, new = (labels.get(value, str(value or "—")) for value in outcome)
            entries.append(
                entry("outcome", f"Outcome: {new}", [f"was {old}", *([reason_name] if reason_name else [])])
            )
    rest = [name for name in fields if name not in handled and name not in BOOKKEEPING]
    if rest:
        labels = ", ".join(dict.fromkeys(field_label(model, name) for name in rest))
        where = "Details edited" if change.source == ChangeSource.EDIT else "Updated in Lever"
        entries.append(entry("change", f"{where}: {labels}"))
    return entries


# -- the page -----------------------------------------------------------------------------------------


def candidate_timeline(
    *,
    candidate: Candidate,
    applications: Sequence[Application],
    cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
    now: datetime | None = None,
    empty: Container[str] = (),
) -> TimelinePage:
    """Return one page of the person's timeline (one query per source, plus stage/reason names).

    `applications` are the person's alive applications with their jobs loaded and at least
    `APPLICATION_FIELDS` (selectors.timeline_applications, or the profile's). `empty`: kinds known
    to have no row for the person (selectors.Marker.empty_sources), which are not asked.
    """
    by_pk = {application.pk: application for application in applications}
    workspace_id = candidate.workspace_id
    now = now or timezone.now()
    batches = [applied_batch(applications, cursor)]
    if by_pk:
        if "note" not in empty:
            batches.append(note_batch(workspace_id, by_pk, cursor, limit))
        if "interview" not in empty:
            batches.append(interview_batch(workspace_id, by_pk, cursor, limit, now))
        if "offer" not in empty:
            batches.append(offer_batch(workspace_id, by_pk, cursor, limit))
        if "feedback" not in empty:
            batches.append(feedback_batch(workspace_id, by_pk, cursor, limit))
    if "writeback" not in empty:
        batches.append(writeback_batch(candidate, by_pk, cursor, limit))
    if "change" not in empty:
        batches.append(change_batch(candidate, by_pk, cursor, limit * CHANGE_ROWS_PER_ENTRY))
    if "automation" not in empty:
        batches.append(automation_batch(candidate, by_pk, cursor, limit))
    return merge(batches, limit=limit)
