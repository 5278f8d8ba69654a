"""Fixtures: sandbox servers on ephemeral loopback ports and authenticated sessions."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from apps.lever_sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A read-mostly server shared by a module's tests (rate limiting off: tests are bursty)."""
    with SandboxServer(seed=42, opportunities=250, rate_limit=False) as server:
        yield server


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[requests.Session]:
    with session_for(sandbox) as session:
        yield session


def session_for(server: SandboxServer, key: str | None = None) -> requests.Session:
    session = requests.Session()
    session.auth = (key or server.api_key, "")
    return session


def walk(session: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    """Follow ``next`` tokens until ``hasNext`` is false; return every item."""
    items: list[dict[str, Any]] = []
    params = {"limit": 100, **params}
    while True:
        response = session.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["data"]
        if not body["hasNext"]:
            assert "next" not in body
            return items
        params["offset"] = body["next"]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``condition`` until it returns something truthy or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)
