"""Postings → jobs, and what hangs off a job: hiring team, pipeline stages, screening questions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.integrations.lever import roles
from apps.integrations.lever.mapping.values import (
    flag,
    items,
    list_items,
    long_text,
    money,
    obj,
    ref_id,
    ref_ids,
    require_id,
    stable_key,
    text,
    texts,
    url,
)
from apps.integrations.lever.parsing import parse_ms
from apps.integrations.records import Record

_WORKPLACE_TYPES = {"unspecified", "onsite", "remote", "hybrid"}


def map_posting(posting: Any, *, web_app_url: str) -> Record:
    """Map a posting (any state, channel or confidentiality) to a Job."""
    raw = obj(posting)
    posting_id = require_id(raw, "posting")
    categories = obj(raw.get("categories"))
    content = obj(raw.get("content"))
    salary = obj(raw.get("salaryRange"))
    urls = obj(raw.get("urls"))
    state = text(raw.get("state"), 20).lower()
    created = parse_ms(raw.get("createdAt"))
    updated = parse_ms(raw.get("updatedAt"))
    all_locations = texts(categories.get("allLocations"))
    location = text(categories.get("location"), 255) or (all_locations[0][:255] if all_locations else "")
    codes = texts(raw.get("requisitionCodes"))
    legacy_code = text(raw.get("reqCode"))  # deprecated; "" on postings that never had one
    if legacy_code and legacy_code not in codes:
        codes.append(legacy_code)
    return Record(
        model="jobs.Job",
        remote_id=posting_id,
        fields={
            "name": text(raw.get("text"), 500),
            "description": long_text(content.get("description")),
            "description_html": long_text(content.get("descriptionHtml")),
            "requirement_lists": [
                {"text": text(entry.get("text")), "items": list_items(entry.get("content"))}
                for entry in items(content.get("lists"))
            ],
            "closing_html": long_text(content.get("closingHtml")),
            "status": state or "draft",
            "visibility": _visibility(raw.get("distributionChannels")),
            "confidential": text(raw.get("confidentiality")).lower() == "confidential",
            "employment_type": text(categories.get("commitment"), 120),
            "department": text(categories.get("department"), 255),
            "team": text(categories.get("team"), 255),
            "location": location,
            "all_locations": all_locations or ([location] if location else []),
            "country": text(raw.get("country"), 8),
            "workplace_type": _workplace_type(raw.get("workplaceType")),
            "level": text(categories.get("level"), 120),
            "salary_min": money(salary.get("min")),
            "salary_max": money(salary.get("max")),
            "salary_currency": text(salary.get("currency"), 8),
            "salary_interval": text(salary.get("interval"), 40),
            "salary_description": long_text(raw.get("salaryDescription")),
            "post_url": url(urls.get("show")),
            "apply_url": url(urls.get("apply")),
            # Lever documents no web-app URL for a posting; this is the path its UI uses today.
            "remote_url": url(f"{web_app_url.rstrip('/')}/jobs/postings/{posting_id}"),
            "opened_at": created,
            # Lever has no closed timestamp; the last update of a closed posting is the closest fact.
            "closed_at": updated if state == "closed" else None,
            "tags": sorted(texts(raw.get("tags"))),
            "requisition_codes": sorted(codes),
            "remote_created_at": created,
            "remote_updated_at": updated or created,
        },
        refs={"owner": ref_id(raw.get("owner")), "hiring_manager": ref_id(raw.get("hiringManager"))},
        remote_data=raw,
    )


def _visibility(channels: Any) -> str:
    names = {c.lower() for c in texts(channels)}
    if {"public", "internal"} <= names:
        return "public_internal"
    if "public" in names:
        return "public"
    if "internal" in names:
        return "internal"
    return "unlisted"


def _workplace_type(value: Any) -> str:
    # The v0 Postings API spells it "on-site"; fold case and separators before the lookup.
    key = "".join(ch for ch in text(value).lower() if ch.isalnum())
    return key if key in _WORKPLACE_TYPES else "unspecified"


def map_hiring_team(posting: Any) -> list[Record]:
    """Return one HiringTeamMember per (user, role): the owner, the hiring manager and each follower."""
    raw = obj(posting)
    posting_id = require_id(raw, "posting")
    members = [(ref_id(raw.get("owner")), "owner"), (ref_id(raw.get("hiringManager")), "hiring_manager")]
    members += [(user_id, "follower") for user_id in sorted(ref_ids(raw.get("followers")))]
    records = []
    seen: set[tuple[str, str]] = set()
    for user_id, team_role in members:
        if user_id is None or (user_id, team_role) in seen:
            continue
        seen.add((user_id, team_role))
        records.append(
            Record(
                model="jobs.HiringTeamMember",
                remote_id=f"{posting_id}:{user_id}:{team_role}",
                fields={
                    "team_role": team_role,
                    "unified_role": str(roles.unified_role_for_hiring_team_role(team_role)),
                },
                refs={"job": posting_id, "user": user_id},
                remote_data={"posting": posting_id, "user": user_id, "role": team_role},
            )
        )
    return records


def map_job_stages(posting_id: str, stage_ids: Sequence[Any]) -> list[Record]:
    """Return one JobStage per stage, in pipeline order (Lever's stages are global to the account)."""
    return [
        Record(
            model="jobs.JobStage",
            remote_id=f"{posting_id}:{stage_id}",
            fields={"position": position},
            refs={"job": posting_id, "stage": stage_id},
            remote_data={"posting": posting_id, "stage": stage_id, "position": position},
        )
        for position, stage_id in enumerate(ref_ids(stage_ids))
    ]


def map_apply_form(posting_id: str, form: Any) -> list[Record]:
    """Map the custom questions of a posting's apply form: the questions first, then their links to the job.

    `customQuestions` is a list of forms, each with `fields[]`. A field without an id is keyed on a
    digest of its form (or the posting) and its text, so it keeps its row while the form is unchanged.
    """
    questions: dict[str, Record] = {}
    links: list[Record] = []
    for custom_form in items(obj(form).get("customQuestions")):
        scope = ref_id(custom_form.get("id")) or posting_id
        for field in items(custom_form.get("fields")):
            label = long_text(field.get("text"))
            question_id = ref_id(field.get("id")) or f"field:{stable_key(scope, label)}"
            if question_id in questions:
                continue
            questions[question_id] = Record(
                model="jobs.ScreeningQuestion",
                remote_id=question_id,
                fields={
                    "text": label,
                    "description": long_text(field.get("description")),
                    "question_type": text(field.get("type"), 40),
                    "options": _option_texts(field.get("options")),
                },
                remote_data=field,
            )
            links.append(
                Record(
                    model="jobs.JobScreeningQuestion",
                    remote_id=f"{posting_id}:{question_id}",
                    fields={"position": len(links), "required": flag(field.get("required"))},
                    refs={"job": posting_id, "question": question_id},
                    remote_data={"posting": posting_id, "question": question_id, "form": scope},
                )
            )
    return [*questions.values(), *links]


def _option_texts(options: Any) -> list[str]:
    if not isinstance(options, list):
        return []
    return texts([option.get("text") if isinstance(option, dict) else option for option in options])
