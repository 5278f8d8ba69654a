"""Opportunities → a Candidate (the contact, i.e. the person) and an Application (the candidacy)."""

from __future__ import annotations

import re
from collections.abc import Set
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from apps.integrations.lever.mapping.values import (
    MappingError,
    first,
    flag,
    obj,
    ref_id,
    require_id,
    text,
    texts,
    url,
)
from apps.integrations.lever.parsing import parse_archived, parse_ms
from apps.integrations.records import Record

_ORIGINS = {"agency", "applied", "internal", "referred", "sourced", "university"}
# The contact fields an opportunity repeats; an expanded `contact` object overrides them.
_CONTACT_KEYS = ("name", "headline", "emails", "phones", "links", "location", "isAnonymized")
# The text fields an anonymised opportunity blanks on its candidate.
_PERSON_TEXT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "linkedin_url",
    "location",
    "headline",
    "current_title",
    "current_company",
)
_EMPTY_LISTS: dict[str, list[Any]] = {"emails": [], "phones": [], "links": []}
_APPLICATION_PII = ("name", "email", "phone", "links", "company", "comments", "customQuestions")
# "<title> at <company>", also the "@" LinkedIn headlines often use.
_TITLE_AT_COMPANY = re.compile(r"^(?P<title>.+?)\s+(?:at|@)\s+(?P<company>.+)$", re.IGNORECASE)


def map_opportunity(opportunity: Any, *, hired_reason_ids: Set[str]) -> tuple[Record, Record]:
    """Map an opportunity to (Candidate keyed on its contact id, Application keyed on the opportunity id).

    `hired_reason_ids` are the ids of hired-type archive reasons: an opportunity archived with one
    of them is a hire, any other archive is a rejection (LEVER_API.md §13 item 20).
    """
    raw = obj(opportunity)
    opportunity_id = require_id(raw, "opportunity")
    contact_id = ref_id(raw.get("contact"))
    if contact_id is None:
        raise MappingError(f"Lever opportunity {opportunity_id} without a contact")
    anonymized = flag(raw.get("isAnonymized")) or flag(obj(raw.get("contact")).get("isAnonymized"))
    return (
        _candidate(raw, contact_id, anonymized),
        _application(raw, opportunity_id, contact_id, hired_reason_ids, anonymized),
    )


def _candidate(raw: dict[str, Any], contact_id: str, anonymized: bool) -> Record:
    person = {key: raw[key] for key in _CONTACT_KEYS if key in raw}
    contact = obj(raw.get("contact"))
    # Null in an expanded contact means "not given", not "erase what the opportunity says".
    person.update({key: contact[key] for key in _CONTACT_KEYS if contact.get(key) is not None})
    if anonymized:
        # GDPR: nothing personal may survive locally, whatever the payload still carries.
        return Record(
            model="candidates.Candidate",
            remote_id=contact_id,
            fields={**dict.fromkeys(_PERSON_TEXT_FIELDS, ""), **_EMPTY_LISTS, "is_anonymized": True},
            remote_data={"id": contact_id, "isAnonymized": True},
        )
    name = text(person.get("name"), 255)
    first_name, _, last_name = " ".join(name.split()).partition(" ")
    emails = [e for e in texts(person.get("emails"), lower=True) if len(e) <= 254]
    links = texts(person.get("links"))
    headline = text(person.get("headline"), 500)
    title, company = _title_and_company(headline)
    location = person.get("location")
    return Record(
        model="candidates.Candidate",
        remote_id=contact_id,
        fields={
            "name": name,
            "first_name": first_name[:150],
            "last_name": last_name[:150],
            "email": emails[0] if emails else "",
            "emails": emails,
            "phones": _phones(person.get("phones")),
            "links": links,
            "linkedin_url": first(_linkedin(link) for link in links) or "",
            # The opportunity's location is a string, the contact's a {name} object (LEVER_API.md §11).
            "location": text(obj(location).get("name") if isinstance(location, dict) else location, 255),
            "headline": headline,
            "current_title": title[:255],
            "current_company": company[:255],
            "is_anonymized": False,
        },
        remote_data={"id": contact_id, **person},
    )


def _title_and_company(headline: str) -> tuple[str, str]:
    match = _TITLE_AT_COMPANY.match(headline)
    if match is None:
        return "", ""
    return match["title"].strip(), match["company"].strip()


def _phones(values: Any) -> list[dict[str, str]]:
    if not isinstance(values, list):
        return []
    phones = []
    for phone in values:
        entry = phone if isinstance(phone, dict) else {"value": phone}
        value = text(entry.get("value"))
        if value:
            phones.append({"type": text(entry.get("type")), "value": value})
    return phones


