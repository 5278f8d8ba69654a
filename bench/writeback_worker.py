"""One outbox worker for bench/writeback.py: process a connection's due write-backs, print the outcomes.

    .venv/bin/python bench/writeback_worker.py --connection 1 --lease 2

Runs in its own process so the benchmark can kill it with SIGKILL mid-batch. The environment
(DATABASE_URL and the rest) comes from the parent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from apps.integrations import outbox  # noqa: E402
from apps.integrations.models import Connection  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connection", type=int, required=True)
    parser.add_argument(
        "--lease", type=float, default=300, help="Seconds before a silent worker's action is taken over."
    )
    parser.add_argument("--budget", type=float, default=3600, help="Seconds to keep processing.")
    args = parser.parse_args()
    # A short lease for the benchmark, so a killed worker's actions are taken over in seconds.
    outbox.LEASE = timedelta(seconds=args.lease)
    outcomes = outbox.writeback_process(Connection.objects.get(pk=args.connection), time_budget=args.budget)
    print(json.dumps(dict(outcomes)), flush=True)


if __name__ == "__main__":
    main()
