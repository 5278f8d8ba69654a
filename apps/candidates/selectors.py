"""Read models for the candidate pages: the search, the profile, its files and its change marker."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import Workspace
from apps.candidates.duplicates import DuplicateGroup
from apps.candidates.evidence import HighlightedText, resume_highlights
from apps.candidates.files import availability, is_pdf
from apps.candidates.identity import normalize_email, normalize_linkedin_url
from apps.candidates.models import (
    Application,
    Attachment,
    Candidate,
    Interview,
    Note,
    Offer,
    Scorecard,
    Tag,
)
from apps.candidates.search import CandidateFilters, candidate_search
from apps.candidates.timeline import APPLICATION_FIELDS, ATS_USER_FIELDS, EPOCH
from apps.core.precompiled import PrecompiledQuery
from apps.integrations.models import RecordChange, WritebackAction
from apps.scoring.inputs import latest_resumes
from apps.scoring.models import Score, Tier

__all__ = ["CandidateFilters", "candidate_list", "candidate_profile", "candidate_version"]


# -- the search ----------------------------------------------------------------------------------------


def _application_count() -> Coalesce:
    alive = Application.objects.filter(candidate_id=OuterRef("pk"), remote_deleted_at__isnull=True)
    counted = alive.order_by().values("candidate_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def candidate_list(*, workspace: Workspace, filters: CandidateFilters) -> QuerySet[Candidate]:
    """Matching people by name, with their number of applications and their best score and tier."""
    best = Score.objects.filter(
        candidate_id=OuterRef("pk"), application__remote_deleted_at__isnull=True
    ).order_by("-score", "pk")
    return (
        candidate_search(workspace=workspace, filters=filters)
        .annotate(
            application_count=_application_count(),
            best_score=Subquery(best.values("score")[:1]),
            best_tier=Subquery(best.values("tier")[:1]),
            best_job=Subquery(best.values("job__name")[:1]),
        )
        .order_by("name", "pk")
    )


def with_tier_labels(candidates: Iterable[Candidate]) -> list[Candidate]:
    labels = dict(Tier.choices)
    rows = list(candidates)
    for candidate in rows:
        candidate.best_tier_label = labels.get(candidate.best_tier or "", "")
    return rows


def newest_lever_url(candidate: Any) -> QuerySet[Application]:
    """The Lever page of the person's newest alive application that has one, as a one-value query.

    `candidate`: a pk, or OuterRef("pk") inside a query of people.
    """
    return (
        Application.objects.filter(candidate_id=candidate, remote_deleted_at__isnull=True)
        .exclude(remote_url="")
        .order_by(F("applied_at").desc(nulls_last=True), "-pk")
        .values("remote_url")[:1]
    )


def lever_link(candidate: Candidate) -> str:
    """A safe link to the person's newest application in Lever ("" when none)."""
    return safe_web_url(newest_lever_url(candidate.pk).values_list("remote_url", flat=True).first())


def duplicate_rows(
    *, workspace: Workspace, groups: Iterable[DuplicateGroup]
) -> list[tuple[DuplicateGroup, list[Candidate]]]:
    """Each group with its people (one query for the page): applications count and a Lever link."""
    groups = list(groups)
    shown = {pk for group in groups for pk in group.members}
    people = (
        Candidate.objects.for_workspace(workspace)
        .filter(pk__in=shown)
        .only("pk", "name", "email", "current_title", "current_company", "remote_created_at")
        .annotate(
            application_count=_application_count(), lever_url=Subquery(newest_lever_url(OuterRef("pk")))
        )
    )
    by_pk = {person.pk: person for person in people}
    for person in by_pk.values():
        person.lever_href = safe_web_url(person.lever_url)
    return [(group, [by_pk[pk] for pk in group.members if pk in by_pk]) for group in groups]


# -- the profile -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    text: str
    href: str = ""  # empty when the value is not safe or not usable as a link
    kind: str = ""


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def safe_web_url(value: object) -> str:
    """Return the value as an absolute http(s) URL ("github.com/ada" gets https://), else "".

    Anything with another scheme (javascript:, data:, mailto:…) is refused rather than rewritten.
    """
    if not isinstance(value, str) or not value.strip():
        return ""
    url = value.strip()
    if _SCHEME.match(url) and not url.lower().startswith(("http://", "https://")):
        return ""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        return ""
    return parts.geturl()


def _tel(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 3:
        return ""
    return f"tel:{'+' if value.strip().startswith('+') else ''}{digits}"


def _link_values(links: object) -> list[str]:
    values = []
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict):
            link = link.get("url") or link.get("value")
        if isinstance(link, str) and link.strip():
            values.append(link.strip())
    return values


