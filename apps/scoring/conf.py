"""Scoring settings read from django.conf (SCORING_* in config/settings.py)."""

from __future__ import annotations

from django.conf import settings

from apps.scoring.engine.types import TierCutoffs


def tier_cutoffs() -> TierCutoffs:
    tier_1, tier_2, tier_3 = getattr(settings, "SCORING_TIER_CUTOFFS", (75.0, 60.0, 45.0))
    return TierCutoffs(tier_1=float(tier_1), tier_2=float(tier_2), tier_3=float(tier_3))


def chunk_size() -> int:
    return max(1, int(getattr(settings, "SCORING_CHUNK_SIZE", 500)))
