"""Hypothesis settings for the property-based tests: reproducible in CI, bounded in time.

Imported by each test module that uses hypothesis (there is no shared conftest for it), so loading
the profiles is idempotent. `derandomize=True` makes every run try the same examples, so a failure
on CI fails the same way locally; `HYPOTHESIS_PROFILE=explore` lifts that to hunt for new cases.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # a database round trip per example makes timings noisy on shared runners
    "derandomize": True,
    "database": None,  # nothing written under the project; derandomized runs need no example store
    "print_blob": True,
    # Django's db and client fixtures are function-scoped; each example cleans up after itself.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

settings.register_profile("ci", max_examples=200, **_COMMON)
settings.register_profile("explore", **{**_COMMON, "derandomize": False, "max_examples": 2000})
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

WEBHOOK_EXAMPLES = 200  # each example is one request through the real view and database
MAPPING_EXAMPLES = 150  # per payload kind; pure functions, fast