def contact_details(candidate: Candidate) -> dict[str, Any]:
    """Emails (mailto), phones (tel:), the LinkedIn profile and the other links, each safe to link."""
    emails = [
        Contact(address, f"mailto:{normalize_email(address)}" if normalize_email(address) else "")
        for address in dict.fromkeys(
            e.strip()
            for e in [candidate.email, *(candidate.emails or [])]
            if isinstance(e, str) and e.strip()
        )
    ]
    phones = []
    for phone in candidate.phones or []:
        value, kind = (phone.get("value"), phone.get("type")) if isinstance(phone, dict) else (phone, "")
        if isinstance(value, str) and value.strip():
            phones.append(Contact(value.strip(), _tel(value), str(kind or "")))
    linkedin: Contact | None = None
    others: list[Contact] = []
    profiles: set[str] = set()
    for url in dict.fromkeys([candidate.linkedin_url, *_link_values(candidate.links)]):
        profile = normalize_linkedin_url(url) if url else ""
        if not url or (profile and profile in profiles):
            continue
        if profile and linkedin is None:
            linkedin = Contact(url, safe_web_url(url), "LinkedIn")
        else:
            others.append(Contact(url, safe_web_url(url)))
        if profile:
            profiles.add(profile)
    return {"emails": emails, "phones": phones, "linkedin": linkedin, "links": others}


def _decorate(application: Application, now: datetime) -> Application:
    """Attach what the profile shows beside the fields: fit, days in stage, sources, a safe Lever link."""
    try:
        application.fit = application.score
    except Score.DoesNotExist:
        application.fit = None
    entered = application.stage_entered_at or application.last_advanced_at
    # Calendar days in the site's time zone, as the pipeline board counts them (jobs/pipeline.py).
    days = (timezone.localdate(now) - timezone.localdate(entered)).days if entered else None
    application.days_in_stage = days if application.is_active else None
    application.source_names = [str(s) for s in application.sources or [] if isinstance(s, str | int) and s]
    application.lever_href = safe_web_url(application.remote_url)
    return application


# What the profile reads of an application beyond the timeline's fields: the panel
# (_profile_applications.html, `_decorate`), the action controls (templatetags/recruiter_actions.py)
# and the score panels (the score whole). The related rows are wide (a job's descriptions,
# remote_data everywhere): only what is shown of them is read. A field missing here costs a query
# per application when read (tests/candidates/test_profile_cost.py counts them).
PROFILE_APPLICATION_FIELDS = (
    *APPLICATION_FIELDS,
    "workspace",
    "connection",
    "remote_id",
    "remote_deleted_at",
    "remote_url",
    "stage_entered_at",
    "last_advanced_at",
    "archived_at",
    "sources",
    "current_stage__name",
    "rejection_reason__name",
    *(f"owner__{name}" for name in ATS_USER_FIELDS),  # shown as str(owner)
    "score",
)


def profile_applications(candidate: Candidate) -> list[Application]:
    """The person's alive applications, most recent first, with job, stage, reason, owner, score and tags."""
    now = timezone.now()
    applications = (
        candidate.applications.alive()
        .select_related("job", "current_stage", "rejection_reason", "owner", "score")
        .only(*PROFILE_APPLICATION_FIELDS)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("pk", "name").order_by("name")))
        # For the action controls ("Lever is disconnected"): the status alone, not the connection.
        .annotate(connection_status=F("connection__status"))
        # Sorted below: compiling an ORDER BY over this wide select costs more than sorting a few rows.
        .order_by()
    )
    return [_decorate(application, now) for application in _newest_first(applications)]


def _newest_first(applications: Iterable[Application]) -> list[Application]:
    """Order as `F("applied_at").desc(nulls_last=True), "-pk"` would."""
    return sorted(
        applications, key=lambda a: (a.applied_at is not None, a.applied_at or EPOCH, a.pk), reverse=True
    )


def timeline_applications(candidate: Candidate) -> list[Application]:
    """The person's alive applications with only what the timeline reads (the poll, older pages)."""
    return list(
        candidate.applications.alive()
        .select_related("job")
        .only(*APPLICATION_FIELDS)
        .order_by()  # the timeline orders its entries itself
    )


def profile_files(candidate: Candidate) -> list[Attachment]:
    """Resumes and files, newest first, each knowing where its bytes are (`files.availability`) and
    whether it is a PDF."""
    files = list(
        candidate.attachments.alive()
        .select_related("application__job")
        # What _profile_files.html and `is_pdf` read; of the application, its job's name.
        .only(
            "candidate",
            "kind",
            "name",
            "content_type",
            "extension",
            "size",
            "uploaded_at",
            "file",
            "processing_status",
            "text_extracted_at",
            "application__job__name",
        )
        .order_by(F("uploaded_at").desc(nulls_last=True), "-pk")
    )
    for attachment in files:
        attachment.availability = availability(attachment)
        attachment.is_stored = attachment.availability == "stored"
        attachment.is_pdf = is_pdf(attachment)
        attachment.type_label = (attachment.extension or "").upper().lstrip(".") or attachment.content_type
    return files


