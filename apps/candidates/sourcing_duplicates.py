"""Who a new person might already be: the workspace's people with one of their emails or their LinkedIn profile.

Public through apps.candidates.sourcing (NewCandidate, DuplicateMatch, duplicates_in_workspace).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import Q

from apps.candidates.identity import normalize_email, normalize_linkedin_url, normalized_emails
from apps.candidates.models import Candidate


@dataclass(frozen=True)
class NewCandidate:
    """A person as typed into the form or read from a CSV row; `name` wins, else first + last."""

    first_name: str = ""
    last_name: str = ""
    name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    linkedin_url: str = ""
    links: tuple[str, ...] = ()
    city: str = ""
    state: str = ""
    country: str = ""
    current_title: str = ""
    current_company: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateMatch:
    """Someone the workspace already has: the row (None when only Lever knows them), and why."""

    candidate: Candidate | None
    remote_contact_id: str
    name: str
    reason: str  # "same email a@b.c" / "same LinkedIn profile linkedin.com/in/x"

    @property
    def in_lever(self) -> bool:
        return bool(self.remote_contact_id)


def _text_values(values: Any) -> list[str]:
    return [v for v in values or [] if isinstance(v, str)] if isinstance(values, list | tuple) else []


def duplicates_in_workspace(
    workspace: Any, new: NewCandidate, *, exclude: Candidate | None = None
) -> list[DuplicateMatch]:
    """Return the workspace's people with one of `new`'s emails or its LinkedIn profile (mirror only).

    Emails compare trimmed and case-folded; LinkedIn URLs ignoring scheme, www, trailing slash, query
    and locale segments (apps.candidates.identity). People in Lever come first; local rows not yet
    exported count too, so one person added twice is not exported twice. One query, no HTTP.
    """
    emails = normalized_emails(new.emails)
    profiles = [p for p in (normalize_linkedin_url(u) for u in [new.linkedin_url, *new.links]) if p]
    profiles = list(dict.fromkeys(profiles))
    if not emails and not profiles:
        return []
    coarse = Q()
    for email in emails:  # a coarse filter in SQL (the JSON text holds the quoted address), exact below
        coarse |= Q(email__iexact=email) | Q(emails__icontains=f'"{email}"')
    for profile in profiles:
        handle = profile.split("/")[2]
        for spelling in {handle, quote(handle, safe="")}:  # stored links may be percent-encoded
            coarse |= Q(linkedin_url__icontains=spelling) | Q(links__icontains=spelling)
    people = Candidate.objects.for_workspace(workspace).alive().filter(is_anonymized=False).filter(coarse)
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    matches = []
    for person in people.order_by("pk"):
        reason = _why(person, emails, profiles)
        if reason:
            matches.append(DuplicateMatch(person, person.remote_id or "", person.name, reason))
    return sorted(matches, key=lambda m: (not m.in_lever, m.candidate.pk if m.candidate else 0))


def _why(person: Candidate, emails: list[str], profiles: list[str]) -> str:
    theirs = {normalize_email(e) for e in [person.email, *_text_values(person.emails)]}
    shared = next((email for email in emails if email in theirs), "")
    if shared:
        return f"same email {shared}"
    their_profiles = {normalize_linkedin_url(u) for u in [person.linkedin_url, *_text_values(person.links)]}
    profile = next((p for p in profiles if p in their_profiles), "")
    return f"same LinkedIn profile {profile}" if profile else ""


def new_candidate_of(candidate: Candidate) -> NewCandidate:
    """Return what identifies a stored person (their emails and links), for a duplicate check."""
    return NewCandidate(
        name=candidate.name,
        emails=tuple(_text_values([candidate.email, *_text_values(candidate.emails)])),
        linkedin_url=candidate.linkedin_url,
        links=tuple(_text_values(candidate.links)),
    )
