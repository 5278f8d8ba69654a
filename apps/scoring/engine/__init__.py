"""The fit-scoring engine: pure functions from a job and a candidate to an explained 0–100 score.

No ORM, no network, no clock: "present" is the reference date passed in. The same inputs give the
same score and a byte-identical explanation.

    job = prepare_job(job_input, profile)                                  # once per job (and profile)
    cand = extract_candidate(candidate_input, reference_date=date(2025, 1, 1))  # cached by its hash
    result = score_prepared(job, cand)                                     # per pair, fast

`score` does all three; `score_text` scores plain texts (evaluation, no database). Optional backends
(an LLM judge, off by default) are in `apps.scoring.engine.backends`.

Evidence is `{source, start, end, snippet}`: `source` names a text of `candidate_sources(candidate)`
("resume", "headline", "skills", "position:N", "school:N") and `start:end` indexes it as given. The
snippet is that stretch with personal data blanked, so it equals `text[start:end]` except where a
name, email or phone number inside it was redacted.
"""

from __future__ import annotations

import re
from datetime import date

from .candidate import candidate_sources, extract_candidate
from .features import CandidateFeatures, JobFeatures
from .job import prepare_job
from .scoring import score_prepared
from .types import (
    COMPONENTS,
    EXPERIENCE,
    MUST_HAVES,
    NICE_TO_HAVES,
    NOT_A_MATCH,
    RELEVANCE,
    SENIORITY,
    TIER_1,
    TIER_2,
    TIER_3,
    TIER_LABELS,
    CandidateInput,
    JobInput,
    Position,
    Profile,
    RequirementList,
    School,
    ScoreResult,
    TierCutoffs,
)
from .version import ENGINE_VERSION
from .weights import DEFAULT_WEIGHTS

_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def score(
    job: JobInput,
    candidate: CandidateInput,
    profile: Profile | None = None,
    *,
    reference_date: date,
    cutoffs: TierCutoffs | None = None,
) -> ScoreResult:
    """Score one candidate for one job from their raw inputs."""
    features = extract_candidate(candidate, reference_date=reference_date)
    return score_prepared(prepare_job(job, profile), features, cutoffs=cutoffs)


def inferred_reference_date(*texts: str) -> date:
    """The end of the latest year named in the texts: "present" when no reference date is given."""
    years = [int(y) for text in texts for y in _YEAR_RE.findall(text)]
    return date(max(years), 12, 31) if years else date(2000, 1, 1)


def score_text(job_text: str, resume_text: str, *, reference_date: date | None = None) -> ScoreResult:
    """Score a resume's plain text against a posting's plain text (no database, no structured fields).

    The job title is read from the posting's "Job title" section when it has one. Without a
    reference date, "present" is the end of the latest year either text names.
    """
    reference = reference_date or inferred_reference_date(job_text, resume_text)
    job = prepare_job(JobInput(title="", description=job_text))
    return score_prepared(
        job, extract_candidate(CandidateInput(resume_text=resume_text), reference_date=reference)
    )


__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "ENGINE_VERSION",
    "EXPERIENCE",
    "MUST_HAVES",
    "NICE_TO_HAVES",
    "NOT_A_MATCH",
    "RELEVANCE",
    "SENIORITY",
    "TIER_1",
    "TIER_2",
    "TIER_3",
    "TIER_LABELS",
    "CandidateFeatures",
    "CandidateInput",
    "JobFeatures",
    "JobInput",
    "Position",
    "Profile",
    "RequirementList",
    "School",
    "ScoreResult",
    "TierCutoffs",
    "candidate_sources",
    "extract_candidate",
    "inferred_reference_date",
    "prepare_job",
    "score",
    "score_prepared",
    "score_text",
]
