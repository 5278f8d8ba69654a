"""Issue 10, point 1: a full sync through every kind of fault Lever can throw at it, against the sandbox.

Each fault either leaves a mirror identical to a fault-free sync of the same account (compared by
`mirror_digest`, every mirrored row's mapped fields) or stops the run in a clearly reported state
with nothing corrupted: every row already written equals the fault-free row of the same record.

Scaled to keep the suite quick: a 40-opportunity account, tokens that live 1 s instead of Lever's
hour (the issue asks for "every 60 s"; shorter only means more refreshes per sync), and a client
read timeout of 1 s so that 2 s latency spikes become timeouts that must be retried, not just waits.
"""

from __future__ import annotations

import pytest

from apps.integrations.digest import corrupted_rows, mirror_digest, mirrored_models, model_rows
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.lifecycle import connection_connect_oauth
from apps.integrations.models import ConnectionStatus, SyncKind, SyncStatus
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.lever.sandbox_sync import FAST, connect, oauth_connect, oauth_tokens, sync

pytestmark = pytest.mark.django_db

# Each entry: the sandbox's fault switches, and the client options the run uses.
MATRIX = {
    "10 % 5xx": ({"error_rate": 0.1}, {"max_attempts": 8}),
    # Bursts are counted in requests and may come back to back: allow three bursts on one call.
    "bursts of 429": ({"throttle_rate": 0.04, "throttle_burst": 5}, {"max_attempts": 16}),
    "2 s latency spikes": ({"spike_rate": 0.02, "spike_latency": 2.0}, {"timeout": (5, 1.0)}),
    "dropped connections": ({"drop_rate": 0.05}, {"max_attempts": 8}),
    "truncated JSON": ({"truncate_rate": 0.05}, {"max_attempts": 8}),
    "all of them at once": (
        {
            "error_rate": 0.04,
            "throttle_rate": 0.01,
            "drop_rate": 0.02,
            "truncate_rate": 0.02,
            "spike_rate": 0.01,
        },
        {"max_attempts": 10, "timeout": (5, 1.0)},
    ),
}


@pytest.fixture(scope="module")
def sandbox():
    # Seed 1 with 40 opportunities holds hired, rejected, confidential and anonymised ones.
    with SandboxServer(seed=1, opportunities=40, rate_limit=False) as server:
        yield server


@pytest.fixture
def clean_sandbox(sandbox):
    sandbox.set_faults()
    sandbox.faults.reseed(1)  # the same faults at the same requests, whichever tests ran before
    sandbox.reset_counts()
    yield sandbox
    sandbox.set_faults()
    sandbox.set_token_lifetime(3600)
    sandbox.restore_oauth()


_reference: dict[str, object] = {}


@pytest.fixture
def reference(clean_sandbox) -> dict[str, object]:
    """The fault-free result: digest, rows per model and request count (computed once per process)."""
    if not _reference:
        connection = connect(clean_sandbox)
        run = sync(connection)
        assert run.status == SyncStatus.SUCCEEDED, run.error
        _reference.update(
            digest=mirror_digest(connection),
            rows={model._meta.label: set(model_rows(model, connection)) for model in mirrored_models()},
            requests=clean_sandbox.request_counts()["total"],
        )
        clean_sandbox.reset_counts()
    return _reference


@pytest.mark.parametrize("faults,options", MATRIX.values(), ids=MATRIX.keys())
def test_a_sync_through_faults_ends_identical_to_a_fault_free_one(clean_sandbox, reference, faults, options):
    connection = connect(clean_sandbox)
    clean_sandbox.set_faults(**faults)
    run = sync(connection, client_options=options)
    counts = clean_sandbox.request_counts()

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert connection.status == ConnectionStatus.ACTIVE
    assert mirror_digest(connection) == reference["digest"]
    # The faults really happened and were retried: more requests than the fault-free run needed.
    assert counts["total"] > reference["requests"]
    if faults.get("error_rate"):
        assert any(status.startswith("5") for status in counts["statuses"])
    if faults.get("throttle_rate"):
        assert (
            counts["statuses"].get("429", 0) >= faults["throttle_burst"] if "throttle_burst" in faults else 1
        )
    assert run.requests_made >= reference["requests"]


