"""Signals of the candidates app (automation listens; candidates does not import it)."""

from __future__ import annotations

from django.dispatch import Signal

# A person was added in Recruitdesk (sourcing): candidate=, application= (or None), requested_by=.
candidate_added = Signal()