def _linkedin(link: str) -> str | None:
    """Return the link as an https URL when its host is linkedin.com or a subdomain of it."""
    try:
        parts = urlsplit(link if "://" in link else f"https://{link}")
        host = (parts.hostname or "").rstrip(".")
    except ValueError:  # a malformed bracketed host
        return None
    if parts.scheme.lower() not in ("http", "https") or not (
        host == "linkedin.com" or host.endswith(".linkedin.com")
    ):
        return None
    # A profile has a path and never credentials ("mailto:x@linkedin.com" parses as user "mailto").
    if "@" in parts.netloc or not parts.path.strip("/"):
        return None
    return url(urlunsplit(("https", host, parts.path, parts.query, "")), 500) or None


def _application(
    raw: dict[str, Any], opportunity_id: str, contact_id: str, hired: Set[str], anonymized: bool
) -> Record:
    applications = raw.get("applications") if isinstance(raw.get("applications"), list) else []
    application = applications[0] if applications else None  # Lever allows at most one
    expanded = obj(application)
    reason_id, archived_at = parse_archived(raw)
    stage_id = ref_id(raw.get("stage"))
    created = parse_ms(raw.get("createdAt"))
    if reason_id is None and archived_at is None:
        outcome = "active"
    else:
        outcome = "hired" if reason_id in hired else "rejected"
    fields: dict[str, Any] = {
        "application_remote_id": ref_id(application) or "",
        "stage_entered_at": _stage_entered_at(raw, stage_id)
        or parse_ms(raw.get("lastAdvancedAt"))
        or created,
        "outcome": outcome,
        "archived_at": archived_at,
        "origin": _origin(raw.get("origin")),
        "sources": sorted(texts(raw.get("sources"))),
        "confidential": text(raw.get("confidentiality")).lower() == "confidential",
        "last_interaction_at": parse_ms(raw.get("lastInteractionAt")),
        "last_advanced_at": parse_ms(raw.get("lastAdvancedAt")),
        "remote_url": url(obj(raw.get("urls")).get("show")),
        "remote_created_at": created,
        # Old records have updatedAt null (LEVER_API.md §13 item 17).
        "remote_updated_at": parse_ms(raw.get("updatedAt")) or created,
    }
    refs = {
        "candidate": contact_id,
        "current_stage": stage_id,
        "rejection_reason": reason_id,
        "owner": ref_id(raw.get("owner")),
        "sourced_by": ref_id(raw.get("sourcedBy")),
    }
    if expanded or application is None:
        answers = expanded.get("customQuestions")
        fields["answers"] = answers if isinstance(answers, list) and not anonymized else []
        fields["applied_at"] = parse_ms(expanded.get("createdAt")) or created
        refs["job"] = ref_id(expanded.get("posting"))
    # else: an unexpanded application id says nothing about the job, the answers or when it was
    # made. Those keys stay out, so the engine keeps what it has instead of clearing it.
    return Record(
        model="candidates.Application",
        remote_id=opportunity_id,
        fields=fields,
        refs=refs,
        many={"tags": sorted(texts(raw.get("tags"), limit=255))},
        remote_data=_scrubbed(raw) if anonymized else raw,
    )


def _stage_entered_at(raw: dict[str, Any], stage_id: str | None) -> datetime | None:
    changes = raw.get("stageChanges") if isinstance(raw.get("stageChanges"), list) else []
    entered = [
        parse_ms(change.get("updatedAt"))
        for change in changes
        if isinstance(change, dict) and stage_id and ref_id(change.get("toStageId")) == stage_id
    ]
    return max((when for when in entered if when), default=None)


def _origin(value: Any) -> str:
    origin = text(value).lower()
    return origin if origin in _ORIGINS else ""


def _scrubbed(raw: dict[str, Any]) -> dict[str, Any]:
    """Return the opportunity without personal data, for the raw copy of an anonymised one."""
    clean = {**raw, "name": "", "headline": "", "emails": [], "phones": [], "links": [], "location": ""}
    if isinstance(raw.get("contact"), dict):
        clean["contact"] = {"id": ref_id(raw["contact"]), "isAnonymized": True}
    if isinstance(raw.get("applications"), list):
        clean["applications"] = [
            {key: value for key, value in app.items() if key not in _APPLICATION_PII}
            if isinstance(app, dict)
            else app
            for app in raw["applications"]
        ]
    return clean
