"""Default component weights, used where a job's ScoringProfile sets none.

Relative weights: each score divides by the sum of the weights of the components that apply to the
job (a posting without a years ask has no experience component). Chosen on the even rows of the
RJDB dev data and checked on the odd rows (bench/scoring_eval.py --split).
"""

from __future__ import annotations

from .types import EXPERIENCE, MUST_HAVES, NICE_TO_HAVES, RELEVANCE, SENIORITY

DEFAULT_WEIGHTS: dict[str, float] = {
    MUST_HAVES: 0.40,
    RELEVANCE: 0.20,
    EXPERIENCE: 0.15,
    SENIORITY: 0.10,
    NICE_TO_HAVES: 0.05,
}
