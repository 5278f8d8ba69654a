"""The ATS catalog shown on /integrations/: data, so adding an ATS is one more entry.

Each entry also says what Recruitdesk reads and writes in that ATS and which permissions (OAuth
scopes) sit behind each kind of data: the review page shows it, and the OAuth flow asks for exactly
the union of those scopes.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.integrations.models import Provider


@dataclass(frozen=True)
class DataAccess:
    """One kind of data, what we do with it, and the ATS permissions that allow it."""

    name: str
    reads: str
    writes: str = ""
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogEntry:
    provider: str
    name: str
    summary: str
    live: bool
    keywords: tuple[str, ...] = ()
    access: tuple[DataAccess, ...] = ()
    # Scopes needed by the connection itself rather than by one kind of data (refresh tokens, webhooks).
    base_scopes: tuple[str, ...] = ()

    def matches(self, query: str) -> bool:
        haystack = " ".join((self.name, self.summary, *self.keywords)).lower()
        return all(word in haystack for word in query.lower().split())

    @property
    def required_scopes(self) -> tuple[str, ...]:
        """Return every scope the entry needs, base scopes first, without duplicates, in a stable order."""
        scopes = [*self.base_scopes, *(scope for item in self.access for scope in item.scopes)]
        return tuple(dict.fromkeys(scopes))


# Reference: LEVER_API.md §2.4 (scope names; a write scope is requested where we write back) and
# §8 (which endpoint serves which data). Lever has no department endpoint: departments are a posting
# category, so they come with postings.
LEVER_ACCESS: tuple[DataAccess, ...] = (
    DataAccess(
        "Candidates",
        "Names, emails, phones, links and locations of everyone in your pipeline.",
        "New candidates you add from Recruitdesk.",
        ("contact:read:admin", "opportunities:write:admin"),
    ),
    DataAccess(
        "Jobs",
        "Every posting in every state, confidential ones included, and requisitions.",
        "Postings you edit from Recruitdesk.",
        ("postings:write:admin", "requisitions:read:admin", "confidential:access:admin"),
    ),
    DataAccess(
        "Applications",
        "Each candidacy: job, stage, owner, sources, answers, archive reasons.",
        "Stage moves and archiving.",
        (
            "applications:read:admin",
            "archive_reasons:read:admin",
            "sources:read:admin",
            "forms:read:admin",
            "referrals:read:admin",
        ),
    ),
    DataAccess(
        "Attachments",
        "Resumes and files, and the text inside them for scoring.",
        "Files you attach from Recruitdesk.",
        ("resumes:read:admin", "files:write:admin"),
    ),
    DataAccess("Stages", "Your pipeline stages and their order.", "", ("stages:read:admin",)),
    DataAccess(
        "Users",
        "Lever users, including deactivated ones, to show owners and attribute write-backs.",
        "",
        ("users:read:admin",),
    ),
    DataAccess(
        "Departments", "Departments and teams, read from each posting.", "", ("postings:write:admin",)
    ),
    DataAccess("Notes", "Notes on every candidacy.", "Notes with scoring results.", ("notes:write:admin",)),
    DataAccess("Tags", "Tags on every candidacy.", "Tags with scoring tiers.", ("tags:read:admin",)),
    DataAccess(
        "Interviews",
        "Interviews, panels and feedback (scorecards).",
        "",
        ("interviews:read:admin", "panels:read:admin", "feedback:read:admin"),
    ),
    DataAccess(
        "Offers", "Offer status and fields such as salary and start date.", "", ("offers:read:admin",)
    ),
)

CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        provider=Provider.LEVER,
        name="Lever",
        summary="Mirror users, jobs, candidates, applications, notes, interviews, offers and files; "
        "write tags, notes, stage moves and new candidates back.",
        live=True,
        keywords=("ats", "lever", "employ", "postings", "opportunities"),
        access=LEVER_ACCESS,
        # offline_access: a refresh token, so the connection outlives the one-hour access token.
        # webhooks:write:admin: register webhooks so changes arrive within seconds.
        base_scopes=("offline_access", "webhooks:write:admin"),
    ),
)


def catalog_search(query: str) -> list[CatalogEntry]:
    query = query.strip()
    return [entry for entry in CATALOG if not query or entry.matches(query)]


def catalog_entry(provider: str) -> CatalogEntry | None:
    """Return the live catalog entry for `provider`, or None."""
    return next((entry for entry in CATALOG if entry.provider == provider and entry.live), None)
