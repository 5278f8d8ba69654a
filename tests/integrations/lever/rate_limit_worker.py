"""A worker process for the two-process rate-limit test: GETs against the sandbox via the shared bucket.

Usage: python rate_limit_worker.py URL API_KEY BUCKET_KEY REQUESTS [--init]
The database comes from DATABASE_URL (and Redis from REDIS_URL), as in a real worker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from apps.integrations.lever.auth import ApiKeyAuth  # noqa: E402
from apps.integrations.lever.client import LeverClient  # noqa: E402
from apps.integrations.lever.environments import environment_for  # noqa: E402
from apps.integrations.models import RateLimitBucket  # noqa: E402
from apps.integrations.ratelimit import rate_limiter_for  # noqa: E402


def main() -> None:
    url, api_key, bucket, count = sys.argv[1:5]
    if "--init" in sys.argv:
        with connection.schema_editor() as editor:
            editor.create_model(RateLimitBucket)
        return
    limiter = rate_limiter_for(bucket, rate=10.0, burst=20)
    with LeverClient(environment_for("custom", url), ApiKeyAuth(api_key), limiter=limiter) as client:
        for _ in range(int(count)):
            client.get("/stages")
    print(client.requests_made)


if __name__ == "__main__":
    main()
