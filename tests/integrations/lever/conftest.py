"""Recorded Lever payloads, a client that never really sleeps, and HTTP mocked at the boundary."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import responses

from apps.integrations.lever.auth import ApiKeyAuth
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.environments import PRODUCTION

FIXTURES = Path(__file__).parent / "fixtures"
API = PRODUCTION.api_base
API_KEY = "lever-test-api-key-0000"


def lever_fixture(name: str) -> Any:
    """Return the recorded Lever JSON `fixtures/<name>.json`."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


class SleepRecorder(list):
    """Stands in for time.sleep: records each delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def events() -> list:
    return []


@pytest.fixture
def client(sleeps, events) -> LeverClient:
    lever = LeverClient(
        PRODUCTION, ApiKeyAuth(API_KEY), sleep=sleeps, on_event=events.append, rng=random.Random(7)
    )
    yield lever
    lever.close()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def query_of(call: Any) -> str:
    """Return the raw query string a mocked call went out with, exactly as on the wire."""
    url = call.request.url
    return url.split("?", 1)[1] if "?" in url else ""
