"""Build the engine's inputs from the mirror, and the hashes that tell whether they changed.

The hashes are ours (sha256 of the input dataclasses), computed before the engine runs, so an
unchanged pair costs a few dictionary lookups and no text processing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import F

from apps.candidates.models import Application, Attachment, AttachmentKind, Candidate, Tag
from apps.jobs.models import Job, WorkplaceType
from apps.scoring.engine.types import (
    CandidateInput,
    JobInput,
    Position,
    Profile,
    RequirementList,
    School,
)
from apps.scoring.models import DEFAULT_TIER_TAGS, ScoringProfile

# Tags Recruitdesk writes itself must never feed back into the score they came from.
OWN_TAG_PREFIX = "recruitdesk:"


def fingerprint(*parts: Any) -> str:
    """Return a stable sha256 of dataclasses and plain values (dates as ISO text)."""
    plain = [dataclasses.asdict(part) if dataclasses.is_dataclass(part) else part for part in parts]
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# -- jobs ------------------------------------------------------------------------------------------------


def job_input(job: Job) -> JobInput:
    lists = []
    for entry in job.requirement_lists or []:
        if not isinstance(entry, dict):
            continue
        items = tuple(str(item).strip() for item in entry.get("items") or [] if str(item).strip())
        lists.append(RequirementList(title=str(entry.get("text") or ""), items=items))
    workplace = "" if job.workplace_type == WorkplaceType.UNSPECIFIED else job.workplace_type
    return JobInput(
        title=job.name,
        description=job.description,
        requirement_lists=tuple(lists),
        level=job.level,
        location=job.location,
        workplace_type=workplace,
    )


def profile_input(profile: ScoringProfile | None) -> Profile | None:
    if profile is None:
        return None
    weights = {
        str(name): float(value) for name, value in (profile.weights or {}).items() if value is not None
    }
    return Profile(
        weights=weights,
        must_haves=tuple(str(item) for item in profile.must_haves or ()),
        nice_to_haves=tuple(str(item) for item in profile.nice_to_haves or ()),
        required_years=profile.required_years,
        location_required=profile.location_required,
    )


# -- candidates --------------------------------------------------------------------------------------------


def _month(value: Any) -> date | None:
    """Return the first day of a Lever `{year, month}` (month optional), or None."""
    if not isinstance(value, dict):
        return None
    try:
        year = int(value.get("year"))
        month = int(value.get("month") or 1)
        return date(year, min(max(month, 1), 12), 1)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def positions_of(parsed: Any) -> tuple[Position, ...]:
    return tuple(
        Position(
            title=_text(item.get("title")),
            company=_text(item.get("org")),
            summary=_text(item.get("summary")),
            start=_month(item.get("start")),
            end=_month(item.get("end")),
        )
        for item in parsed or []
        if isinstance(item, dict)
    )


def schools_of(parsed: Any) -> tuple[School, ...]:
    return tuple(
        School(
            name=_text(item.get("org")),
            degree=_text(item.get("degree")),
            field=_text(item.get("field")),
            end=_month(item.get("end")),
        )
        for item in parsed or []
        if isinstance(item, dict)
    )


def personal_fields(candidate: Candidate) -> dict[str, str]:
    """Return the personal values the engine must strip (and list as excluded), by name."""
    personal = {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "linkedin_url": candidate.linkedin_url,
    }
    for number, link in enumerate(candidate.links or [], start=1):
        if isinstance(link, str):
            personal[f"link_{number}"] = link
    return {key: value for key, value in personal.items() if value}


def candidate_input(
    candidate: Candidate, *, resume: Attachment | None, tags: Iterable[str]
) -> tuple[CandidateInput, date]:
    """Return the candidate's engine input and its reference date ("today" for current positions)."""
    phones = tuple(
        str(phone.get("value"))
        for phone in candidate.phones or []
        if isinstance(phone, dict) and phone.get("value")
    )
    emails = tuple(dict.fromkeys(e for e in [candidate.email, *(candidate.emails or [])] if e))
    value = CandidateInput(
        headline=candidate.headline,
        resume_text=resume.extracted_text if resume else "",
        positions=positions_of(resume.parsed_positions) if resume else (),
        schools=schools_of(resume.parsed_schools) if resume else (),
        tags=tuple(sorted(set(tags), key=str.lower)),
        location=candidate.location,
        name=candidate.name,
        emails=emails,
        phones=phones,
        personal=personal_fields(candidate),
    )
    return value, reference_date(candidate, resume)


def reference_date(candidate: Candidate, resume: Attachment | None) -> date:
    """Return the date a current position runs to: when the resume was uploaded, else the profile's date.

    Never today's date: that would change every candidate's hash daily and rescore everything.
    """
    for moment in (
        resume and (resume.uploaded_at or resume.remote_created_at),
        candidate.remote_updated_at,
        candidate.remote_created_at,
        candidate.created_at,
    ):
        if moment:
            return moment.date()
    return date(2000, 1, 1)  # unsaved candidate with no dates: only in tests


def latest_resumes(candidate_ids: Iterable[int]) -> dict[int, Attachment]:
    """Return each candidate's newest alive resume that has text or parsed positions."""
    latest: dict[int, Attachment] = {}
    resumes = (
        Attachment.objects.alive()
        .filter(candidate_id__in=list(candidate_ids), kind=AttachmentKind.RESUME)
        .only(
            "candidate_id",
            "extracted_text",
            "parsed_positions",
            "parsed_schools",
            "uploaded_at",
            "remote_created_at",
        )
        # PostgreSQL sorts NULLs first in descending order: a resume without an upload date must not
        # shadow a dated newer one.
        .order_by("candidate_id", F("uploaded_at").desc(nulls_last=True), "-pk")
    )
    for resume in resumes:
        if resume.candidate_id in latest:
            continue
        if resume.extracted_text or resume.parsed_positions or resume.parsed_schools:
            latest[resume.candidate_id] = resume
    return latest


def candidate_tags(candidate_ids: Iterable[int], own_tags: Iterable[str]) -> dict[int, set[str]]:
    """Return the union of tags over each candidate's alive applications, without Recruitdesk's own."""
    own = {tag.casefold() for tag in [*own_tags, *DEFAULT_TIER_TAGS.values()] if tag}
    tags: dict[int, set[str]] = defaultdict(set)
    rows = Tag.objects.filter(
        applications__candidate_id__in=list(candidate_ids), applications__remote_deleted_at__isnull=True
    ).values_list("applications__candidate_id", "name")
    for candidate_id, name in rows:
        if name.casefold() not in own and not name.casefold().startswith(OWN_TAG_PREFIX):
            tags[candidate_id].add(name)
    return tags


def applications_for_scoring(pks: Iterable[int]) -> list[Application]:
    return list(
        Application.objects.filter(pk__in=list(pks))
        .select_related("job", "candidate")
        .order_by("candidate_id", "pk")
    )
