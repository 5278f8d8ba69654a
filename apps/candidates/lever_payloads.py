"""The person data of a "create candidate in Lever" action: gathered from a local row, checked, normalised.

Output uses the payload keys the CREATE_CANDIDATE handler reads (apps/integrations/lever/writeback/
people.py); every value is plain JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.candidates.identity import normalize_email, normalize_linkedin_url
from apps.candidates.models import Candidate
from apps.integrations.lever.validation import OPPORTUNITY_ORIGINS
from apps.integrations.writeback_inputs import text_value, unknown_keys

CANDIDATE_FIELDS = frozenset(
    {
        "name",
        "emails",
        "phones",
        "links",
        "linkedin_url",
        "location",
        "headline",
        "title",
        "company",
        "sources",
        "origin",
        "tags",
    }
)
PHONE_TYPES = frozenset({"mobile", "home", "work", "skype", "other"})
DEFAULT_ORIGIN = "sourced"  # someone a recruiter adds from Recruitdesk was sourced, not an applicant
_validate_url = URLValidator(schemes=["http", "https"])


def candidate_data(candidate: Candidate) -> dict[str, Any]:
    """Return what a local candidate row says about the person, in payload keys."""
    emails = [candidate.email, *(candidate.emails or [])]
    return {
        "name": candidate.name or " ".join(p for p in (candidate.first_name, candidate.last_name) if p),
        "emails": [e for e in emails if e],
        "phones": list(candidate.phones or []),
        "links": [link for link in candidate.links or [] if link != candidate.linkedin_url],
        "linkedin_url": candidate.linkedin_url,
        "location": candidate.location,
        "headline": candidate.headline,
        "title": candidate.current_title,
        "company": candidate.current_company,
    }


def candidate_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the checked person payload; raise ValidationError naming the first problem."""
    unknown_keys(data, CANDIDATE_FIELDS, "candidate")
    title = text_value(data.get("title"), "current title", limit=255, required=False)
    company = text_value(data.get("company"), "current company", limit=255, required=False)
    headline = text_value(data.get("headline"), "headline", limit=500, required=False)
    payload: dict[str, Any] = {
        "name": text_value(data.get("name"), "name", limit=255),
        "emails": _emails(data.get("emails")),
        "phones": _phones(data.get("phones")),
        "links": _links(data.get("links")),
        "linkedin_url": _linkedin(data.get("linkedin_url")),
        "location": text_value(data.get("location"), "location", limit=255, required=False),
        # Lever has one headline; "Title at Company" is also how the mirror reads it back.
        "headline": headline or " at ".join(x for x in (title, company) if x),
        "title": title,
        "company": company,
        "sources": _labels(data.get("sources"), "source"),
        "tags": _labels(data.get("tags"), "tag"),
        "origin": data.get("origin") or DEFAULT_ORIGIN,
    }
    if payload["origin"] not in OPPORTUNITY_ORIGINS:
        raise ValidationError(
            f"Unknown origin {payload['origin']!r}; use one of {', '.join(sorted(OPPORTUNITY_ORIGINS))}.",
            code="origin",
        )
    return {key: value for key, value in payload.items() if value not in ("", [])}


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValidationError(f"Give the {what} as a list.", code="invalid")
    return list(value)


def _emails(value: Any) -> list[str]:
    emails: list[str] = []
    for raw in _list(value, "emails"):
        email = normalize_email(raw)
        if not email:
            raise ValidationError(f"{raw!r} is not an email address.", code="email")
        if email not in emails:
            emails.append(email)
    return emails


def _phones(value: Any) -> list[dict[str, str]]:
    phones = []
    for raw in _list(value, "phones"):
        entry = raw if isinstance(raw, Mapping) else {"value": raw}
        number = text_value(entry.get("value"), "phone number", limit=60)
        kind = text_value(entry.get("type"), "phone type", limit=20, required=False).lower()
        if kind and kind not in PHONE_TYPES:
            raise ValidationError(
                f"Unknown phone type {kind!r}; use one of {', '.join(sorted(PHONE_TYPES))}.", code="phone"
            )
        phones.append({"type": kind, "value": number} if kind else {"value": number})
    return phones


def web_url(raw: Any, what: str) -> str:
    """Return a checked http(s) URL (a missing scheme means https), or raise ValidationError."""
    link = text_value(raw, what, limit=500)
    if "://" not in link:
        link = f"https://{link}"
    try:
        _validate_url(link)
    except ValidationError:
        raise ValidationError(f"{raw!r} is not a web address.", code="url") from None
    return link


def _links(value: Any) -> list[str]:
    return list(dict.fromkeys(web_url(raw, "link") for raw in _list(value, "links")))


def _linkedin(value: Any) -> str:
    if not value:
        return ""
    link = web_url(value, "LinkedIn URL")
    if not normalize_linkedin_url(link):
        raise ValidationError(f"{value!r} is not a LinkedIn profile URL.", code="linkedin")
    return link


def _labels(value: Any, what: str) -> list[str]:
    labels = [text_value(raw, what, limit=255) for raw in _list(value, f"{what}s")]
    return list(dict.fromkeys(labels))
