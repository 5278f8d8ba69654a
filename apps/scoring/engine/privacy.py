"""Blank out personal data before anything is computed, keeping every offset valid.

Redacted characters are replaced by spaces of the same length, so evidence spans computed on the
redacted text still index the original text, and no personal value can reach a term, a score or a
snippet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits with the usual separators on one line; checked further by `_is_phone`.
_PHONE_RE = re.compile(r"(?<![\w])\+?\(?\d[\d \t().-]{6,}\d(?![\w])")
_YEAR_GROUP_RE = re.compile(r"(?:19|20)\d\d")
_URL_RE = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\blinkedin\.com/\S+", re.IGNORECASE)
# "Name: …", "Email address: …", "Date of birth: …" lines of a resume's contact block.
_LABELLED_RE = re.compile(
    r"^[ \t>*#•-]*(?:full\s+|first\s+|last\s+)?(?:name|e-?mail(?:\s+address)?|phone(?:\s+number)?|mobile|"
    r"tel(?:ephone)?|address|home\s+address|date\s+of\s+birth|birth\s*date|dob|age|gender|sex|pronouns|"
    r"nationality|marital\s+status|religion|race|ethnicity|photo|linkedin|website)\s*[:：]\s*[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_PHONE_DIGITS = 9


def _is_phone(candidate: str) -> bool:
    """Nine or more digits that are not a date range ("2013 - 2017", "1. 2013 - 2016", "2009-2013 2013-2017")."""
    groups = re.findall(r"\d+", candidate)
    if sum(len(g) for g in groups) < _PHONE_DIGITS:
        return False
    return sum(1 for g in groups if _YEAR_GROUP_RE.fullmatch(g)) < 2


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _value_spans(text: str, value: str) -> list[tuple[int, int]]:
    """Where a known personal value occurs as whole words, case-insensitively."""
    value = value.strip()
    if len(value) < 2:
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]


def redact(text: str, values: Iterable[str]) -> tuple[str, list[str]]:
    """Return ``text`` with personal data blanked, and the kinds of data found in it.

    ``values`` are the candidate's known personal values (name and its parts, emails, phones,
    personal fields); contact patterns (emails, phone numbers, URLs, labelled contact lines) are
    blanked even when not given.
    """
    if not text:
        return text, []
    spans: list[tuple[int, int]] = []
    found: list[str] = []
    for kind, pattern in (("labelled contact line", _LABELLED_RE), ("email", _EMAIL_RE), ("url", _URL_RE)):
        matches = [m.span() for m in pattern.finditer(text)]
        if matches:
            spans.extend(matches)
            found.append(kind)
    phones = [m.span() for m in _PHONE_RE.finditer(text) if _is_phone(m.group())]
    if phones:
        spans.extend(phones)
        found.append("phone")
    for value in values:
        value_spans = _value_spans(text, value)
        if value_spans:
            spans.extend(value_spans)
            found.append("known personal value")
    if not spans:
        return text, []
    return _blank(text, spans), sorted(set(found))


def personal_values(
    name: str, emails: Iterable[str], phones: Iterable[str], personal: Iterable[str]
) -> list[str]:
    """The values to blank: the name, each of its words of two letters or more, and every other field."""
    values = [name, *name.split(), *emails, *phones, *personal]
    # Longest first, so "Ann Lee" is blanked whole before its parts are looked for.
    return sorted({v.strip() for v in values if len(v.strip()) >= 2}, key=lambda v: (-len(v), v))
