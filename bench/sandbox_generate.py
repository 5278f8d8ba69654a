"""Benchmark the Lever sandbox: generate 100,000 opportunities, then page through the first 10 pages.

Run with ``.venv/bin/python bench/sandbox_generate.py [--opportunities N] [--pages N]``. Prints the
generation time, peak memory, and the time for 10 pages of 100 both in-process (the store alone)
and over loopback HTTP (rate limiting off), plus a single-opportunity fetch with its children.
"""

from __future__ import annotations

import argparse
import resource
import time

import requests

from apps.lever_sandbox.server import SandboxServer
from apps.lever_sandbox.store import OppQuery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    started = time.perf_counter()
    sandbox = SandboxServer(seed=args.seed, opportunities=args.opportunities, rate_limit=False)
    generated = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"generate {args.opportunities:,} opportunities: {generated:.2f} s (peak RSS {peak_mb:.0f} MB)")

    started = time.perf_counter()
    after = None
    for _ in range(args.pages):
        rows, _ = sandbox.store.query(OppQuery(confidentiality="all"), after, 100)
        [sandbox.store.opportunity(row) for row in rows]
        after = (rows[-1].created, rows[-1].id)
    print(f"{args.pages} pages x 100 in-process: {time.perf_counter() - started:.3f} s")

    with sandbox, requests.Session() as session:
        session.auth = (sandbox.api_key, "")
        url = f"{sandbox.api_url}/opportunities"
        params: dict[str, object] = {"limit": 100, "confidentiality": "all", "expand": "applications"}
        started = time.perf_counter()
        for _ in range(args.pages):
            body = session.get(url, params=params).json()
            params["offset"] = body["next"]
        print(
            f"{args.pages} pages x 100 over HTTP (expand=applications): {time.perf_counter() - started:.3f} s"
        )

        opportunity_id = body["data"][-1]["id"]
        started = time.perf_counter()
        for kind in ("", "/notes", "/interviews", "/feedback", "/offers", "/resumes", "/files"):
            session.get(f"{url}/{opportunity_id}{kind}")
        print(f"one opportunity and 6 child lists over HTTP: {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
