"""Score a prepared job against a candidate's features and explain every number."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .dates import merged_months
from .features import (
    MUST,
    NICE,
    CandidateFeatures,
    ExperienceRequirement,
    JobFeatures,
    PositionFact,
    Requirement,
    Segment,
)
from .location import compatibility
from .reasons import gaps, reasons
from .sections import LEVEL_NAMES
from .types import (
    COMPONENTS,
    EXPERIENCE,
    MUST_HAVES,
    NICE_TO_HAVES,
    RELEVANCE,
    SENIORITY,
    TIER_LABELS,
    ScoreResult,
    TierCutoffs,
)
from .version import ENGINE_VERSION

MET = 2 / 3  # share of a requirement's weighted terms found together in one place
PARTIAL = 0.4
ROLE_MATCH = 0.5  # how much of an experience ask a position must cover to count towards it
# A resume describes a person, not the posting (its company blurb, duties, benefits): sharing half of the
# posting's weighted vocabulary is already as relevant as a resume gets.
FULL_RELEVANCE = 0.5
COPIED = 0.8  # share of a segment's 6-word runs also in the posting that makes it copied text
_SNIPPET = 200


@dataclass(frozen=True, slots=True)
class Match:
    value: float
    segment: int | None  # the best evidence


def _round(x: float) -> float:
    return round(x, 4)


def copied_segments(job: JobFeatures, candidate: CandidateFeatures) -> frozenset[int]:
    """Segments that are the posting's own sentences pasted into the resume (keyword stuffing)."""
    copied = set()
    for i, segment in enumerate(candidate.segments):
        if segment.phrase and segment.phrase in job.phrases:
            copied.add(i)
        elif segment.shingles:
            shared = sum(1 for s in segment.shingles if s in job.shingles)
            if shared >= COPIED * len(segment.shingles):
                copied.add(i)
    return frozenset(copied)


def match_terms(
    terms: tuple[tuple[str, float], ...], total: float, candidate: CandidateFeatures, ignored: frozenset[int]
) -> Match:
    """The best single segment's share of the weighted terms (a requirement is met in one place)."""
    covered: dict[int, float] = {}
    for term, weight in terms:
        for i in candidate.postings.get(term, ()):
            if i not in ignored:
                covered[i] = covered.get(i, 0.0) + weight
    if not covered or total <= 0:
        return Match(0.0, None)
    best = min(covered, key=lambda i: (-covered[i], i))
    return Match(min(1.0, covered[best] / total), best)


def status(value: float) -> str:
    return "met" if value >= MET else "partial" if value >= PARTIAL else "missing"


def evidence(candidate: CandidateFeatures, source: str, start: int, end: int) -> dict[str, object]:
    text = candidate.source_text(source)
    end = min(end, start + _SNIPPET)
    return {"source": source, "start": start, "end": end, "snippet": text[start:end]}


def _segment_evidence(candidate: CandidateFeatures, segment: Segment) -> dict[str, object]:
    return evidence(candidate, segment.source, segment.start, segment.end)


def _requirement_row(r: Requirement, match: Match, candidate: CandidateFeatures) -> dict[str, object]:
    found = status(match.value)
    return {
        "text": r.text,
        "kind": r.kind,
        "origin": r.origin,
        "status": found,
        "value": _round(match.value),
        "evidence": []
        if match.segment is None or found == "missing"
        else [_segment_evidence(candidate, candidate.segments[match.segment])],
    }


def role_overlap(asked: ExperienceRequirement, terms: frozenset[str] | set[str]) -> float:
    if not asked.subject:
        return 1.0
    return sum(w for t, w in asked.subject if t in terms) / asked.total


def _position_terms(
    position: PositionFact, candidate: CandidateFeatures, ignored: frozenset[int]
) -> set[str]:
    terms = set(position.title_terms)
    for i in position.summary:
        if i not in ignored:
            terms |= candidate.segments[i].terms
    return terms


def _experience(job: JobFeatures, candidate: CandidateFeatures, ignored: frozenset[int]):
    """Years in positions that fit each ask: by title for a role, by title or summary for a skill."""
    rows, values = [], []
    for asked in job.experience:
        counted = [
            p
            for p in candidate.positions
            if role_overlap(asked, p.title_terms if asked.role else _position_terms(p, candidate, ignored))
            >= ROLE_MATCH
        ]
        years = merged_months([(p.start_month, p.end_month) for p in counted]) / 12
        value = min(1.0, years / asked.years)
        values.append(value)
        rows.append(
            {
                "text": asked.text,
                "required_years": asked.years,
                "years": _round(years),
                "value": _round(value),
                "positions": [
                    {**evidence(candidate, p.source, p.start, p.end), "months": p.end_month - p.start_month}
                    for p in counted
                ],
            }
        )
    return rows, values


