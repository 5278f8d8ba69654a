"""A database outage answers 503 with Retry-After (full pages and htmx requests); other errors stay 500."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(cast) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(cast.recruiter)
    return client


def fail_session_load(monkeypatch, exc: Exception) -> None:
    # The session is the first thing a request reads from the database.
    def load(self):
        raise exc

    monkeypatch.setattr(SessionStore, "load", load)


def test_a_lost_database_is_a_503_page_to_wait_out(member, monkeypatch):
    fail_session_load(monkeypatch, OperationalError("connection to server at 127.0.0.1 failed"))
    response = member.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "cannot reach its database" in body and "Nothing you saved is lost" in body
    assert "127.0.0.1" not in body  # the driver's message is for the log, not the page


def test_an_htmx_request_gets_a_short_message_for_the_page_to_show(member, monkeypatch):
    fail_session_load(monkeypatch, OperationalError("server closed the connection unexpectedly"))
    response = member.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert (
        response.content.decode() == "Recruitdesk cannot reach its database right now. Try again in a moment."
    )


def test_any_other_error_is_still_a_500(member, monkeypatch):
    fail_session_load(monkeypatch, ValueError("a bug"))
    response = member.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Retry-After" not in response
