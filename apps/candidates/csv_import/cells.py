"""Small helpers for cell text: one-line values, lists in a cell, URLs."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SEPARATORS = {
    "emails": re.compile(r"[,;\s]+"),
    "links": re.compile(r"[,;\s]+"),
    "phones": re.compile(r"[,;\n]+"),  # "+1 555 0100" has spaces
    "tags": re.compile(r"[,;\n]+"),
}
_validate_url = URLValidator(schemes=["http", "https"])
# A strict subset of what URLValidator accepts: http(s), dotted host labels, an alphabetic TLD, a path
# without whitespace.
_PLAIN_URL = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/\S*)?", re.IGNORECASE | re.ASCII
)


def one_line(text: str) -> str:
    """Return the text on one line: control characters dropped, runs of whitespace one space."""
    if not text.isprintable():  # rare: skip the regex for ordinary text
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def split_values(cells: list[str], key: str) -> list[str]:
    """Return the values in these cells ("a@x.com; b@y.com" is two), each trimmed, none empty."""
    pattern = SEPARATORS[key]
    return [one_line(part) for cell in cells for part in pattern.split(cell) if part.strip()]


def short(text: str, limit: int = 60) -> str:
    """Return the text shortened for a message, with an ellipsis when cut."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_scheme(link: str) -> str:
    return link if "://" in link else f"https://{link}"


def is_url(link: str) -> bool:
    """Whether Django's URLValidator (what candidate_add uses) accepts the link, http(s) only.

    Plain links ("https://www.linkedin.com/in/ada/") are accepted by a much simpler pattern that
    URLValidator accepts too; anything else goes through URLValidator itself, whose regex costs about
    a tenth of a millisecond per URL: seconds for a 50,000-row file.
    """
    if len(link) <= 200 and _PLAIN_URL.fullmatch(link):
        return True
    try:
        _validate_url(link)
    except ValidationError:
        return False
    return True
