"""Read a candidate once: redacted texts cut into evidence segments, the positions held, titles, level.

The result depends only on the non-personal inputs and the reference date, so it is cached by its
hash and shared by every job the candidate is scored against.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from . import sections
from .dates import DateRange, find_ranges, month_index
from .features import CandidateFeatures, PositionFact, Segment
from .job import MIN_PHRASE, SHINGLE
from .privacy import personal_values, redact
from .stem import stem
from .text import Span, fold, header_of, lines, segments, split_sections, strip_bullet, tokenize
from .types import CandidateInput
from .version import ENGINE_VERSION
from .vocabulary import alias_table, analyze

_LIST_SPLIT_RE = re.compile(r"\s*[,;|•·]\s*")
# "Worked as a Carpenter (2008 - 2010)": the title is what follows "as".
_ROLE_RE = re.compile(r"\bas\s+(?:an?\s+|the\s+)?", re.IGNORECASE)
_LIST_SECTIONS = frozenset({"skills", "certifications"})
_NO_POSITIONS = frozenset({"education", "certifications", "personal"})


def _segment(source: str, text: str, span: Span) -> Segment | None:
    terms = frozenset(t.key for t in analyze(text, span.start, span.end))
    if not terms:
        return None
    words = [stem(t.text) for t in tokenize(text, span.start, span.end, dotted=alias_table().dotted)]
    shingles = tuple(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    phrase = " ".join(words) if len(words) >= MIN_PHRASE else ""
    return Segment(source, span.start, span.end, terms, phrase, shingles)


def _pieces(text: str, line: Span, as_list: bool) -> list[Span]:
    """Cut a line into evidence units: sentences, and the items of a comma-separated skills list."""
    out: list[Span] = []
    for sentence in segments(text, strip_bullet(text, line)):
        if not as_list:
            out.append(sentence)
            continue
        pos = sentence.start
        for match in _LIST_SPLIT_RE.finditer(text, sentence.start, sentence.end):
            if match.start() > pos:
                out.append(Span(pos, match.start()))
            pos = match.end()
        if sentence.end > pos:
            out.append(Span(pos, sentence.end))
    return out


class _Builder:
    def __init__(self, reference: date) -> None:
        self.reference = reference
        self.segments: list[Segment] = []
        self.positions: list[PositionFact] = []
        self.titles: list[tuple[frozenset[str], str, int, int]] = []
        self.summaries: list[tuple[int, int]] = []  # per position: where its summary lies in its source

    def finished_positions(self) -> tuple[PositionFact, ...]:
        """Positions with the segments of their summaries (known once every text is cut)."""
        return tuple(
            replace(
                p,
                summary=tuple(
                    i for i, s in enumerate(self.segments) if s.source == p.source and a <= s.start < b
                ),
            )
            for p, (a, b) in zip(self.positions, self.summaries, strict=True)
        )

    def add_text(self, source: str, text: str, span: Span | None = None, as_list: bool = False) -> None:
        span = span or Span(0, len(text))
        for line in lines(text, span.start, span.end):
            for piece in _pieces(text, line, as_list):
                if (segment := _segment(source, text, piece)) is not None:
                    self.segments.append(segment)

    def add_title(self, source: str, text: str, start: int, end: int) -> frozenset[str]:
        terms = frozenset(t.key for t in analyze(text, start, end))
        if terms:
            self.titles.append((terms, source, start, end))
        return terms

    def add_resume(self, text: str) -> None:
        for section in split_sections(text, sections.resume_section):
            if section.kind == "personal":
                continue
            body = Span(section.start, section.end)
            self.add_text("resume", text, body, as_list=section.kind in _LIST_SECTIONS)
            if section.kind not in _NO_POSITIONS:
                self._dated_lines(text, body)

    def _dated_lines(self, text: str, body: Span) -> None:
        """Positions from dated lines.

        A position's title is the dated line without its date ("Nurse, St Mary's (2019 - 2023)"), or,
        when that line holds only a date and labels ("Years of service: 2016 - 2019"), the undated
        lines just above it ("Position: …"). The lines after it, up to the next position, are its summary.
        """
        section_lines = [
            ln
            for ln in lines(text, body.start, body.end)
            if header_of(text, ln, sections.resume_section) is None
        ]
        dated = []  # (line index, range, where its title may start: the line or the previous range's end)
        for i, ln in enumerate(section_lines):
            line_start = strip_bullet(text, ln).start
            for r in find_ranges(text, self.reference, ln.start, ln.end):
                dated.append((i, r, line_start))
                line_start = r.end
        found: list[
            tuple[int, int, list[Span], DateRange]
        ] = []  # (first line, dated line, title spans, range)
        previous = -1
        for i, when, title_from in dated:
            line = strip_bullet(text, section_lines[i])
            title = _title_span(text, line, title_from, when.start, when.end)
            first = i
            if title is None:
                first = max(previous + 1, i - _TITLE_LOOKBACK)
                spans = [strip_bullet(text, ln) for ln in section_lines[first:i]]
            else:
                spans = [title]
            found.append((first, i, spans, when))
            previous = i
        for n, (_first, i, spans, when) in enumerate(found):
            title_terms = frozenset()
            for span in spans:
                title_terms |= self.add_title("resume", _unlabelled(text, span), span.start, span.end)
            stop = found[n + 1][0] if n + 1 < len(found) else len(section_lines)
            summary_start = section_lines[i].end
            summary_end = section_lines[stop].start if stop < len(section_lines) else body.end
            start = spans[0].start if spans else when.start  # evidence: the title down to the date
            end = max(when.end, spans[-1].end) if spans else when.end
            level = sections.title_level(" ".join(text[s.start : s.end] for s in spans))
            self.positions.append(
                PositionFact(title_terms, (), when.start_month, when.end_month, "resume", start, end, level)
            )
            self.summaries.append((summary_start, max(summary_start, summary_end)))


_TITLE_LOOKBACK = 3  # lines above a bare date that may hold its title, company and location
# "Position:", "Organization: Confidential", "Years of service:" — labels, and the employer, are not the role.
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s,;|(]))(?:(?:organi[sz]ation|company|employer|client|location)\s*:\s*[^,;|\n]*"
    r"|(?:position|job\s+title|title|role|designation|years?\s+of\s+service|dates?|duration|(?:time\s+)?period|"
    r"tenure|from|to|since)\s*:(?:\*\*|__)?)",
    re.IGNORECASE,
)


def _unlabelled(text: str, span: Span) -> str:
    """``text`` with the labels and employer names of one line blanked (same length, offsets kept)."""
    line = text[span.start : span.end]
    blanked = _LABEL_RE.sub(lambda m: " " * len(m.group()), line)
    return text[: span.start] + blanked + text[span.end :]


def _title_span(text: str, line: Span, title_from: int, date_start: int, date_end: int) -> Span | None:
    """The words naming the role of a dated stretch, or None when the line holds only dates and labels.

    "Nurse, St Mary's (2019 - 2023)" and "… as a Derrick operator (2014-2017)" name it before the date,
    "2019 - 2023: Nurse" after it.
    """
    unlabelled = _unlabelled(text, line)
    before = unlabelled[title_from:date_start]
    if re.search(r"\w", before):
        start = title_from
        sentence = _last(
            m for m in _SENTENCE_START_RE.finditer(text, title_from, date_start) if not _abbreviation(text, m)
        )
        if sentence is not None:
            start = sentence.end()
        end = start + len(unlabelled[start:date_start].rstrip(" (-–—,|:"))
        end = start + len(_LEADING_INTO_DATE_RE.sub("", text[start:end]))
    elif title_from == line.start:  # the date leads the line: "2019 - 2023: Nurse, St Mary's"
        start, end = date_end, line.end
    else:
        return None
    role = _last(_ROLE_RE.finditer(text, start, end))  # the role named closest to the date
    if role is not None:
        start = role.end()
    while start < end and not text[start].isalnum():
        start += 1
    if not re.search(r"\w", unlabelled[start:end]):
        return None
    return Span(start, end)


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found = None
    for found in matches:  # noqa: B007 (only the last one is wanted)
        pass
    return found


_SENTENCE_START_RE = re.compile(r"[.;!?]\s+(?=[A-Z])")
_ABBREVIATIONS = frozenset(
    [
        "co",
        "corp",
        "inc",
        "ltd",
        "pvt",
        "llc",
        "plc",
        "sr",
        "jr",
        "dr",
        "mr",
        "ms",
        "mrs",
        "st",
        "no",
        "dept",
        "univ",
        "intl",
    ]
)


def _abbreviation(text: str, sentence_end: re.Match[str]) -> bool:
    """Whether the full stop ends an abbreviation ("XYZ Pvt. Ltd."), not a sentence."""
    word = re.search(r"(\w+)$", text[max(0, sentence_end.start() - 12) : sentence_end.start()])
    return bool(word) and word.group(1).lower() in _ABBREVIATIONS


_LEADING_INTO_DATE_RE = re.compile(
    r"(?i)\s*\b(?:from|since|between|during|in)(?:\s+the\s+years?(?:\s+of)?)?\s*$"
)


def _position_source(title: str, summary: str) -> str:
    return f"{title}\n{summary}" if summary else title


def candidate_sources(candidate: CandidateInput) -> dict[str, str]:
    """The texts evidence can point at, by source name, before redaction.

    "headline", "resume", "skills" (one skill per line), "position:N" (title, then a newline and the
    summary) and "school:N" (degree, then field).
    """
    out = {
        "headline": candidate.headline,
        "resume": candidate.resume_text,
        "skills": "\n".join(candidate.skills),
    }
    for i, p in enumerate(candidate.positions):
        out[f"position:{i}"] = _position_source(p.title, p.summary)
    for i, s in enumerate(candidate.schools):
        out[f"school:{i}"] = "\n".join(x for x in (s.degree, s.field) if x)
    return {k: v for k, v in out.items() if v.strip()}


def _excluded(candidate: CandidateInput, found: dict[str, list[str]]) -> list[str]:
    excluded = []
    if candidate.name.strip():
        excluded.append("name")
    if candidate.emails:
        excluded.append("emails")
    if candidate.phones:
        excluded.append("phones")
    excluded.extend(f"personal.{key}" for key in sorted(candidate.personal))
    excluded.extend(f"{source}: {kind}" for source in sorted(found) for kind in found[source])
    excluded.append("tags")  # recruiters' labels say what people think of a candidate, not what they did
    return excluded


def _hash(sources: dict[str, str], candidate: CandidateInput, reference: date) -> str:
    payload = {
        "engine": ENGINE_VERSION,
        "reference_date": reference.isoformat(),
        "sources": sources,
        "dates": [[str(p.start), str(p.end)] for p in candidate.positions],
        "location": candidate.location.strip(),
    }
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def extract_candidate(candidate: CandidateInput, *, reference_date: date) -> CandidateFeatures:
    """Analyse a candidate once, relative to ``reference_date`` (what "present" means)."""
    values = personal_values(candidate.name, candidate.emails, candidate.phones, candidate.personal.values())
    sources: dict[str, str] = {}
    found: dict[str, list[str]] = {}
    for name, raw in candidate_sources(candidate).items():
        text, kinds = redact(fold(raw), values)
        sources[name] = _blank_personal_sections(text) if name == "resume" else text
        if kinds:
            found[name] = kinds
        if name == "resume" and sources[name] != text:
            found.setdefault(name, []).append("personal information section")

    builder = _Builder(reference_date)
    for name, text in sources.items():
        if name == "resume":
            builder.add_resume(text)
        elif name == "headline":
            builder.add_text(name, text)
            builder.add_title(name, text, 0, len(text))
        else:
            builder.add_text(name, text, as_list=name == "skills")
    for i, position in enumerate(candidate.positions):
        source = f"position:{i}"
        if source not in sources:
            continue
        title = sources[source][: len(position.title)]
        title_terms = builder.add_title(source, title, 0, len(title))
        if position.start is not None:
            end = month_index(position.end) + 1 if position.end else month_index(reference_date)
            end = min(end, month_index(reference_date))
            builder.positions.append(
                PositionFact(
                    title_terms,
                    (),
                    month_index(position.start),
                    end,
                    source,
                    0,
                    len(title),
                    sections.title_level(title),
                )
            )
            builder.summaries.append((len(title), len(sources[source])))

    postings: dict[str, list[int]] = defaultdict(list)
    for i, segment in enumerate(builder.segments):
        for term in segment.terms:
            postings[term].append(i)
    warnings = [] if candidate.resume_text.strip() else ["no resume text"]
    positions = builder.finished_positions()
    current = max(positions, key=lambda p: (p.end_month, p.start_month), default=None)
    level = (
        current.level
        if current
        else (sections.title_level(candidate.headline) if candidate.headline.strip() else None)
    )
    return CandidateFeatures(
        input_hash=_hash(sources, candidate, reference_date),
        sources=tuple(sorted(sources.items())),
        segments=tuple(builder.segments),
        postings={term: tuple(ids) for term, ids in postings.items()},
        positions=positions,
        titles=tuple(builder.titles),
        current_level=level,
        location=candidate.location.strip(),
        excluded=tuple(_excluded(candidate, found)),
        warnings=tuple(warnings),
        reference_month=month_index(reference_date),
    )


def _blank_personal_sections(text: str) -> str:
    """Blank a resume's "Personal Information" / "Contact" sections (a name line has no label to spot)."""
    personal = [s for s in split_sections(text, sections.resume_section) if s.kind == "personal"]
    if not personal:
        return text
    chars = list(text)
    for section in personal:
        for i in range(section.start, section.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)
