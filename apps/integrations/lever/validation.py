"""Checks on write payloads that Lever would reject anyway, done before a request is spent on them.

Reference: LEVER_API.md §9.5 (note score), §9.7 (posting HTML whitelist, salaryRange all-or-nothing),
§10.1 and §10.5 (webhook events and origin conditions). Each check raises ValueError naming the
problem; nothing here talks HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

WEBHOOK_EVENTS = frozenset(
    {
        "applicationCreated",
        "candidateHired",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateDeleted",
        "interviewCreated",
        "interviewUpdated",
        "interviewDeleted",
        "contactCreated",
        "contactUpdated",
    }
)
# Only these four events accept `configuration.conditions.origins`.
WEBHOOK_EVENTS_WITH_ORIGINS = frozenset(
    {"applicationCreated", "candidateArchiveChange", "candidateHired", "candidateStageChange"}
)
OPPORTUNITY_ORIGINS = frozenset({"applied", "sourced", "referred", "university", "agency", "internal"})

SALARY_RANGE_FIELDS = ("min", "max", "currency", "interval")

DESCRIPTION_TAGS = frozenset({"div", "p", "span", "br", "b", "i", "s", "u", "a"})
LIST_TAGS = frozenset({"li", "b", "i", "s", "u", "a"})
ALLOWED_CLASSES = frozenset({"postings-link"})
ALLOWED_FONT_SIZES = frozenset({"10px", "14px", "18px", "24px", "32px"})


def validate_note_score(score: Any) -> None:
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 4:
        raise ValueError(f"A Lever note score must be an integer from 1 to 4, not {score!r}.")


def validate_webhook(event: str, origins: Any) -> None:
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"Lever has no webhook event {event!r}.")
    if not origins:
        return
    if event not in WEBHOOK_EVENTS_WITH_ORIGINS:
        raise ValueError(f"Lever accepts origin conditions only on {sorted(WEBHOOK_EVENTS_WITH_ORIGINS)}.")
    unknown = set(origins) - OPPORTUNITY_ORIGINS
    if unknown:
        raise ValueError(f"Unknown opportunity origins: {sorted(unknown)}.")


def validate_posting_fields(fields: Mapping[str, Any]) -> None:
    """Check a posting create/update body: all four salaryRange fields or none, and whitelisted HTML."""
    salary = fields.get("salaryRange")
    if salary is not None:
        if not isinstance(salary, Mapping):
            raise ValueError("salaryRange must be an object with min, max, currency and interval.")
        missing = [name for name in SALARY_RANGE_FIELDS if salary.get(name) in (None, "")]
        if missing:
            raise ValueError(f"salaryRange needs all of min, max, currency and interval; missing {missing}.")
    for name, html in _description_html(fields):
        _check_html(name, html, DESCRIPTION_TAGS)
    content = fields.get("content")
    lists = content.get("lists") if isinstance(content, Mapping) else None
    for index, item in enumerate(lists or []):
        if isinstance(item, Mapping) and item.get("content"):
            _check_html(f"content.lists[{index}].content", str(item["content"]), LIST_TAGS)


def _description_html(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    if fields.get("salaryDescriptionHtml"):
        found.append(("salaryDescriptionHtml", str(fields["salaryDescriptionHtml"])))
    content = fields.get("content")
    if isinstance(content, Mapping):
        # The docs' request example says closingPostingHtml, responses say closingHtml (§9.7): check both.
        for key in ("descriptionHtml", "closingHtml", "closingPostingHtml"):
            if content.get(key):
                found.append((f"content.{key}", str(content[key])))
    return found


def _check_html(field: str, html: str, allowed_tags: frozenset[str]) -> None:
    checker = _WhitelistChecker(allowed_tags)
    checker.feed(html)
    checker.close()
    if checker.problems:
        raise ValueError(f"{field} has HTML Lever does not accept: {'; '.join(checker.problems[:5])}.")


class _WhitelistChecker(HTMLParser):
    def __init__(self, allowed_tags: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.allowed_tags:
            self.problems.append(f"<{tag}> is not allowed")
            return
        for name, value in attrs:
            problem = _attribute_problem(tag, name, value or "")
            if problem:
                self.problems.append(problem)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _attribute_problem(tag: str, name: str, value: str) -> str | None:
    if name == "href":
        return None
    if name == "class":
        if set(value.split()) <= ALLOWED_CLASSES:
            return None
        return f'<{tag} class="{value}">: only class "postings-link" is allowed'
    if name == "style":
        for declaration in filter(None, (part.strip() for part in value.split(";"))):
            prop, _, size = (piece.strip().lower() for piece in declaration.partition(":"))
            if prop != "font-size" or size not in ALLOWED_FONT_SIZES:
                return f'<{tag} style="{value}">: only font-size 10/14/18/24/32px is allowed'
        return None
    return f"<{tag} {name}>: attribute not allowed"
