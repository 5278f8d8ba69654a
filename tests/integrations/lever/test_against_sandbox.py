"""The real client against the Lever sandbox over loopback HTTP: reads, OAuth, the shared rate limit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection as db

from apps.integrations.lever import oauth
from apps.integrations.lever.auth import ApiKeyAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.credentials import lever_client_for
from apps.integrations.lever.environments import environment_for
from apps.integrations.lever.errors import LeverAuthError, LeverReauthRequired, LeverUnprocessable
from apps.integrations.models import AuthType, ConnectionStatus, Environment
from apps.integrations.services import connection_mark_needs_reauth
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.factories import ConnectionFactory
from tests.integrations.lever.sandbox_sync import authorize

WORKER = Path(__file__).with_name("rate_limit_worker.py")


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=11, opportunities=160, rate_limit=False) as server:
        yield server


def client_for(server: SandboxServer) -> LeverClient:
    return LeverClient(environment_for("custom", server.url), ApiKeyAuth(server.api_key))


def test_client_walks_the_whole_sandbox_account(sandbox):
    expected = sandbox.dataset_summary()
    with client_for(sandbox) as client:
        users = list(client.iter_users())
        assert len(users) == expected["users"]
        assert any(user["deactivatedAt"] for user in users)  # includeDeactivated is sent
        assert len(list(client.iter_stages())) == expected["stages"]
        assert len(list(client.iter_archive_reasons())) == expected["archiveReasons"]
        postings = list(client.iter_postings())
        assert len(postings) == expected["postings"]
        assert {p["state"] for p in postings} >= {"published", "internal", "closed", "draft"}
        assert any(p["confidentiality"] == "confidential" for p in postings)
        assert len(list(client.iter_requisitions())) == expected["requisitions"]
        opportunities = list(client.iter_opportunities())
        assert len(opportunities) == expected["opportunities"]
        assert len({o["id"] for o in opportunities}) == len(opportunities)
        assert all(isinstance(o["applications"], list) for o in opportunities)  # expanded objects
        assert len(list(client.iter_deleted_opportunities())) == expected["deletedOpportunities"]
        # Every page after the first went out with the token Lever issued.
        assert sandbox.request_counts()["statuses"].get("400", 0) == 0


def test_children_resumes_and_downloads(sandbox):
    with client_for(sandbox) as client:
        opportunities = list(client.iter_opportunities())
        with_resume = without_resume = unprocessed = None
        for opportunity in opportunities:
            resumes = list(client.iter_resumes(opportunity["id"]))  # a 404 means "none"
            if not resumes:
                without_resume = without_resume or opportunity
            for resume in resumes:
                if resume["file"]["status"] == "processed" and with_resume is None:
                    with_resume = (opportunity, resume)
                elif resume["file"]["status"] != "processed" and unprocessed is None:
                    unprocessed = (opportunity, resume)
            if with_resume and without_resume and unprocessed:
                break
        assert with_resume and without_resume and unprocessed
        content = client.download_resume(with_resume[0]["id"], with_resume[1]["id"])
        assert isinstance(content, bytes) and len(content) > 100
        with pytest.raises(LeverUnprocessable):
            client.download_resume(unprocessed[0]["id"], unprocessed[1]["id"])
        assert isinstance(list(client.iter_notes(with_resume[0]["id"])), list)


def test_rate_limited_sandbox_is_read_completely_through_its_429s(sandbox):
    sandbox.set_rate_limit(True)
    try:
        # Full jitter draws each wait from [0, base * 2^n]: with a 0.05 s base, four retries could all
        # come within the 0.1 s the sandbox's bucket takes to refill one token (about 1 % of the
        # requests that hit the limit, so the test failed now and then). 0.2 s makes that ~1 in 25,000.
        with LeverClient(
            environment_for("custom", sandbox.url), ApiKeyAuth(sandbox.api_key), backoff_base=0.2
        ) as client:
            ids = [o["id"] for o in client.iter_opportunities()]
            for opportunity_id in ids[:40]:
                list(client.iter_notes(opportunity_id))
        assert len(ids) == sandbox.dataset_summary()["opportunities"]
        assert sandbox.request_counts()["statuses"].get("429", 0) > 0  # the limit was really hit
    finally:
        sandbox.set_rate_limit(False)


# -- OAuth: code → token → refresh with rotation → revocation ------------------------------------------


@pytest.mark.django_db
def test_oauth_lifecycle_against_the_sandbox(settings):
    with SandboxServer(seed=3, opportunities=20, rate_limit=False, token_lifetime=0) as server:
        client_id, client_secret = server.oauth_client
        settings.LEVER_CLIENT_ID, settings.LEVER_CLIENT_SECRET = client_id, client_secret
        env = environment_for("custom", server.url)
        tokens = oauth.exchange_code(
            env,
            client_id=client_id,
            client_secret=client_secret,
            code=authorize(server),
            redirect_uri="https://rd.example/cb",
        )
        # The token is already dead (lifetime 0) but we store a future expiry: the first call gets a 401.
        connection = ConnectionFactory(
            environment=Environment.CUSTOM,
            base_url=server.url,
            auth_type=AuthType.OAUTH,
            api_key="",
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            access_token_expires_at=tokens.expires_at.replace(year=tokens.expires_at.year + 1),
        )
        server.set_token_lifetime(3600)
        with lever_client_for(connection, limiter=None) as client:
            assert list(client.iter_stages())  # 401 → one refresh → retry succeeds
        connection.refresh_from_db()
        assert connection.refresh_token != tokens.refresh_token  # rotated and persisted
        assert connection.access_token != tokens.access_token
        # The old refresh token no longer works: rotation is real.
        with pytest.raises(LeverReauthRequired):
            oauth.refresh_tokens(
                env, client_id=client_id, client_secret=client_secret, refresh_token=tokens.refresh_token
            )

        server.revoke_oauth()
        with lever_client_for(connection, limiter=None) as client, pytest.raises(LeverAuthError) as excinfo:
            list(client.iter_stages())
        assert isinstance(excinfo.value, LeverReauthRequired)
        connection_mark_needs_reauth(connection=connection, reason=excinfo.value.message)
        connection.refresh_from_db()
        assert connection.status == ConnectionStatus.NEEDS_REAUTH
        token_calls = server.request_counts()["other"]
        assert token_calls.get("POST /oauth/token", 0) <= 4  # code, refresh, old-token probe, revoked refresh


# -- Two worker processes share one bucket -------------------------------------------------------------


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["sqlite-file", "postgresql", "redis"])
def test_two_processes_together_stay_within_the_budget(backend, tmp_path):
    env = dict(os.environ)
    if backend == "redis":
        if not redis_answers():
            pytest.skip("no Redis on 127.0.0.1:6379")
        env.update(REDIS_URL="redis://127.0.0.1:6379/15", DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    elif backend == "postgresql":
        if db.vendor != "postgresql":
            pytest.skip("the suite runs on SQLite; CI repeats it on PostgreSQL")
        s = db.settings_dict
        env.update(REDIS_URL="", DATABASE_URL=f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}")
    else:
        env.update(REDIS_URL="", DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    bucket = f"test:{uuid.uuid4()}"
    with SandboxServer(seed=5, opportunities=10, rate_limit=False) as server:
        args = [sys.executable, str(WORKER), server.url, server.api_key, bucket, "30"]
        if backend != "postgresql":
            subprocess.run([*args, "--init"], env=env, check=True, timeout=60)
        workers = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [w.communicate(timeout=120)[0] for w in workers]
        assert [w.returncode for w in workers] == [0, 0]
        assert [int(out.strip()) for out in outputs] == [30, 30]
        counts = server.request_counts()
    times = sorted(counts["timestamps"])
    assert counts["total"] == 60
    # A token bucket of 10/s with a burst of 20 allows at most 20 + 10 requests in any second, and
    # the 40 requests after the burst need at least 4 s together (allow 0.3 s for clock granularity).
    assert counts["max_per_second"] <= 30
    assert times[-1] - times[0] >= 3.7
