"""Possible duplicates: people who exist twice in one Lever account.

Three rules, each giving an identity key per person; people sharing a key form a group:

- the same email (any of their emails), normalised as `identity.normalize_email` does: trimmed and
  lower-cased. Gmail dots and "+tags" are not folded: the create-time check in identity.py (and Lever)
  treats them as different addresses, and this page must not disagree with it;
- the same LinkedIn profile, normalised by `identity.normalize_linkedin_url` (scheme, "www.", query,
  trailing slash and locale segments ignored);
- the same name and company: name words equal ignoring case, accents and order (two words at
  least), and the company equal once case, accents, punctuation and legal suffixes ("Inc", "GmbH")
  are dropped.

The normalisations (URL parsing, accent folding, word order) have no portable SQL form, so for the
duplicates page the workspace is read once as narrow rows, streamed, and bucketed by key in
dictionaries: linear time and memory, never a comparison of pairs (about a second for 50,000 people
on SQLite). The result is cached under a version of the workspace's candidates (count, newest change)
and the page loads only the people it shows. A profile asks about one person instead: a coarse SQL
filter finds the few people who could share a key, and the same `identity_keys` decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

from django.core.cache import cache
from django.db import NotSupportedError
from django.db.models import BooleanField, F, Func, Q, QuerySet

from apps.candidates.identity import normalize_linkedin_url
from apps.candidates.models import Candidate
from apps.candidates.versions import workspace_versions

EMAIL = "email"
LINKEDIN = "linkedin"
NAME_COMPANY = "name_company"
RULE_LABELS = {
    EMAIL: "Same email",
    LINKEDIN: "Same LinkedIn profile",
    NAME_COMPANY: "Same name and company",
}
RULE_ORDER = {EMAIL: 0, LINKEDIN: 1, NAME_COMPANY: 2}
CACHE_SECONDS = 60 * 60
T = TypeVar("T")
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})
_WORD = re.compile(r"[^\W_]+")
LEGAL_SUFFIXES = frozenset(
    {"inc", "incorporated", "llc", "llp", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv"}
    | {"plc", "corp", "corporation", "co", "company", "srl", "spa", "oy", "ab", "as", "kg", "pty", "pvt"}
)


def _words(value: str) -> list[str]:
    if value.isascii():
        return _WORD.findall(value.lower())
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)
    return _WORD.findall(plain)


def email_key(value: object) -> str:
    """Return the email as `identity.normalize_email` folds it (trimmed, lower case, no "mailto:").

    Unlike it, the address is not validated: two people with the same odd address are still the same
    address, and validating 50,000 addresses would cost more than the rest of the pass.
    """
    if not isinstance(value, str):
        return ""
    email = value.strip().strip("<>").strip().lower()
    if email.startswith("mailto:"):
        email = email[len("mailto:") :].split("?", 1)[0]
    return email if "@" in email.strip("@") else ""


def name_key(name: str) -> str:
    """Return the person's name words sorted ("ada lovelace" for "Lovelace, Ada"), or "" if under two."""
    words = sorted(_words(name or ""))
    return " ".join(words) if len(words) >= 2 else ""


@lru_cache(maxsize=4096)
def company_key(company: str) -> str:
    """Return the company in plain lower-case words without trailing legal suffixes ("acme" for "ACME, Inc.")."""
    words = _words(company or "")
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def _links(values: Iterable[object]) -> list[str]:
    out = []
    for value in values:
        if isinstance(value, dict):  # tolerate {"url": …} shaped links
            value = value.get("url") or value.get("value")
        if isinstance(value, str):
            out.append(value)
    return out


def identity_keys(
    *,
    email: str = "",
    emails: object = (),
    linkedin_url: str = "",
    links: object = (),
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    company: str = "",
) -> set[tuple[str, str]]:
    """Return the (rule, value) keys a person can be matched on."""
    keys: set[tuple[str, str]] = set()
    email_list = emails if isinstance(emails, list) else []
    for value in {email, *email_list}:
        address = email_key(value)
        if address:
            keys.add((EMAIL, address))
    link_list = links if isinstance(links, list) else []
    for link in {linkedin_url, *_links(link_list)}:
        profile = linkedin_key(link)
        if profile:
            keys.add((LINKEDIN, profile))
    organisation = company_key(company) if company else ""
    person = name_key(name or f"{first_name} {last_name}") if organisation else ""
    if person:
        keys.add((NAME_COMPANY, f"{person} @ {organisation}"))
    return keys


