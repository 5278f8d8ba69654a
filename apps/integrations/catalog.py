"""The ATS catalog shown on /integrations/: data, so adding an ATS is one more entry."""

from __future__ import annotations

from dataclasses import dataclass

from apps.integrations.models import Provider


@dataclass(frozen=True)
class CatalogEntry:
    provider: str
    name: str
    summary: str
    live: bool
    keywords: tuple[str, ...] = ()

    def matches(self, query: str) -> bool:
        haystack = " ".join((self.name, self.summary, *self.keywords)).lower()
        return all(word in haystack for word in query.lower().split())


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        provider=Provider.LEVER,
        name="Lever",
        summary="Mirror users, jobs, candidates, applications, notes, interviews, offers and files; "
        "write tags, notes, stage moves and new candidates back.",
        live=True,
        keywords=("ats", "lever", "employ", "postings", "opportunities"),
    ),
)


def catalog_search(query: str) -> list[CatalogEntry]:
    query = query.strip()
    return [entry for entry in CATALOG if not query or entry.matches(query)]
