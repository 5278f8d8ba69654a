from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_scoring_locks():
    """Scoring passes take cache locks; a test must not inherit another's."""
    cache.clear()
    yield
    cache.clear()