def _seniority(job: JobFeatures, candidate: CandidateFeatures):
    total = sum(w for _, w in job.title_terms)
    best, best_title = 0.0, None
    if total > 0:
        for terms, source, start, end in candidate.titles:
            similarity = sum(w for t, w in job.title_terms if t in terms) / total
            if similarity > best:
                best, best_title = similarity, (source, start, end)
    parts = [best] if total > 0 else []
    level_fit = None
    if job.level is not None and candidate.current_level is not None:
        level_fit = max(0.0, 1.0 - 0.25 * abs(job.level - candidate.current_level))
        parts.append(level_fit)
    row = {
        "job_title": job.title,
        "title_similarity": _round(best),
        "closest_title": evidence(candidate, *best_title) if best_title else None,
        "job_level": LEVEL_NAMES.get(job.level) if job.level is not None else None,
        "candidate_level": LEVEL_NAMES.get(candidate.current_level)
        if candidate.current_level is not None
        else None,
        "level_fit": _round(level_fit) if level_fit is not None else None,
    }
    return row, (sum(parts) / len(parts) if parts else None)


def _relevance(job: JobFeatures, candidate: CandidateFeatures, ignored: frozenset[int]) -> float | None:
    """The weighted share of the posting's distinct terms the candidate's texts use, scaled so that
    sharing `FULL_RELEVANCE` of them counts as fully relevant."""
    if job.vocabulary_total <= 0:
        return None
    if ignored:
        present = {t for i, s in enumerate(candidate.segments) if i not in ignored for t in s.terms}
        found = sum(w for t, w in job.vocabulary if t in present)
    else:
        found = sum(w for t, w in job.vocabulary if t in candidate.postings)
    return min(1.0, found / job.vocabulary_total / FULL_RELEVANCE)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_prepared(
    job: JobFeatures, candidate: CandidateFeatures, *, cutoffs: TierCutoffs | None = None
) -> ScoreResult:
    """Score one candidate for one prepared job; pure and deterministic."""
    ignored = copied_segments(job, candidate)
    requirement_rows = [
        _requirement_row(r, match_terms(r.terms, r.total, candidate, ignored), candidate)
        for r in job.requirements
    ]
    return assemble(job, candidate, requirement_rows, cutoffs=cutoffs, ignored=ignored)


def assemble(
    job: JobFeatures,
    candidate: CandidateFeatures,
    requirement_rows: list[dict[str, Any]],
    *,
    cutoffs: TierCutoffs | None = None,
    ignored: frozenset[int] = frozenset(),
    backend: str = "local",
    notes: tuple[str, ...] = (),
) -> ScoreResult:
    """Combine judged requirements with the other components, by the job's weights, into a result.

    Every backend ends here, so the weights, the tiers and the explanation's shape are the same
    whichever judged the requirements.
    """
    cutoffs = cutoffs or TierCutoffs()
    experience_rows, experience_values = _experience(job, candidate, ignored)
    seniority_row, seniority_value = _seniority(job, candidate)
    values = {
        MUST_HAVES: _mean([r["value"] for r in requirement_rows if r["kind"] == MUST]),
        RELEVANCE: _relevance(job, candidate, ignored),
        EXPERIENCE: _mean(experience_values),
        SENIORITY: seniority_value,
        NICE_TO_HAVES: _mean([r["value"] for r in requirement_rows if r["kind"] == NICE]),
    }
    applicable = {name: job.weights.get(name, 0.0) for name in COMPONENTS if values[name] is not None}
    weight_sum = sum(applicable.values())
    components = {}
    total = 0.0
    for name in COMPONENTS:
        value = values[name]
        weight = applicable[name] / weight_sum if weight_sum > 0 and name in applicable else 0.0
        contribution = 100 * weight * value if value is not None else 0.0
        total += contribution
        components[name] = {
            "value": _round(value) if value is not None else None,
            "weight": _round(weight),
            "contribution": _round(contribution),
            "applicable": value is not None,
        }
    score = round(total, 1)
    tier = cutoffs.tier_for(score)
    input_hash = hashlib.sha256(
        f"{ENGINE_VERSION}|{backend}|{job.input_hash}|{candidate.input_hash}|"
        f"{cutoffs.tier_1},{cutoffs.tier_2},{cutoffs.tier_3}".encode()
    ).hexdigest()
    warnings = sorted(set(job.warnings) | set(candidate.warnings)) + list(notes)
    if ignored:
        warnings.append(f"{len(ignored)} passage(s) copied from the job posting ignored")
    explanation: dict[str, Any] = {
        "engine_version": ENGINE_VERSION,
        "backend": backend,
        "input_hash": input_hash,
        "score": score,
        "tier": tier,
        "tier_label": TIER_LABELS[tier],
        "components": components,
        "requirements": requirement_rows,
        "experience": {"required": experience_rows},
        "seniority": seniority_row,
        "location": compatibility(job, candidate),
        "excluded": list(candidate.excluded),
        "warnings": warnings,
    }
    explanation["reasons"] = reasons(explanation)
    explanation["gaps"] = gaps(explanation)
    return ScoreResult(
        score=score, tier=tier, explanation=explanation, input_hash=input_hash, engine_version=ENGINE_VERSION
    )
