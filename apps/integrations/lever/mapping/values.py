"""Tolerant readers for single Lever values, shared by every mapping module.

Lever's payloads vary (LEVER_API.md §3, §11): envelopes may be doubled, ids may arrive expanded into
objects, numbers may be numeric strings and nearly anything may be null. These helpers turn each of
those into the one shape our models store, and never raise on garbage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from apps.integrations.lever.parsing import unwrap

# Our DecimalFields hold 14 digits, 2 after the point.
_CENT = Decimal("0.01")
_DECIMAL_LIMIT = Decimal(10) ** 12
# Lever's ids are UUIDs (36 characters) or short slugs ("lead-new"). Anything far longer is garbage, and
# would not fit our 255-character remote_id columns once combined ("<posting>:<user>:<role>").
MAX_ID_LENGTH = 100


class MappingError(ValueError):
    """Raised when a Lever object lacks what identifies it (no id, no text), so it cannot be mirrored."""


def obj(payload: Any) -> dict[str, Any]:
    """Return the object inside Lever's `data` envelope(s), or {} when it is not an object."""
    inner = unwrap(payload)
    return inner if isinstance(inner, dict) else {}


def items(payload: Any) -> list[dict[str, Any]]:
    """Return the objects of a Lever list (bare, `data`-wrapped or a lone object); non-objects are dropped."""
    inner = unwrap(payload)
    if isinstance(inner, dict):
        inner = [inner]
    if not isinstance(inner, list):
        return []
    return [o for o in (obj(item) for item in inner) if o]


def require_id(payload: dict[str, Any], kind: str) -> str:
    """Return the object's id, or raise MappingError naming the kind of object that lacked one."""
    remote_id = ref_id(payload.get("id"))
    if remote_id is None:
        raise MappingError(f"Lever {kind} without a usable id")
    return remote_id


def ref_id(value: Any) -> str | None:
    """Return the id a reference carries: a plain id, or the `id` of an expanded object (`expand=`).

    None when there is none, or when it is longer than any Lever id (MAX_ID_LENGTH).
    """
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text if text and len(text) <= MAX_ID_LENGTH else None
    return None


def ref_ids(values: Any) -> list[str]:
    """Return the distinct ids of a list of ids or expanded objects, in their first-seen order."""
    if not isinstance(values, list | tuple):
        return []
    return list(dict.fromkeys(i for i in (ref_id(v) for v in values) if i))


def text(value: Any, limit: int | None = None) -> str:
    """Return a one-line value as a stripped string ("" for null or non-scalars), cut to `limit` characters."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    result = str(value).strip()
    return result[:limit] if limit else result


def long_text(value: Any) -> str:
    """Return free text (descriptions, note bodies) as given, "" for null or non-scalars."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value)


def url(value: Any, limit: int = 1000) -> str:
    """Return a URL, or "" when absent or longer than the column: a cut URL would point somewhere else."""
    result = text(value)
    return result if len(result) <= limit else ""


def texts(values: Any, *, limit: int | None = None, lower: bool = False) -> list[str]:
    """Return the distinct non-empty strings of a list, in their first-seen order."""
    if not isinstance(values, list):
        return []
    cleaned = (text(v, limit) for v in values if not isinstance(v, dict | list))
    return list(dict.fromkeys(v.lower() if lower else v for v in cleaned if v))


def flag(value: Any) -> bool:
    """Return a boolean for true/false values Lever may also send as "true"/"false" strings."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def money(value: Any) -> Decimal | None:
    """Return an amount as a Decimal with two places (int, float or numeric string), None otherwise."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= _DECIMAL_LIMIT:
        return None
    # One canonical form, so 40000, 40000.0 and "40000" hash alike.
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def stable_key(*parts: str) -> str:
    """Return a short digest of `parts`, used as a remote id where Lever gives none."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def first(values: Iterable[Any]) -> Any:
    """Return the first truthy value, or None."""
    return next((v for v in values if v), None)


class _ListItems(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.loose: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self._flush()
            self._current = []
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._flush()

    def handle_data(self, data: str) -> None:
        (self._current if self._current is not None else self.loose).append(data)

    def _flush(self) -> None:
        if self._current is not None:
            item = " ".join("".join(self._current).split())
            if item:
                self.items.append(item)
        self._current = None

    def close(self) -> None:
        super().close()
        self._flush()


def list_items(html: Any) -> list[str]:
    """Return the plain text of each `<li>` in a Lever list's HTML: entities decoded, tags stripped.

    A list without `<li>` markup is read as one item, so text typed without bullets is not lost.
    """
    source = long_text(html)
    if not source.strip():
        return []
    parser = _ListItems()
    parser.feed(source)
    parser.close()
    if parser.items:
        return parser.items
    loose = " ".join("".join(parser.loose).split())
    return [loose] if loose else []
