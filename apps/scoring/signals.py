"""Signals of the scoring app (automation listens; scoring does not import it)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that saved them: scores=[(Score, previous tier or "" for a first score)].
scores_changed = Signal()
