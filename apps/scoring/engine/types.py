"""The engine's inputs and outputs: plain frozen dataclasses, so the engine needs no ORM and no network.

This is the contract between the pure engine and `apps.scoring.services`. Fields may be added (with
defaults); none is renamed or removed without bumping ENGINE_VERSION and updating the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Component names, in the order explanations list them. Weights are keyed by these names.
MUST_HAVES = "must_haves"
RELEVANCE = "relevance"
EXPERIENCE = "experience"
SENIORITY = "seniority"
NICE_TO_HAVES = "nice_to_haves"
COMPONENTS = (MUST_HAVES, RELEVANCE, EXPERIENCE, SENIORITY, NICE_TO_HAVES)

TIER_1 = "tier_1"
TIER_2 = "tier_2"
TIER_3 = "tier_3"
NOT_A_MATCH = "not_a_match"
TIER_LABELS = {TIER_1: "Tier 1", TIER_2: "Tier 2", TIER_3: "Tier 3", NOT_A_MATCH: "Not a match"}


@dataclass(frozen=True)
class TierCutoffs:
    """Lowest score (0–100) of each tier; below `tier_3` is "not a match"."""

    tier_1: float = 75.0
    tier_2: float = 60.0
    tier_3: float = 45.0

    def tier_for(self, score: float) -> str:
        if score >= self.tier_1:
            return TIER_1
        if score >= self.tier_2:
            return TIER_2
        if score >= self.tier_3:
            return TIER_3
        return NOT_A_MATCH


@dataclass(frozen=True)
class RequirementList:
    """A titled list from the posting ("Requirements", "Nice to have") with one requirement per item."""

    title: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Position:
    """A parsed resume position; dates are month precision at best, either may be unknown."""

    title: str = ""
    company: str = ""
    summary: str = ""
    start: date | None = None
    end: date | None = None  # None with a start: current position (ends at the reference date)


@dataclass(frozen=True)
class School:
    name: str = ""
    degree: str = ""
    field: str = ""
    end: date | None = None


@dataclass(frozen=True)
class Profile:
    """A job's ScoringProfile as the engine sees it. Empty lists mean "extract from the description"."""

    weights: Mapping[str, float] = field(default_factory=dict)  # missing components use the defaults
    must_haves: tuple[str, ...] = ()
    nice_to_haves: tuple[str, ...] = ()
    required_years: float | None = None  # None: read from the description ("5+ years of …")
    location_required: bool = False  # when true a location mismatch is flagged as a blocker


@dataclass(frozen=True)
class JobInput:
    title: str
    description: str = ""
    requirement_lists: tuple[RequirementList, ...] = ()
    level: str = ""
    location: str = ""
    workplace_type: str = ""  # "onsite", "remote", "hybrid" or "" (unspecified), as Lever says


@dataclass(frozen=True)
class CandidateInput:
    """Everything known about a candidate. Personal fields are accepted only to be stripped.

    `name`, `emails`, `phones` and every key of `personal` (addresses, photo URLs, EEO answers,
    birth dates…) are removed from every text before anything is computed and are listed by name
    in the explanation's `excluded`; they never change a score.
    """

    headline: str = ""
    resume_text: str = ""
    positions: tuple[Position, ...] = ()
    schools: tuple[School, ...] = ()
    skills: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    location: str = ""
    name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    personal: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreResult:
    """What the engine answers for one (job, candidate) pair.

    `explanation` is JSON-ready (dicts, lists, str, int, float, bool, None) and deterministic: the same
    inputs give a byte-identical `json.dumps(explanation, sort_keys=True)`. It holds at least: `score`,
    `tier`, `components` (name → {value, weight, contribution}), `requirements` (each with `text`,
    `kind` must/nice, `status` met/partial/missing and `evidence` [{source, start, end, snippet}]),
    `experience`, `seniority`, `location`, `excluded`, `warnings`, `reasons` (the strongest points
    for), `gaps` (the strongest points against), `engine_version` and `input_hash`.
    """

    score: float  # 0–100, rounded to one decimal
    tier: str
    explanation: dict[str, Any]
    input_hash: str
    engine_version: str
