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
from apps.candidates.files import is_pdf
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
from apps.candidates.timeline import EPOCH
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


def duplicate_rows(
    *, workspace: Workspace, groups: Iterable[DuplicateGroup]
) -> list[tuple[DuplicateGroup, list[Candidate]]]:
    """Each group with its people (one query for the page): applications count and a Lever link."""
    groups = list(groups)
    shown = {pk for group in groups for pk in group.members}
    lever_urls = (
        Application.objects.filter(candidate_id=OuterRef("pk"), remote_deleted_at__isnull=True)
        .exclude(remote_url="")
        .order_by(F("applied_at").desc(nulls_last=True), "-pk")
        .values("remote_url")[:1]
    )
    people = (
        Candidate.objects.for_workspace(workspace)
        .filter(pk__in=shown)
        .only("pk", "name", "email", "current_title", "current_company", "remote_created_at")
        .annotate(application_count=_application_count(), lever_url=Subquery(lever_urls))
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
    application.days_in_stage = (now - entered).days if application.is_active and entered else None
    application.source_names = [str(s) for s in application.sources or [] if isinstance(s, str | int) and s]
    application.lever_href = safe_web_url(application.remote_url)
    return application


def profile_applications(candidate: Candidate) -> list[Application]:
    """The person's alive applications, most recent first, with job, stage, reason, owner, score and tags."""
    now = timezone.now()
    applications = (
        candidate.applications.alive()
        .select_related("job", "current_stage", "rejection_reason", "owner", "score")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        # For the action controls ("Lever is disconnected"): the status alone, not the connection.
        .annotate(connection_status=F("connection__status"))
        .order_by(F("applied_at").desc(nulls_last=True), "-pk")
    )
    return [_decorate(application, now) for application in applications]


def profile_files(candidate: Candidate) -> list[Attachment]:
    """Resumes and files, newest first, each knowing whether its bytes are here and whether it is a PDF."""
    files = list(
        candidate.attachments.alive()
        .select_related("application__job")
        .defer("extracted_text", "parsed_positions", "parsed_schools", "remote_data")
        .order_by(F("uploaded_at").desc(nulls_last=True), "-pk")
    )
    for attachment in files:
        attachment.is_stored = bool(attachment.file)
        attachment.is_pdf = is_pdf(attachment)
        attachment.type_label = (attachment.extension or "").upper().lstrip(".") or attachment.content_type
    return files


def candidate_profile(*, candidate: Candidate) -> dict[str, Any]:
    """Applications, the union of their tags, contact details, files and the Lever link."""
    applications = profile_applications(candidate)
    tags = sorted({tag.name for application in applications for tag in application.tags.all()}, key=str.lower)
    lever_url = next((a.lever_href for a in applications if a.lever_href), "")
    anonymised = candidate.is_anonymized
    return {
        "applications": applications,
        "tags": tags,
        "contact": contact_details(candidate) if not anonymised else None,
        "attachments": profile_files(candidate) if not anonymised else [],
        "lever_url": lever_url,
    }


@dataclass(frozen=True)
class ResumeSection:
    application: Application
    resume: Attachment | None
    text: HighlightedText | None
    scored: bool = False


def resume_sections(*, candidate: Candidate, panels: list[dict[str, Any]]) -> dict[int, ResumeSection]:
    """For each scored application, the resume text the engine read with that score's evidence marked.

    The resume is the one `apps.scoring.inputs` feeds the engine (the newest alive resume with text).
    """
    if not panels or candidate.is_anonymized:
        return {}
    resume = latest_resumes([candidate.pk]).get(candidate.pk)
    text = resume.extracted_text if resume else ""
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


# A pk no row has: it marks where each call's candidate goes in the once-compiled marker query.
_VERSION_PK = 9_007_199_254_740_881
_version_sql: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}


def _version_query() -> tuple[str, tuple[Any, ...]]:
    """The marker query as SQL and parameters, built by the ORM once per database and process.

    Compiling its thirteen subqueries cost ~10 ms of CPU, more than the rest of a profile poll:
    the poll asks every 10 s for every open profile, so it is compiled once and reused.
    """
    candidate_type = ContentType.objects.get_for_model(Candidate)
    application_type = ContentType.objects.get_for_model(Application)
    key = (connection.alias, connection.vendor, candidate_type.pk, application_type.pk)
    if key in _version_sql:
        return _version_sql[key]
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
                Q(content_type=candidate_type, object_id=person)
                # Nested one level deeper: the person is the outer query's outer row.
                | Q(
                    content_type=application_type,
                    object_id__in=Application.objects.filter(candidate_id=OuterRef(person)).values("pk"),
                )
            ),
            "created_at",
        ),
    }
    query = (
        Candidate.objects.filter(pk=_VERSION_PK)
        .annotate(**{f"mark_{name}": expression for name, expression in marks.items()})
        .values_list("changed_at", "updated_at", *(f"mark_{name}" for name in marks))
        .order_by()[:1]
    )
    sql, params = query.query.sql_with_params()
    if params.count(_VERSION_PK) != 1:  # the marker must stand for the candidate and nothing else
        raise RuntimeError("candidate_version: unexpected parameters in the compiled query")
    _version_sql[key] = (sql, params)
    return sql, params


def _as_moment(value: Any) -> datetime | None:
    """A moment from a raw row: PostgreSQL gives aware datetimes, SQLite UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def candidate_version(candidate: Candidate) -> str:
    """Return a marker that changes whenever anything on the person's profile timeline changes.

    One query: the newest change time of the person, their applications and everything hanging off
    them (each an indexed lookup). The sync writes `changed_at` (and a RecordChange) on every real
    change; scores and write-backs have their own times.
    """
    sql, params = _version_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [candidate.pk if value == _VERSION_PK else value for value in params])
        row = cursor.fetchone()
    moments = [moment for moment in map(_as_moment, row or ()) if moment is not None]
    newest = max(moments, default=EPOCH)
    return str((newest - EPOCH) // timedelta(microseconds=1))