def candidate_profile(*, candidate: Candidate, has_files: bool = True) -> dict[str, Any]:
    """Applications, the union of their tags, contact details, files and the Lever link.

    `has_files` False (the change marker saw no file of the person) spares the files' query.
    """
    applications = profile_applications(candidate)
    tags = sorted({tag.name for application in applications for tag in application.tags.all()}, key=str.lower)
    lever_url = next((a.lever_href for a in applications if a.lever_href), "")
    anonymised = candidate.is_anonymized
    return {
        "applications": applications,
        "tags": tags,
        "contact": contact_details(candidate) if not anonymised else None,
        "attachments": profile_files(candidate) if not anonymised and has_files else [],
        "lever_url": lever_url,
    }


@dataclass(frozen=True)
class ResumeSection:
    application: Application
    resume: Attachment | None
    text: HighlightedText | None
    scored: bool = False


def resume_sections(
    *, candidate: Candidate, panels: list[dict[str, Any]], attachments: list[Attachment] | None = None
) -> dict[int, ResumeSection]:
    """For each scored application, the resume text the engine read with that score's evidence marked.

    The resume is the one `apps.scoring.inputs` feeds the engine (the newest alive resume with text).
    `attachments`: the person's alive files when the caller has them (`profile_files`): none means
    no resume to look for, and the section shows the resume's name from there.
    """
    if not panels or candidate.is_anonymized:
        return {}
    resume = latest_resumes([candidate.pk]).get(candidate.pk) if attachments is None or attachments else None
    text = resume.extracted_text if resume else ""
    if resume is not None and attachments:
        # latest_resumes reads no name: the same file listed on the profile has it (no query).
        resume = next((a for a in attachments if a.pk == resume.pk), resume)
    sections = {}
    for panel in panels:
        application, score = panel["application"], panel.get("score")
        highlighted = None
        if score is not None and text:
            highlighted = resume_highlights(
                panel.get("explanation"), application_pk=application.pk, text=text
            )
        sections[application.pk] = ResumeSection(
            application, resume if text else None, highlighted, scored=score is not None
        )
    return sections


def candidate_writebacks(*, candidate: Candidate, limit: int = 30) -> list[WritebackAction]:
    """Everything sent (or waiting to be sent) to Lever about this person, newest first."""
    return list(
        WritebackAction.objects.for_workspace(candidate.workspace_id)
        .filter(Q(candidate=candidate) | Q(application__candidate=candidate))
        .select_related("requested_by", "application__job")
        .order_by("-created_at", "-pk")[:limit]
    )


# -- what changed -------------------------------------------------------------------------------------------


def _newest(queryset: QuerySet, *fields: str) -> Subquery:
    """The newest of the first non-null of `fields` over the rows (a row without a change time counts its creation)."""
    moment = Coalesce(*fields) if len(fields) > 1 else F(fields[0])
    newest = queryset.annotate(moment=moment).exclude(moment=None).order_by("-moment").values("moment")[:1]
    return Subquery(newest)


# The marks, in the order of the marker query's columns after the person's own two times.
_MARKS = (
    "applications",
    "notes",
    "interviews",
    "offers",
    "scorecards",
    "files",
    "texts",
    "scores",
    "own_writebacks",
    "own_writebacks_done",
    "writebacks",
    "writebacks_done",
    "changes",
    "firings",
)


