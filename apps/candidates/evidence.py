"""Highlight a fit score's evidence in the resume text the engine scored.

The engine quotes evidence as offsets (`start`, `end`) into the text it read: the resume's extracted
text, NFKC-folded only when that keeps its length and with personal data blanked by spaces of the
same length (apps.scoring.engine.privacy), so the offsets index the stored text as well. Evidence is
trusted only when its offsets fall inside the text and the quoted snippet still matches it: a score
computed before a newer resume arrived must not mark an unrelated passage.

Every character of the text is escaped; only the <mark> and anchor tags we build are markup.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

RESUME_SOURCE = "resume"


def evidence_anchor(application_pk: int, requirement_index: int, evidence_index: int) -> str:
    """Return the element id a score panel links to (templates/scoring/_score_panel.html builds the same)."""
    return f"ev-{application_pk}-{requirement_index}-{evidence_index}"


@dataclass(frozen=True)
class Passage:
    anchor: str
    start: int
    end: int


@dataclass(frozen=True)
class HighlightedText:
    html: SafeString
    located: int = 0  # evidence passages marked in the text
    unlocated: tuple[str, ...] = field(default_factory=tuple)  # anchors of evidence that did not fit


def resume_evidence(
    explanation: dict[str, Any] | None, *, application_pk: int, text: str
) -> tuple[list[Passage], list[str]]:
    """Return the resume evidence of the explanation's requirements that fits `text`, and the other anchors.

    Requirements are numbered as the score panel numbers them (dict rows only, in order), evidence by
    its position in the requirement's list, so every link of the panel has a target.
    """
    fits: list[Passage] = []
    misfits: list[str] = []
    requirements = (explanation or {}).get("requirements") or []
    if not isinstance(requirements, list):
        return fits, misfits
    rows = [row for row in requirements if isinstance(row, dict)]
    for r_index, row in enumerate(rows):
        evidence = row.get("evidence") or []
        if not isinstance(evidence, list):
            continue
        for e_index, item in enumerate(evidence):
            if not isinstance(item, dict) or item.get("source") != RESUME_SOURCE:
                continue
            anchor = evidence_anchor(application_pk, r_index, e_index)
            start, end = item.get("start"), item.get("end")
            if _in_range(start, end, len(text)) and _same_passage(item.get("snippet"), text[start:end]):
                fits.append(Passage(anchor, start, end))
            else:
                misfits.append(anchor)
    return fits, misfits


def _in_range(start: object, end: object, length: int) -> bool:
    return (
        isinstance(start, int)
        and isinstance(end, int)
        and not isinstance(start, bool)
        and not isinstance(end, bool)
        and 0 <= start < end <= length
    )


def _same_passage(snippet: object, passage: str) -> bool:
    """Whether the engine's snippet quotes `passage`, allowing for folded and blanked characters."""
    if not isinstance(snippet, str):
        return True  # nothing to compare: the offsets alone decide
    if len(snippet) != len(passage):
        return False
    return all(
        quoted == seen or quoted.isspace() or unicodedata.normalize("NFKC", seen) == quoted
        for quoted, seen in zip(snippet, passage, strict=True)
    )


def highlight(text: str, passages: Iterable[Passage], *, unlocated: Iterable[str] = ()) -> HighlightedText:
    """Return `text` escaped, with each passage in a <mark> whose id is the passage's anchor.

    Overlapping passages become one <mark>; the anchors of the others sit at its start, so each link
    still lands on its passage. Passages outside the text are dropped into `unlocated`, whose anchors
    are placed at the start of the text.
    """
    length = len(text)
    misfits = list(unlocated)
    valid: list[Passage] = []
    for passage in passages:
        if _in_range(passage.start, passage.end, length):
            valid.append(passage)
        else:
            misfits.append(passage.anchor)
    merged: list[tuple[int, int, list[str]]] = []
    for passage in sorted(valid, key=lambda p: (p.start, p.end)):
        if merged and passage.start < merged[-1][1]:
            start, end, anchors = merged[-1]
            merged[-1] = (start, max(end, passage.end), [*anchors, passage.anchor])
        else:
            merged.append((passage.start, passage.end, [passage.anchor]))

    parts: list[str] = [_anchors(misfits)]
    position = 0
    for start, end, anchors in merged:
        parts.append(escape(text[position:start]))
        parts.append(
            format_html(
                '<mark id="{}" class="evidence" tabindex="-1">{}{}</mark>',
                anchors[0],
                _anchors(anchors[1:]),
                text[start:end],
            )
        )
        position = end
    parts.append(escape(text[position:]))
    # Every part above is either escaped text or markup built by format_html from escaped values.
    return HighlightedText(
        html=mark_safe("".join(parts)),  # noqa: S308
        located=len(valid),
        unlocated=tuple(misfits),
    )


def _anchors(ids: Iterable[str]) -> SafeString:
    return format_html_join(
        "", '<span class="evidence-anchor" id="{}" tabindex="-1"></span>', ((a,) for a in ids)
    )


def resume_highlights(
    explanation: dict[str, Any] | None, *, application_pk: int, text: str
) -> HighlightedText:
    """Return the resume text with this application's requirement evidence highlighted."""
    passages, misfits = resume_evidence(explanation, application_pk=application_pk, text=text)
    return highlight(text, passages, unlocated=misfits)