# The usual shape of a profile link; anything else goes through the full parser.
_PLAIN_PROFILE = re.compile(r"(?:https?://)?(?:www\.)?linkedin\.com/in/([A-Za-z0-9_-]+)/?", re.IGNORECASE)


def linkedin_key(value: object) -> str:
    """Return `identity.normalize_linkedin_url(value)`, taking a shortcut for plain profile links."""
    if not isinstance(value, str) or "linkedin" not in value.lower():
        return ""
    plain = _PLAIN_PROFILE.fullmatch(value.strip())
    if plain:
        return f"linkedin.com/in/{plain.group(1).lower()}"
    return normalize_linkedin_url(value)


@dataclass(frozen=True)
class Reason:
    rule: str
    value: str

    @property
    def label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)


@dataclass(frozen=True)
class DuplicateGroup:
    members: tuple[int, ...]  # candidate pks, ascending
    reasons: tuple[Reason, ...]


def group_keys(rows: Iterable[tuple[int, int | None, set[tuple[str, str]]]]) -> list[DuplicateGroup]:
    """Group people by shared keys within a connection. Rows are (pk, connection id, keys).

    Groups with the same members are one group with several reasons; newest duplicates come first.
    """
    buckets: dict[tuple[int | None, str, str], list[int]] = defaultdict(list)
    for pk, connection_id, keys in rows:
        for rule, value in keys:
            buckets[(connection_id, rule, value)].append(pk)
    by_members: dict[tuple[int, ...], list[Reason]] = defaultdict(list)
    for (_connection, rule, value), pks in buckets.items():
        if len(pks) < 2:  # the usual case: keep it cheap
            continue
        members = tuple(sorted(set(pks)))
        if len(members) > 1:
            by_members[members].append(Reason(rule, value))
    groups = [
        DuplicateGroup(members, tuple(sorted(reasons, key=lambda r: (RULE_ORDER.get(r.rule, 9), r.value))))
        for members, reasons in by_members.items()
    ]
    return sorted(groups, key=lambda g: (-g.members[-1], g.members))


def _people(workspace_id: int) -> QuerySet[Candidate]:
    """People who may be duplicates in Lever: alive, in Lever, not anonymised."""
    return (
        Candidate.objects.for_workspace(workspace_id)
        .alive()
        .filter(remote_id__isnull=False, is_anonymized=False)
    )


def compute_duplicate_groups(workspace_id: int) -> list[DuplicateGroup]:
    """Read every person once (narrow columns, streamed) and group them; no cache."""
    rows = (
        _people(workspace_id)
        .order_by()
        .values_list(
            "pk",
            "connection_id",
            "email",
            "emails",
            "linkedin_url",
            "links",
            "name",
            "first_name",
            "last_name",
            "current_company",
        )
        .iterator(chunk_size=2000)
    )
    return group_keys(
        (
            pk,
            connection_id,
            identity_keys(
                email=email,
                emails=emails,
                linkedin_url=linkedin_url,
                links=links,
                name=name,
                first_name=first_name,
                last_name=last_name,
                company=company,
            ),
        )
        for pk, connection_id, email, emails, linkedin_url, links, name, first_name, last_name, company in rows
    )


def _kept(name: str, workspace_id: int, compute: Callable[[], T], version: str | None = None) -> T:
    """Return `compute()`, kept in the cache until the workspace's candidates change.

    `version`: the workspace's people version (versions.py) when the caller has read it already.
    """
    if version is None:
        version = workspace_versions(workspace_id).people
    return cache.get_or_set(f"candidates:{name}:v2:{workspace_id}:{version}", compute, CACHE_SECONDS)


def duplicate_groups(workspace_id: int) -> list[DuplicateGroup]:
    """Return the workspace's duplicate groups, cached until its candidates change."""
    return _kept("duplicates", workspace_id, lambda: compute_duplicate_groups(workspace_id))


@dataclass(frozen=True)
class Match:
    """Another person a profile may duplicate, and why."""

    candidate: Candidate
    reasons: tuple[Reason, ...]


def duplicates_of(candidate: Candidate, *, people_version: str | None = None) -> list[Match]:
    """Return the people this person may duplicate, and why, cached until the workspace's people change.

    Every profile view asks, and the answer changes only when someone's details do: the coarse filter
    below reads the text of every person's fields (a scan), where the workspace's version is one
    aggregate (the same one that keeps the duplicates page's groups). `people_version`: that version,
    when the caller has read it (the profile reads it with the action menus' in one query).
    """
    if candidate.remote_id is None or candidate.is_anonymized or candidate.remote_deleted_at is not None:
        return []
    return _kept(
        f"duplicates-of:{candidate.pk}",
        candidate.workspace_id,
        lambda: _find_duplicates_of(candidate),
        version=people_version,
    )


