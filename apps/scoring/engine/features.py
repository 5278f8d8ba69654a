"""What the engine keeps of a job and of a candidate once their texts are analysed.

Both are frozen and hold only plain values, so they can be cached (candidate features are shared by
every job the candidate applied to) and pickled between processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MUST = "must"
NICE = "nice"


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence or list item of a candidate text, with its terms; the unit of evidence."""

    source: str
    start: int
    end: int
    terms: frozenset[str]
    # To spot text copied from the posting: the segment's words (3 or more) and their 6-word runs.
    phrase: str = ""
    shingles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PositionFact:
    """A job the candidate held, from parsed positions or a dated line of the resume."""

    title_terms: frozenset[str]
    summary: tuple[int, ...]  # the segments describing the work done there
    start_month: int
    end_month: int  # exclusive
    source: str
    start: int  # evidence span of its title (or dated line) in the source text
    end: int
    level: int | None


@dataclass(frozen=True)
class CandidateFeatures:
    input_hash: str
    sources: tuple[tuple[str, str], ...]  # (name, redacted text): what evidence spans index
    segments: tuple[Segment, ...]
    postings: dict[str, tuple[int, ...]]  # term → indexes of the segments holding it
    positions: tuple[PositionFact, ...]
    titles: tuple[
        tuple[frozenset[str], str, int, int], ...
    ]  # each title held (and the headline): terms, span
    current_level: int | None
    location: str
    excluded: tuple[str, ...]
    warnings: tuple[str, ...]
    reference_month: int

    def source_text(self, name: str) -> str:
        return dict(self.sources)[name]


@dataclass(frozen=True, slots=True)
class Requirement:
    """A must-have or nice-to-have, as written, and the weighted terms that satisfy it."""

    text: str
    kind: str  # MUST or NICE
    terms: tuple[tuple[str, float], ...]  # (term, weight), the words that name what is asked
    total: float
    origin: str  # "profile", "requirement_lists" or "description"


@dataclass(frozen=True, slots=True)
class ExperienceRequirement:
    text: str
    years: float
    subject: tuple[tuple[str, float], ...]  # empty: any experience counts
    total: float
    role: bool = True  # "as a Nurse" is met by a title; "of Python" also by what the work involved


@dataclass(frozen=True)
class JobFeatures:
    input_hash: str
    title: str
    title_terms: tuple[tuple[str, float], ...]
    level: int | None
    requirements: tuple[Requirement, ...]
    experience: tuple[ExperienceRequirement, ...]
    vocabulary: tuple[tuple[str, float], ...]  # the posting's distinct terms and weights, for relevance
    vocabulary_total: float
    shingles: frozenset[str]  # 6-word runs of the posting
    phrases: frozenset[str]  # the posting's lines, sentences and list items (3 words or more)
    weights: dict[str, float]
    location: str
    workplace_type: str
    location_required: bool
    warnings: tuple[str, ...] = field(default=())
    description: str = ""  # the posting's text and requirement lists, for backends that read it whole
