"""The fault matrix of issue 10 at benchmark size: a full sync through each fault, compared to a clean one.

    .venv/bin/python bench/fault_matrix.py [--opportunities 300]

One in-process sandbox (no rate limit) and a fresh SQLite database. A fault-free full sync gives the
reference digest and request count; then each fault of the matrix gets a new connection and a full
sync. Prints, per fault: outcome, wall time, requests (and the extra share over the clean sync), the
5xx/429 answers the sandbox gave, refreshes of 1-second OAuth tokens, and whether the mirror is
identical to the reference. Revocation mid-sync must stop the run (needs re-authorisation) with every
written row equal to its fault-free row. Client settings are production's except shorter backoffs
(0.2 s base, 2 s cap) and, where spikes must become timeouts, a 1 s read timeout. Exits 1 on a mismatch.
The same matrix runs in the suite at 40 opportunities (tests/integrations/lever/test_fault_matrix.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

# bench/ is on sys.path when this runs as a script: the environment every bench shares.
from procs import ROOT, bench_env, work_dir  # noqa: E402

WORK = work_dir()
os.environ.update(
    bench_env(database_url=f"sqlite:///{WORK / 'bench.sqlite3'}", work=WORK, LOG_LEVEL="CRITICAL")
)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.services import workspace_create  # noqa: E402
from apps.integrations.digest import corrupted_rows, mirror_digest, mirrored_models, model_rows  # noqa: E402
from apps.integrations.lever import oauth, transport  # noqa: E402
from apps.integrations.lever.environments import environment_for  # noqa: E402
from apps.integrations.lever.sync.runner import run_sync  # noqa: E402
from apps.integrations.models import AuthType, Connection, ConnectionStatus, Environment, SyncKind, SyncStatus  # noqa: E402
from apps.lever_sandbox.server import SandboxServer  # noqa: E402

CLIENT = {"limiter": None, "backoff_base": 0.2, "backoff_cap": 2.0, "max_attempts": 8}
SPIKES_TIME_OUT = {"timeout": (5, 1.0)}
MATRIX = [
    ("10 % 5xx", {"error_rate": 0.1}, {}),
    (
        "bursts of 429 (4 % start a burst of 5)",
        {"throttle_rate": 0.04, "throttle_burst": 5},
        {"max_attempts": 16},
    ),
    (
        "2 s latency spikes (2 %), 1 s read timeout",
        {"spike_rate": 0.02, "spike_latency": 2.0},
        SPIKES_TIME_OUT,
    ),
    ("5 % dropped connections", {"drop_rate": 0.05}, {}),
    ("5 % truncated JSON", {"truncate_rate": 0.05}, {}),
    (
        "all at once",
        {
            "error_rate": 0.04,
            "throttle_rate": 0.01,
            "drop_rate": 0.02,
            "truncate_rate": 0.02,
            "spike_rate": 0.01,
        },
        {"max_attempts": 10, **SPIKES_TIME_OUT},
    ),
]


def workspace_connection(sandbox: SandboxServer, **fields) -> Connection:
    owner, _ = User.objects.get_or_create(email="bench@recruitdesk.local")
    workspace = workspace_create(name=f"Bench {time.monotonic_ns()}", owner=owner)
    defaults = {"api_key": sandbox.api_key}
    return Connection.objects.create(
        workspace=workspace,
        environment=Environment.CUSTOM,
        base_url=sandbox.url,
        status=ConnectionStatus.ACTIVE,
        **(fields or defaults),
    )


def oauth_connection(sandbox: SandboxServer) -> Connection:
    from urllib.parse import parse_qs, urlsplit

    import requests

    env = environment_for("custom", sandbox.url)
    client_id, client_secret = sandbox.oauth_client
    url = oauth.authorize_url(
        env, client_id=client_id, redirect_uri="https://rd.example/cb", state="b", scopes=oauth.DEFAULT_SCOPES
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        f"{sandbox.url}/oauth/authorize", data={**query, "decision": "accept"}, allow_redirects=False
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = oauth.exchange_code(
        env, client_id=client_id, client_secret=client_secret, code=code, redirect_uri="https://rd.example/cb"
    )
    return workspace_connection(
        sandbox,
        auth_type=AuthType.OAUTH,
        api_key="",
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        access_token_expires_at=tokens.expires_at,
    )


def measured_sync(sandbox: SandboxServer, connection: Connection, options: dict) -> dict:
    sandbox.reset_counts()
    sandbox.faults.reseed(1)
    started = time.perf_counter()
    run = run_sync(connection, kind=SyncKind.FULL, client_options={**CLIENT, **options})
    wall = time.perf_counter() - started
    run.refresh_from_db()
    connection.refresh_from_db()
    counts = sandbox.request_counts()
    statuses = counts["statuses"]
    return {
        "run": run,
        "wall": wall,
        "requests": counts["total"],
        "5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "429": statuses.get("429", 0),
        "refreshes": counts["other"].get("POST /oauth/token", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    failures = []
    with SandboxServer(seed=1, opportunities=args.opportunities, rate_limit=False) as sandbox:
        settings_override = override_settings(
            LEVER_CLIENT_ID=sandbox.oauth_client[0], LEVER_CLIENT_SECRET=sandbox.oauth_client[1]
        )
        settings_override.enable()
        clean = measured_sync(sandbox, workspace_connection(sandbox), {})
        reference = mirror_digest(clean["run"].connection)
        reference_rows = {
            m._meta.label: set(model_rows(m, clean["run"].connection)) for m in mirrored_models()
        }
        print(
            f"{args.opportunities} opportunities; clean full sync: {clean['wall']:.1f}s, {clean['requests']} requests"
        )
        print(
            f"{'fault':<44} {'outcome':<16} {'wall':>7} {'requests':>9} {'extra':>6} {'5xx':>5} {'429':>5}  identical"
        )

        def report(name: str, result: dict, identical: object) -> None:
            run = result["run"]
            extra = result["requests"] / clean["requests"] - 1
            print(
                f"{name:<44} {run.status:<16} {result['wall']:6.1f}s {result['requests']:>9} {extra:>6.0%} "
                f"{result['5xx']:>5} {result['429']:>5}  {identical}"
            )

        for name, faults, options in MATRIX:
            connection = workspace_connection(sandbox)
            sandbox.set_faults(**faults)
            result = measured_sync(sandbox, connection, options)
            sandbox.set_faults()
            identical = mirror_digest(connection) == reference
            report(name, result, identical)
            if not identical or result["run"].status != SyncStatus.SUCCEEDED:
                failures.append(name)

        sandbox.set_token_lifetime(1)
        sandbox.set_faults(latency=0.005)
        connection = oauth_connection(sandbox)
        result = measured_sync(sandbox, connection, {})
        sandbox.set_faults()
        identical = mirror_digest(connection) == reference
        report(f"OAuth tokens living 1 s ({result['refreshes']} refreshes)", result, identical)
        if not identical or result["run"].status != SyncStatus.SUCCEEDED or result["refreshes"] < 2:
            failures.append("token expiry")
        sandbox.set_token_lifetime(3600)

        connection = oauth_connection(sandbox)
        revoke_at = clean["requests"] // 2
        original, seen = transport.LeverTransport.request, {"n": 0}

        def request(self, *a, **kw):
            seen["n"] += 1
            if seen["n"] == revoke_at:
                sandbox.revoke_oauth()
            return original(self, *a, **kw)

        transport.LeverTransport.request = request
        try:
            result = measured_sync(sandbox, connection, {})
        finally:
            transport.LeverTransport.request = original
            sandbox.restore_oauth()
        corrupted = sum(corrupted_rows(connection, reference_rows).values())
        report(
            f"revoked after {revoke_at} requests → {connection.status}",
            result,
            f"stopped; {corrupted} rows differ from fault-free",
        )
        if connection.status != ConnectionStatus.NEEDS_REAUTH or corrupted:
            failures.append("revocation")
        settings_override.disable()
    if failures:
        print("FAILED: " + ", ".join(failures))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