def _find_duplicates_of(candidate: Candidate) -> list[Match]:
    """Return the people this person may duplicate, and why: one query, whatever the workspace's size.

    The same rules as the duplicates page, applied to the few people a coarse SQL filter finds (the
    address or LinkedIn handle in the text of their fields, a word of the company), then checked
    exactly with `identity_keys`.
    """
    mine = keys_of(candidate)
    coarse = Q()
    for rule, value in mine:
        if rule == EMAIL:
            coarse |= Q(email__iexact=value) | Q(emails__icontains=value)
        elif rule == LINKEDIN:
            handle = value.split("/")[2]  # the handle, or the name of an old /pub/ profile
            for spelling in {handle, quote(handle, safe="")}:  # stored links may be percent-encoded
                coarse |= Q(linkedin_url__icontains=spelling) | Q(links__icontains=spelling)
        elif rule == NAME_COMPANY:
            coarse |= _same_name_and_company(candidate)
    if not coarse:
        return []
    others = (
        _people(candidate.workspace_id)
        .filter(coarse, connection_id=candidate.connection_id)
        .exclude(pk=candidate.pk)
        .only(*IDENTITY_FIELDS, "name")
        .order_by("name", "pk")[:MAX_MATCHES]
    )
    matches = []
    for other in others:
        shared = mine & keys_of(other)
        if shared:
            reasons = sorted(
                (Reason(rule, value) for rule, value in shared), key=lambda r: RULE_ORDER[r.rule]
            )
            matches.append(Match(other, tuple(reasons)))
    return matches


def _same_name_and_company(candidate: Candidate) -> Q:
    """A coarse SQL test for people whose name and company may fold to this person's.

    LIKE folds neither accents nor (on SQLite) non-ASCII case. Plain ASCII spellings are found with
    LIKE on the folded words; rows holding other characters, a minority, are tested with a regular
    expression that accepts every accented form of each letter ("zoe" finds "Zoë").
    """
    name_word = max(_words(candidate.name or f"{candidate.first_name} {candidate.last_name}"), key=len)
    company_word = max(_words(candidate.current_company), key=len)
    names = ("name", "first_name", "last_name")
    plain = Q(current_company__icontains=company_word) & _any(
        Q(**{f"{field}__icontains": name_word}) for field in names
    )
    name_pattern, company_pattern = loose_pattern(name_word), loose_pattern(company_word)
    accented = (
        _any(Q(NonAscii(field)) for field in ("current_company", *names))
        & Q(current_company__iregex=company_pattern)
        & _any(Q(**{f"{field}__iregex": name_pattern}) for field in names)
    )
    return plain | accented


def _any(conditions: Iterable[Q]) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


class NonAscii(Func):
    """True when the text holds a character outside printable ASCII (a native test on both databases)."""

    output_field = BooleanField()

    def __init__(self, field: str) -> None:
        super().__init__(F(field))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} GLOB '*[^ -~]*')", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ~ '[^ -~]')", params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError("Duplicate detection needs SQLite or PostgreSQL.")


def _accented_forms() -> dict[str, str]:
    """Map each ASCII letter to the Latin letters that fold to it ("e" → "èéêë…", both cases)."""
    forms: dict[str, set[str]] = defaultdict(set)
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = _words(char)
        if len(folded) == 1 and len(folded[0]) == 1 and folded[0].isascii():
            forms[folded[0]].add(char)
    return {letter: "".join(sorted(chars)) for letter, chars in forms.items()}


_ACCENTED = _accented_forms()


def loose_pattern(word: str) -> str:
    """Return a regular expression for a folded word in any case and with any accents ("caf[eEèé…]")."""
    parts = []
    for char in word:
        if char in _ACCENTED or (char.isascii() and char.isalpha()):
            parts.append(f"[{char}{char.upper()}{_ACCENTED.get(char, '')}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


IDENTITY_FIELDS = (
    "email",
    "emails",
    "linkedin_url",
    "links",
    "name",
    "first_name",
    "last_name",
    "current_company",
)
MAX_MATCHES = 200  # a coarse filter that finds more is matching something common; the page lists all


def keys_of(candidate: Candidate) -> set[tuple[str, str]]:
    return identity_keys(
        email=candidate.email,
        emails=candidate.emails,
        linkedin_url=candidate.linkedin_url,
        links=candidate.links,
        name=candidate.name,
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        company=candidate.current_company,
    )
