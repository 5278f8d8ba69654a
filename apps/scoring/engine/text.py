"""Split text into tokens, lines, segments and sections, keeping character offsets for evidence spans."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A word, optionally with a leading dot (".net"), inner dots or apostrophes ("node.js", "don't") and a
# trailing "++", "+" or "#" ("c++", "c#"). Hyphens and slashes separate words.
_TOKEN_RE = re.compile(r"\.?[^\W_]+(?:[.'’][^\W_]+)*(?:\+\+|\+|#)?")
_POSSESSIVE_RE = re.compile(r"['’]s$")
_SENTENCE_END_RE = re.compile(r"(?<=[a-z0-9)][.;!?])\s+(?=[A-Z(])")
_BULLET_RE = re.compile(r"\s*(?:[-*•▪◦●‣–—+>]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=\s))\s*")
# A header's name runs to the end of the line unless a colon follows it ("Skills: Python, SQL").
_HEADER_RE = re.compile(
    r"^\s*(#{1,6}\s*)?(?:\*\*|__)?\s*([^\W\d_][^:#*]{0,60}?)\s*(?:\*\*|__)?\s*(?:(:)\s*(?:\*\*|__)?\s*(.*?))?\s*$"
)


@dataclass(frozen=True, slots=True)
class Token:
    """A lower-cased word of a text and where it sits in it."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch ``[start, end)`` of a text; ``section`` is the kind of section it belongs to."""

    start: int
    end: int
    section: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A run of lines under one header; ``kind`` comes from the caller's header classifier."""

    kind: str
    header: str
    start: int
    end: int


def fold(text: str) -> str:
    """Return ``text`` with compatibility characters folded (NFKC) when that keeps its length."""
    folded = unicodedata.normalize("NFKC", text)
    # Offsets must stay valid, so a normalisation that changes the length is not applied.
    return folded if len(folded) == len(text) else text


def tokenize(
    text: str, start: int = 0, end: int | None = None, dotted: frozenset[str] = frozenset()
) -> list[Token]:
    """Return the tokens of ``text[start:end]``; dotted words not in ``dotted`` are split at their dots."""
    tokens: list[Token] = []
    stop = len(text) if end is None else end
    for match in _TOKEN_RE.finditer(text, start, stop):
        word = match.group().lower()
        pos = match.start()
        if "'" in word or "’" in word:
            word = _POSSESSIVE_RE.sub("", word).replace("'", "").replace("’", "")
        if "." in word and word not in dotted:
            offset = pos
            for part in word.split("."):
                if part:
                    tokens.append(Token(part, offset, offset + len(part)))
                offset += len(part) + 1
            continue
        if word:
            tokens.append(Token(word, pos, match.end()))
    return tokens


def lines(text: str, start: int = 0, end: int | None = None) -> Iterator[Span]:
    """Yield the non-blank lines of ``text[start:end]`` without their surrounding whitespace."""
    stop = len(text) if end is None else end
    pos = start
    while pos < stop:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline < 0 else newline
        a, b = pos, line_end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            yield Span(a, b)
        pos = line_end + 1


def strip_bullet(text: str, span: Span) -> Span:
    """Return ``span`` without a leading bullet or list number ("- ", "2. ", "(b) ")."""
    match = _BULLET_RE.match(text, span.start, span.end)
    if match and match.end() < span.end:
        return Span(match.end(), span.end, span.section)
    return span


def segments(text: str, span: Span) -> list[Span]:
    """Split a line into sentences, so evidence points at the sentence that holds it."""
    out: list[Span] = []
    pos = span.start
    for match in _SENTENCE_END_RE.finditer(text, span.start, span.end):
        out.append(Span(pos, match.start(), span.section))
        pos = match.end()
    out.append(Span(pos, span.end, span.section))
    return [s for s in out if s.end > s.start]


HEADER_WORDS = frozenset(
    [
        "about",
        "additional",
        "and",
        "basic",
        "benefits",
        "bring",
        "certifications",
        "competencies",
        "contact",
        "core",
        "description",
        "desired",
        "details",
        "do",
        "duties",
        "education",
        "employment",
        "experience",
        "experiences",
        "history",
        "information",
        "job",
        "key",
        "languages",
        "licenses",
        "minimum",
        "nice",
        "objective",
        "other",
        "our",
        "overview",
        "perks",
        "personal",
        "preferred",
        "professional",
        "profile",
        "projects",
        "qualifications",
        "references",
        "required",
        "requirements",
        "responsibilities",
        "role",
        "skills",
        "summary",
        "technical",
        "the",
        "title",
        "to",
        "tools",
        "have",
        "we",
        "what",
        "who",
        "will",
        "work",
        "you",
        "your",
        "looking",
        "for",
        "need",
        "offer",
        "technologies",
        "training",
        "achievements",
        "awards",
        "publications",
        "interests",
        "career",
        "background",
        "expertise",
    ]
)


def header_of(text: str, span: Span, classify: Callable[[str], str | None]) -> tuple[str, str, int] | None:
    """Return (kind, header, body start) when the line is a section header, else None.

    A header is a Markdown heading, or a short line of header words that ``classify`` recognises,
    optionally followed by a colon and inline content ("Skills: Python, SQL").
    """
    line = text[span.start : span.end]
    match = _HEADER_RE.match(line)
    if not match:
        return None
    hashes, name, colon, rest = match.group(1), match.group(2), match.group(3), match.group(4) or ""
    name = name.strip(" *_-")
    if not name or len(name.split()) > 7:
        return None
    normalized = normalize_header(name)
    # Outside Markdown headings only a line of header words is a header, so a skill line such as
    # "Project Management" or "Project Management: planning…" stays content.
    if not hashes and not set(normalized.split()) <= HEADER_WORDS:
        return None
    kind = classify(normalized)
    if kind is None:
        if hashes and not rest:
            return ("other", name, span.end)
        return None
    if rest and not colon:
        return None
    body = span.start + match.start(4) if rest else span.end
    return (kind, name, body)


def normalize_header(name: str) -> str:
    """Return a header's words lower-cased, without punctuation: "Required Skills:" → "required skills"."""
    return " ".join(re.findall(r"[a-z0-9]+", name.lower().replace("’", "'").replace("'", "")))


def split_sections(text: str, classify: Callable[[str], str | None]) -> list[Section]:
    """Return the sections of ``text``; text before the first header is a section of kind "preamble"."""
    sections: list[Section] = []
    kind, header, body_start = "preamble", "", 0
    for span in lines(text):
        found = header_of(text, span, classify)
        if found is None:
            continue
        if span.start > body_start or sections or kind != "preamble":
            sections.append(Section(kind, header, body_start, span.start))
        kind, header, body_start = found
    sections.append(Section(kind, header, body_start, len(text)))
    return [s for s in sections if s.end > s.start or s.kind != "preamble"]


def word_count(text: str, span: Span) -> int:
    """Count the words of a span."""
    return len(_TOKEN_RE.findall(text, span.start, span.end))


def normalized_line(text: str, span: Span) -> str:
    """Return a line's words lower-cased and joined by spaces, bullets and punctuation dropped."""
    return " ".join(t.text for t in tokenize(text, span.start, span.end))
