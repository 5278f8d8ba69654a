"""Account-wide reference data: users, stages, archive reasons, tags, sources and requisitions."""

from __future__ import annotations

from typing import Any

from apps.integrations.lever import roles
from apps.integrations.lever.mapping.values import (
    MappingError,
    flag,
    items,
    obj,
    ref_id,
    require_id,
    text,
    url,
)
from apps.integrations.lever.parsing import parse_int, parse_ms
from apps.integrations.records import Record

_REASON_TYPES = ("hired", "non-hired")
_MAX_HEADCOUNT = 2**31 - 1  # the largest value a PositiveIntegerField holds on every database


def map_user(user: Any) -> Record:
    """Map a Lever user (active or deactivated) to an AtsUser."""
    raw = obj(user)
    access_role = text(raw.get("accessRole"), 64)
    email = text(raw.get("email")).lower()
    return Record(
        model="integrations.AtsUser",
        remote_id=require_id(raw, "user"),
        fields={
            "name": text(raw.get("name"), 255),
            "email": email if len(email) <= 254 else "",
            "username": text(raw.get("username"), 255),
            "access_role": access_role,
            "unified_role": str(roles.unified_role_for_access_role(access_role)),
            "job_title": text(raw.get("jobTitle"), 255),
            "photo_url": url(raw.get("photo")),
            "deactivated_at": parse_ms(raw.get("deactivatedAt")),
            # Lever users carry no updatedAt.
            "remote_created_at": parse_ms(raw.get("createdAt")),
        },
        remote_data=raw,
    )


def map_stages(stages: Any) -> list[Record]:
    """Map the account's stages; Lever exposes no order field, so the list order is the pipeline order."""
    records = []
    seen: set[str] = set()
    for raw in items(stages):
        stage_id = ref_id(raw.get("id"))
        if stage_id is None or stage_id in seen:
            continue
        seen.add(stage_id)
        records.append(
            Record(
                model="jobs.Stage",
                remote_id=stage_id,
                fields={"name": text(raw.get("text"), 255), "global_index": len(records)},
                remote_data=raw,
            )
        )
    return records


def map_archive_reason(reason: Any) -> Record:
    """Map an archive reason; hired-type reasons are what marks an archived opportunity as a hire."""
    raw = obj(reason)
    reason_type = text(raw.get("type")).lower()
    return Record(
        model="candidates.RejectionReason",
        remote_id=require_id(raw, "archive reason"),
        fields={
            "name": text(raw.get("text"), 255),
            "reason_type": reason_type if reason_type in _REASON_TYPES else "non-hired",
            # Only an explicit "inactive" retires a reason; old payloads without a status are in use.
            "is_active": text(raw.get("status")).lower() != "inactive",
        },
        remote_data=raw,
    )


def map_tag(tag: Any) -> Record:
    """Map a tag (`{text, count}` or a bare string); Lever keys tags on their text."""
    return _text_keyed("candidates.Tag", tag)


def map_source(source: Any) -> Record:
    """Map a source (`{text, count}` or a bare string); Lever keys sources on their text."""
    return _text_keyed("candidates.Source", source)


def _text_keyed(model: str, payload: Any) -> Record:
    raw = {"text": payload} if isinstance(payload, str) else obj(payload)
    # Case-sensitive, like Lever; `count` is left out of the fields because it moves on every use.
    name = text(raw.get("text"), 255)
    if not name:
        raise MappingError(f"Lever {model.split('.')[1].lower()} without text")
    return Record(model=model, remote_id=name, fields={"name": name}, remote_data=raw)


def map_requisition(req: Any) -> Record:
    """Map a requisition; headcount "unlimited" becomes an empty total."""
    raw = obj(req)
    band = raw.get("compensationBand")
    created = parse_ms(raw.get("createdAt"))
    return Record(
        model="jobs.Requisition",
        remote_id=require_id(raw, "requisition"),
        fields={
            "code": text(raw.get("requisitionCode"), 255),
            "name": text(raw.get("name"), 500),
            "status": text(raw.get("status"), 20),
            "backfill": flag(raw.get("backfill")),
            "confidential": text(raw.get("confidentiality")).lower() == "confidential",
            "headcount_total": _headcount(raw.get("headcountTotal")),
            "headcount_hired": _headcount(raw.get("headcountHired")) or 0,
            "employment_status": text(raw.get("employmentStatus"), 40),
            "location": text(raw.get("location"), 255),
            "team": text(raw.get("team"), 255),
            "department": text(raw.get("department"), 255),
            "compensation": band if isinstance(band, dict) else {},
            "closed_at": parse_ms(raw.get("closedAt")),
            "remote_created_at": created,
            "remote_updated_at": parse_ms(raw.get("updatedAt")) or created,
        },
        refs={"owner": ref_id(raw.get("owner")), "hiring_manager": ref_id(raw.get("hiringManager"))},
        remote_data=raw,
    )


def _headcount(value: Any) -> int | None:
    number = parse_int(value)  # "unlimited" and other words are not numbers
    return number if number is not None and 0 <= number <= _MAX_HEADCOUNT else None