def on_request(number: int | str, action, monkeypatch) -> dict[str, int]:
    """Run `action` (something happening inside Lever) as the sync sends its `number`-th API request,
    or its first request whose path contains `number` when it is a string (e.g. "/download").

    Returns {"n": requests sent so far, "at": the request the action came with}.
    """
    from apps.integrations.lever import transport

    original = transport.LeverTransport.request
    seen = {"n": 0, "at": 0}

    def request(self, method, path, *args, **kwargs):
        seen["n"] += 1
        due = number in path if isinstance(number, str) else seen["n"] == number
        if due and not seen["at"]:
            seen["at"] = seen["n"]
            action()
        return original(self, method, path, *args, **kwargs)

    monkeypatch.setattr(transport.LeverTransport, "request", request)
    return seen


def test_an_outage_longer_than_the_retries_fails_the_run_clearly_and_the_next_sync_continues(
    clean_sandbox, reference, monkeypatch
):
    connection = connect(clean_sandbox)
    on_request(150, lambda: clean_sandbox.set_faults(error_rate=1.0), monkeypatch)  # Lever goes down
    run = sync(connection, client_options={"max_attempts": 3})

    assert run.status == SyncStatus.FAILED
    assert "500" in run.error or "503" in run.error  # Lever's answer, for the operator
    assert run.checkpoint  # where the next full sync starts
    assert connection.status == ConnectionStatus.ACTIVE  # a Lever outage is not a credentials problem
    assert corrupted_rows(connection, reference["rows"]) == {}

    monkeypatch.undo()
    clean_sandbox.set_faults()
    clean_sandbox.reset_counts()
    again = sync(connection, SyncKind.FULL)
    assert again.status == SyncStatus.SUCCEEDED, again.error
    assert again.checkpoint.get("resumed_from") == run.pk
    assert clean_sandbox.request_counts()["total"] < reference["requests"]  # it did not start over
    assert mirror_digest(connection) == reference["digest"]


def test_tokens_expiring_every_second_are_refreshed_and_the_mirror_is_identical(
    clean_sandbox, reference, settings
):
    clean_sandbox.set_token_lifetime(1)
    connection = oauth_connect(clean_sandbox, settings)
    first_refresh_token = connection.refresh_token

    # A slow sync (50 ms per request) so tokens expire many times before it ends.
    clean_sandbox.set_faults(latency=0.05)
    run = sync(connection)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert mirror_digest(connection) == reference["digest"]
    counts = clean_sandbox.request_counts()
    refreshes = counts["other"].get("POST /oauth/token", 0) - 1  # minus the code exchange
    assert refreshes >= 3
    assert refreshes < counts["total"] / 5  # ahead of expiry, not before every request
    assert connection.refresh_token != first_refresh_token  # rotated tokens were persisted
    assert connection.status == ConnectionStatus.ACTIVE


# Early, in the middle, and between a batch's rows and the download of its resumes and files (the rows
# are written, their files not yet fetched: pending, not corrupted, and the next run fetches them).
@pytest.mark.parametrize("after", [5, 60, "/download"])
def test_revocation_mid_sync_stops_cleanly_and_a_reauthorised_sync_completes(
    clean_sandbox, reference, settings, monkeypatch, after
):
    connection = oauth_connect(clean_sandbox, settings)
    revoked = on_request(after, clean_sandbox.revoke_oauth, monkeypatch)  # revoked inside Lever
    run = sync(connection)
    requests_at_stop = clean_sandbox.request_counts()["total"]
    assert revoked["at"], "the sync never reached the request to revoke at"

    # Clearly reported: the run failed, the connection asks for re-authorisation, nothing is retried.
    assert run.status == SyncStatus.FAILED
    assert run.error
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    assert requests_at_stop <= revoked["at"] + 3  # at most the failed call and one refresh attempt after it
    # Nothing corrupted: every row written before the revocation is exactly the fault-free row.
    assert corrupted_rows(connection, reference["rows"]) == {}
    # And a needs-reauth connection makes no requests at all, however often it is asked.
    with pytest.raises(Exception, match="(?i)reauth|authori"):
        run_sync(connection, kind=SyncKind.DELTA, client_options=FAST)
    assert clean_sandbox.request_counts()["total"] == requests_at_stop

    # The customer re-authorises: new tokens, the connection is active again, the sync completes.
    monkeypatch.undo()
    clean_sandbox.restore_oauth()
    outcome = connection_connect_oauth(
        workspace=connection.workspace,
        token_set=oauth_tokens(clean_sandbox),
        environment=connection.environment,
        base_url=connection.base_url,
        admin_email="admin@acme.example",
        connected_by=None,
        connection_id=connection.pk,
    )
    assert outcome.connection.pk == connection.pk and outcome.connection.status == ConnectionStatus.ACTIVE
    again = sync(outcome.connection, SyncKind.FULL)
    assert again.status == SyncStatus.SUCCEEDED, again.error
    assert mirror_digest(connection) == reference["digest"]
