"""Pagination: `next` tokens go back verbatim (checklist §13 item 8), invalid tokens restart (item 9)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

from apps.integrations.lever.errors import LeverValidationError
from tests.integrations.lever.conftest import API, lever_fixture, query_of

OPPORTUNITIES = f"{API}/opportunities"
SINCE = datetime(2025, 6, 18, 7, 56, 49, tzinfo=UTC)
FILTERS = "updated_at_start=1750233409000&expand=applications&expand=stage&confidentiality=all&limit=100"


def ids(items):
    return [item["id"] for item in items]


def test_three_pages_pass_each_token_back_verbatim(client, rsps):
    for page in ("opportunities_page1", "opportunities_page2", "opportunities_page3"):
        rsps.get(OPPORTUNITIES, json=lever_fixture(page))
    items = list(client.iter_opportunities(updated_at_start=SINCE, expand=("applications", "stage")))
    assert ids(items) == [
        "2087af84-f146-4535-9368-2309e33e049f",
        "5e3a4f1d-9a1b-4c11-8f6e-0f0e3c2b1a90",
        "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    ]
    queries = [query_of(call) for call in rsps.calls]
    assert queries[0] == FILTERS
    # Page 1 handed out a raw JSON-array token: normal query encoding gives the familiar %5B…%5D.
    assert queries[1] == FILTERS + "&offset=%5B1%2C1750233409740%2C%22abc%22%5D"
    # Page 2 handed out an already percent-encoded token (as Lever's sandbox does): it is encoded
    # again like any other string, never decoded or rebuilt, so Lever reads back exactly its token.
    assert queries[2] == FILTERS + "&offset=%255B1%252C1750233409741%252C%2522def%2522%255D"
    assert parse_qs(queries[2])["offset"] == [lever_fixture("opportunities_page2")["next"]]
    assert parse_qs(queries[1])["offset"] == [lever_fixture("opportunities_page1")["next"]]


def test_listing_stops_when_has_next_is_false_and_next_is_absent(client, rsps):
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page3"))
    assert "next" not in lever_fixture("opportunities_page3")
    assert len(list(client.iter_opportunities())) == 1
    assert len(rsps.calls) == 1


def test_listing_stops_when_has_next_comes_without_a_token(client, rsps):
    rsps.get(OPPORTUNITIES, json={"data": [{"id": "a"}], "hasNext": True})
    assert ids(client.iter_opportunities()) == ["a"]
    assert len(rsps.calls) == 1


def test_an_invalid_offset_token_restarts_the_listing_without_duplicates(client, rsps):
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page1"))
    rsps.get(OPPORTUNITIES, status=400, json=lever_fixture("error_invalid_offset"))
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_restarted_page1"))
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_restarted_page2"))
    items = list(client.iter_opportunities())
    assert ids(items) == [
        "2087af84-f146-4535-9368-2309e33e049f",
        "5e3a4f1d-9a1b-4c11-8f6e-0f0e3c2b1a90",
        "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
    ]
    queries = [parse_qs(query_of(call)) for call in rsps.calls]
    assert [q.get("offset") for q in queries] == [
        None,
        ['[1,1750233409740,"abc"]'],
        None,  # restarted from the first page
        ["%5B1%2C1750233409740%2C%22fresh%22%5D"],
    ]


def test_restarts_are_capped(client, rsps):
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page1"))
    for restart in range(4):
        rsps.get(OPPORTUNITIES, status=400, json=lever_fixture("error_invalid_offset"))
        if restart < 3:
            rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page1"))
    with pytest.raises(LeverValidationError, match="Invalid offset token"):
        list(client.iter_opportunities())
    assert len(rsps.calls) == 8


def test_other_bad_requests_are_not_mistaken_for_a_stale_token(client, rsps):
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page1"))
    rsps.get(OPPORTUNITIES, status=400, json=lever_fixture("error_bad_request"))
    with pytest.raises(LeverValidationError, match="uploaded_at_start"):
        list(client.iter_opportunities())
    assert len(rsps.calls) == 2


def test_an_invalid_token_error_on_the_first_page_is_raised(client, rsps):
    rsps.get(OPPORTUNITIES, status=400, json=lever_fixture("error_invalid_offset"))
    with pytest.raises(LeverValidationError):
        list(client.iter_opportunities())
    assert len(rsps.calls) == 1


def test_pages_are_fetched_lazily(client, rsps):
    rsps.get(OPPORTUNITIES, json=lever_fixture("opportunities_page1"))
    first = next(iter(client.iter_opportunities()))
    assert first["name"] == "Karan Example"
    assert len(rsps.calls) == 1


def test_pages_start_at_a_stored_offset_and_report_the_next_one(client, rsps):
    rsps.get(f"{API}/opportunities", json={"data": [{"id": "c"}], "hasNext": True, "next": "tok-3"})
    rsps.get(f"{API}/opportunities", json={"data": [{"id": "d"}], "hasNext": False})
    pages = list(client.opportunity_pages(offset="tok-2"))
    assert [(p.items, p.next_offset) for p in pages] == [([{"id": "c"}], "tok-3"), ([{"id": "d"}], None)]
    assert "offset=tok-2" in rsps.calls[0].request.url
    assert "offset=tok-3" in rsps.calls[1].request.url


def test_a_truncated_body_is_asked_for_again(client, rsps, sleeps):
    rsps.get(f"{API}/stages", body='{"data": [{"id": "lead-new", "te', content_type="application/json")
    rsps.get(f"{API}/stages", json={"data": [{"id": "lead-new", "text": "New lead"}], "hasNext": False})
    assert [s["id"] for s in client.iter_stages()] == ["lead-new"]
    assert len(sleeps) == 1
