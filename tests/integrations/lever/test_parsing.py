from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.integrations.lever.parsing import (
    parse_archived,
    parse_int,
    parse_ms,
    parse_retry_after,
    to_ms,
    unwrap,
)
from tests.integrations.lever.conftest import lever_fixture


def test_unwrap_takes_off_one_data_envelope():
    assert unwrap({"data": {"id": "x"}}) == {"id": "x"}


def test_unwrap_takes_off_a_doubled_data_envelope():
    inner = unwrap(lever_fixture("webhook_create_nested"))
    assert inner["id"] == "9c2a1b3d-0000-4000-8000-000000000042"
    assert inner["configuration"]["signatureToken"].startswith("7331")


def test_unwrap_leaves_an_object_whose_data_key_has_company():
    assert unwrap({"data": {"data": 1, "other": 2}}) == {"data": 1, "other": 2}


def test_unwrap_tolerates_bare_objects_and_lists():
    assert unwrap({"id": "x", "text": "Note"}) == {"id": "x", "text": "Note"}
    assert unwrap({"data": [1, 2], "hasNext": False}) == [1, 2]
    assert unwrap(None) is None


@pytest.mark.parametrize("value", [1750233426190, "1750233426190", " 1750233426190 ", 1750233426190.0])
def test_parse_ms_reads_numbers_and_numeric_strings_as_aware_utc(value):
    parsed = parse_ms(value)
    assert parsed == datetime(2025, 6, 18, 7, 57, 6, 190000, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)


def test_parse_ms_reads_exponent_strings():
    assert parse_ms("1.4e12") == datetime(2014, 5, 13, 16, 53, 20, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "  ", "soon", True, [], {}, float("nan"), "inf", "1e30"])
def test_parse_ms_turns_garbage_into_none(value):
    assert parse_ms(value) is None


def test_parse_int_reads_sizes_sent_as_strings():
    assert parse_int("1000") == 1000
    assert parse_int(1000) == 1000
    assert parse_int("1.5") is None
    assert parse_int("big") is None


def test_to_ms_round_trips_and_takes_naive_datetimes_as_utc():
    moment = datetime(2025, 6, 18, 7, 57, 6, 190000, tzinfo=UTC)
    assert to_ms(moment) == 1750233426190
    assert to_ms(moment.replace(tzinfo=None)) == 1750233426190
    assert parse_ms(to_ms(moment)) == moment
    assert to_ms(1750233426190) == 1750233426190


def test_parse_archived_reads_the_archived_object():
    opportunity = unwrap(lever_fixture("opportunity_archived"))
    reason, archived_at = parse_archived(opportunity)
    assert reason == "d35867b1-f661-4ec2-b477-b3e6524cc8b6"
    assert archived_at == parse_ms(1732451503446)


def test_parse_archived_falls_back_to_the_legacy_top_level_fields():
    opportunity = unwrap(lever_fixture("opportunity_legacy_archived"))
    assert parse_archived(opportunity) == (
        "16308515-dc77-4aa7-b3af-96161b2b4e9b",
        datetime(2014, 8, 11, 17, 49, 25, 624000, tzinfo=UTC),
    )


def test_parse_archived_of_an_active_opportunity_is_empty():
    assert parse_archived({"archived": None}) == (None, None)
    assert parse_archived({}) == (None, None)
    assert parse_archived({"archived": {"reason": None, "archivedAt": None}}) == (None, None)


def test_parse_archived_accepts_an_expanded_reason():
    reason, _ = parse_archived({"archived": {"reason": {"id": "r1", "text": "Hired"}, "archivedAt": 1}})
    assert reason == "r1"


def test_parse_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("whenever") is None
    assert parse_retry_after(None) is None