def _marker_query(pk: int, workspace_id: int, candidate_type: int, application_type: int) -> QuerySet:
    """The newest change time of the person and of each kind of row that hangs off them, one column each.

    Compiling its subqueries cost ~10 ms of CPU, more than the rest of a profile poll: the poll asks
    every 10 s for every open profile, so it is compiled once per process (`MARKER`) and reused.
    """
    from apps.automation.models import RuleFiring  # as timeline.automation_batch: not at import time

    person = OuterRef("pk")
    applications = Application.objects.filter(candidate_id=person)
    children = {"application__candidate_id": person}
    # The person's own write-backs and their applications' apart: one OR across the join to the
    # applications can use neither index, and scanned every write-back and application on each
    # profile view and each 10-second poll (measured in bench/web_load.py).
    own_writebacks = WritebackAction.objects.filter(candidate_id=person)
    writebacks = WritebackAction.objects.filter(application__candidate_id=person)
    marks = {
        "applications": _newest(applications, "changed_at", "created_at"),
        "notes": _newest(Note.objects.filter(**children), "changed_at", "created_at"),
        "interviews": _newest(Interview.objects.filter(**children), "changed_at", "created_at"),
        "offers": _newest(Offer.objects.filter(**children), "changed_at", "created_at"),
        "scorecards": _newest(Scorecard.objects.filter(**children), "changed_at", "created_at"),
        "files": _newest(Attachment.objects.filter(candidate_id=person), "changed_at", "created_at"),
        "texts": _newest(Attachment.objects.filter(candidate_id=person), "text_extracted_at"),
        "scores": _newest(Score.objects.filter(candidate_id=person), "computed_at"),
        "own_writebacks": _newest(own_writebacks, "created_at"),
        "own_writebacks_done": _newest(own_writebacks, "completed_at"),
        "writebacks": _newest(writebacks, "created_at"),
        "writebacks_done": _newest(writebacks, "completed_at"),
        "changes": _newest(
            RecordChange.objects.filter(
                Q(content_type_id=candidate_type, object_id=person)
                # Nested one level deeper: the person is the outer query's outer row.
                | Q(
                    content_type_id=application_type,
                    object_id__in=Application.objects.filter(candidate_id=OuterRef(person)).values("pk"),
                )
            ),
            "created_at",
        ),
        # A rule firing shows on the timeline: a new one moves the marker, so an open profile shows it.
        "firings": _newest(RuleFiring.objects.filter(candidate_id=person), "created_at"),
    }
    if tuple(marks) != _MARKS:  # the row is read by position
        raise RuntimeError("candidate marker: the marks and _MARKS disagree")
    return (
        Candidate.objects.for_workspace(workspace_id)
        .filter(pk=pk)
        .annotate(**{f"mark_{name}": expression for name, expression in marks.items()})
        .values_list("changed_at", "updated_at", *(f"mark_{name}" for name in marks))
        .order_by()[:1]
    )


MARKER = PrecompiledQuery(_marker_query)


def _as_moment(value: Any) -> datetime | None:
    """A moment from a raw row: PostgreSQL gives aware datetimes, SQLite UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# The timeline source each mark covers: every row the source could show is among the mark's rows.
_TIMELINE_MARKS = {
    "notes": "note",
    "interviews": "interview",
    "offers": "offer",
    "scorecards": "feedback",
    "own_writebacks": "writeback",
    "writebacks": "writeback",
    "changes": "change",
    "firings": "automation",
}


@dataclass(frozen=True)
class Marker:
    """The profile's change marker, and which kinds of rows the person has at all."""

    version: str
    present: frozenset[str]  # the marks with a moment: the person has rows of that kind

    @property
    def files(self) -> bool:
        return "files" in self.present

    @property
    def empty_sources(self) -> frozenset[str]:
        """Timeline sources without a single row for the person when the marker was read: not asked.

        A row added since then moves the marker, so the next poll asks again.
        """
        present = {kind for mark, kind in _TIMELINE_MARKS.items() if mark in self.present}
        return frozenset(set(_TIMELINE_MARKS.values()) - present)


# The marker of a person gone since they were read (the epoch, as an empty row gives): nothing to ask.
NO_MARKER = Marker("0", frozenset())


def candidate_marker(pk: int, workspace_id: int | None) -> Marker | None:
    """Return the change marker of person `pk` of the workspace, and which of their sources have rows.

    None when the workspace has no such person. One query: the newest change time of the person,
    their applications and everything hanging off them (each an indexed lookup). The sync writes
    `changed_at` (and a RecordChange) on every real change; scores and write-backs have their own times.
    """
    low, high = connection.ops.integer_field_range(Candidate._meta.pk.get_internal_type())
    if workspace_id is None or not low <= pk <= high:  # as the ORM, no query for what no row can be
        return None
    types = ContentType.objects.get_for_models(Candidate, Application)  # cached by Django after the first
    rows = MARKER.rows(pk, workspace_id, types[Candidate].pk, types[Application].pk)
    if not rows:
        return None
    names = _MARKS
    moments = dict(zip(("changed_at", "updated_at", *names), map(_as_moment, rows[0]), strict=True))
    newest = max(
        (moment for moment in moments.values() if moment is not None),
        default=EPOCH,
    )
    present = frozenset(name for name in names if moments[name] is not None)
    return Marker(str((newest - EPOCH) // timedelta(microseconds=1)), present)


def candidate_version(candidate: Candidate) -> str:
    """Return a marker that changes whenever anything on the person's profile timeline changes."""
    return (candidate_marker(candidate.pk, candidate.workspace_id) or NO_MARKER).version
