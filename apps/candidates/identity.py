"""Who a person is: normalised emails and LinkedIn profile URLs, and the mirror lookup built on them.

Creates in Lever check these first so a person already in Lever gets a new opportunity instead of a
second contact (LEVER_API.md §9.1). Lever matches emails after canonicalising them; we fold case and
surrounding noise only, because dots and "+tags" are meaningful to most mail providers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

if TYPE_CHECKING:
    from apps.candidates.models import Candidate
    from apps.integrations.models import Connection

LINKEDIN_HOST = "linkedin.com"
# Profile paths: /in/<handle> today, /pub/<name>/<a>/<b>/<c> on old public profiles.
_PROFILE_KINDS = ("in", "pub")


def normalize_email(value: object) -> str:
    """Return the email stripped and lower-cased, or "" when it is not an email address."""
    if not isinstance(value, str):
        return ""
    email = value.strip().strip("<>").strip()
    if email.lower().startswith("mailto:"):
        email = email[len("mailto:") :].split("?", 1)[0]
    email = email.lower()
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def normalize_linkedin_url(value: object) -> str:
    """Return a LinkedIn profile URL as "linkedin.com/in/<handle>" (lower case), or "" if it is not one.

    Scheme, "www." and country subdomains ("uk."), query, fragment, a trailing slash and a trailing
    locale segment ("/en", "/de-de") are dropped; so is anything after the handle ("/details/…").
    """
    if not isinstance(value, str) or not value.strip():
        return ""
    raw = value.strip()
    try:
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:  # a malformed bracketed host
        return ""
    if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc:
        return ""
    if host != LINKEDIN_HOST and not host.endswith(f".{LINKEDIN_HOST}"):
        return ""
    segments = [unquote(s).strip().lower() for s in parts.path.split("/") if s.strip()]
    if len(segments) < 2 or segments[0] not in _PROFILE_KINDS:
        return ""
    if segments[0] == "in":
        segments = segments[:2]
    elif len(segments) > 2 and _is_locale(segments[-1]):
        segments = segments[:-1]
    return "/".join([LINKEDIN_HOST, *segments])


def _is_locale(segment: str) -> bool:
    language, _, region = segment.partition("-")
    return (
        len(language) == 2 and language.isalpha() and (not region or (len(region) == 2 and region.isalpha()))
    )


def normalized_emails(values: Iterable[object]) -> list[str]:
    """Return the valid emails among `values`, normalised, without duplicates, in their order."""
    return list(dict.fromkeys(e for e in (normalize_email(v) for v in values) if e))


def find_existing_candidate(
    connection: Connection, emails: Iterable[object], linkedin_url: object
) -> tuple[Candidate, str] | None:
    """Return an alive mirrored candidate of `connection` with one of these emails or this LinkedIn profile.

    The second value says what matched: "email" (tried first) or "linkedin". Local rows (not in Lever
    yet) and anonymised people are never matches.
    """
    from apps.candidates.models import Candidate

    people = (
        Candidate.objects.for_connection(connection)
        .alive()
        .filter(remote_id__isnull=False, is_anonymized=False)
        .order_by("pk")
    )
    wanted = set(normalized_emails(emails))
    if wanted:
        # A coarse filter in SQL (the JSON text contains the quoted address), the exact check in Python.
        coarse = Q(email__in=wanted)
        for email in wanted:
            coarse |= Q(emails__icontains=f'"{email}"')
        for candidate in people.filter(coarse):
            if wanted & {normalize_email(e) for e in [candidate.email, *(candidate.emails or [])]}:
                return candidate, "email"
    profile = normalize_linkedin_url(linkedin_url)
    if profile:
        name = profile.split("/")[2]  # the handle, or the name of an old /pub/ profile
        coarse = Q()
        for spelling in {name, quote(name, safe="")}:  # stored links may be percent-encoded
            coarse |= Q(linkedin_url__icontains=spelling) | Q(links__icontains=spelling)
        for candidate in people.filter(coarse):
            links = [candidate.linkedin_url, *(candidate.links or [])]
            if profile in {normalize_linkedin_url(link) for link in links}:
                return candidate, "linkedin"
    return None
