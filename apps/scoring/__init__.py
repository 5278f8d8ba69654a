"""Score how well candidates fit jobs; the engine in ``apps.scoring.engine`` is pure and deterministic."""

from __future__ import annotations
