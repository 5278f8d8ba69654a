from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.integrations.lever.mapping import (
    MappingError,
    map_archive_reason,
    map_requisition,
    map_source,
    map_stages,
    map_tag,
    map_user,
)
from apps.integrations.lever.parsing import unwrap
from tests.integrations.lever.conftest import lever_fixture


def at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_map_user_lowercases_the_email_and_unifies_the_role():
    user = unwrap(lever_fixture("mapping_users"))[0]
    record = map_user(user)
    assert record.model == "integrations.AtsUser"
    assert record.remote_id == "b59ae96c-c132-4a91-9c5c-dccd88fc2794"
    assert record.fields == {
        "name": "Angel Perez",
        "email": "aperez@example.com",
        "username": "aperez",
        "access_role": "super admin",
        "unified_role": "ADMIN",
        "job_title": "Recruiter",
        "photo_url": "https://hire.lever.co/avatars/aperez.png",
        "deactivated_at": None,
        "remote_created_at": at(1563996364234),
    }
    assert record.refs == {} and record.many == {}
    assert record.remote_data is user


def test_map_user_reads_a_deactivated_user_with_string_timestamps():
    record = map_user(unwrap(lever_fixture("mapping_users"))[1])
    assert record.fields["unified_role"] == "INTERVIEWER"
    assert record.fields["access_role"] == "Interviewer"
    assert record.fields["deactivated_at"] == at(1700000000000)
    assert record.fields["remote_created_at"] == at(1563996364234)
    assert record.fields["job_title"] == ""
    assert record.fields["photo_url"] == ""


def test_map_user_gives_custom_roles_no_unified_role_and_blank_strings_for_nulls():
    record = map_user(unwrap(lever_fixture("mapping_users"))[2])
    assert record.fields["unified_role"] == ""
    assert record.fields["access_role"] == "Sourcing partner"
    assert record.fields["name"] == record.fields["email"] == record.fields["username"] == ""
    assert record.fields["remote_created_at"] is None


def test_map_user_unwraps_a_single_object_response():
    record = map_user({"data": {"id": "u1", "email": "X@Y.Z"}})
    assert (record.remote_id, record.fields["email"]) == ("u1", "x@y.z")


def test_map_user_refuses_an_object_without_an_id():
    with pytest.raises(MappingError):
        map_user({"name": "Nobody"})


def test_map_stages_keeps_lever_order_and_slug_ids():
    records = map_stages(lever_fixture("mapping_stages"))
    assert [(r.remote_id, r.fields["name"], r.fields["global_index"]) for r in records] == [
        ("lead-new", "New lead", 0),
        ("lead-reached-out", "Reached out", 1),
        ("applicant-new", "New applicant", 2),
        ("fe763d80-e612-4787-98bc-686679c6ac9b", "Phone Interview", 3),
        ("offer", "Offer", 4),
    ]
    assert {r.model for r in records} == {"jobs.Stage"}


def test_map_stages_skips_id_less_and_repeated_stages_without_gaps():
    records = map_stages(
        [{"id": "a", "text": "A"}, {"text": "no id"}, {"id": "a", "text": "again"}, {"id": "b"}]
    )
    assert [(r.remote_id, r.fields["global_index"]) for r in records] == [("a", 0), ("b", 1)]
    assert records[1].fields["name"] == ""


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, {"name": "Hired", "reason_type": "hired", "is_active": True}),
        (1, {"name": "Underqualified", "reason_type": "non-hired", "is_active": True}),
        (2, {"name": "Not a fit (legacy)", "reason_type": "non-hired", "is_active": False}),
    ],
)
def test_map_archive_reason_reads_type_and_status(index, expected):
    reason = unwrap(lever_fixture("mapping_archive_reasons"))[index]
    record = map_archive_reason(reason)
    assert record.model == "candidates.RejectionReason"
    assert record.remote_id == reason["id"]
    assert record.fields == expected


def test_map_archive_reason_treats_unknown_types_as_non_hired_and_missing_status_as_active():
    record = map_archive_reason({"id": "r", "text": "Odd", "type": "HIRED-ish", "status": None})
    assert record.fields == {"name": "Odd", "reason_type": "non-hired", "is_active": True}


def test_map_tag_and_source_key_on_their_text_and_ignore_the_count():
    tag = map_tag(unwrap(lever_fixture("mapping_tags"))[1])
    source = map_source(unwrap(lever_fixture("mapping_sources"))[0])
    assert (tag.model, tag.remote_id, tag.fields) == ("candidates.Tag", "go tech", {"name": "go tech"})
    assert (source.model, source.remote_id, source.fields) == (
        "candidates.Source",
        "LinkedIn",
        {"name": "LinkedIn"},
    )
    recount = map_tag({"text": "go tech", "count": 99})
    assert recount.content_hash() == tag.content_hash()


def test_map_tag_accepts_a_bare_string_and_refuses_blank_text():
    assert map_tag("Priority").remote_id == "Priority"
    with pytest.raises(MappingError):
        map_source({"text": "  ", "count": 3})


def test_map_requisition_reads_every_field():
    req = unwrap(lever_fixture("mapping_requisitions"))[0]
    record = map_requisition(req)
    assert record.model == "jobs.Requisition"
    assert record.remote_id == "33b3cdf8-baef-4b17-b9d5-04c3b7e5eeb2"
    assert record.fields == {
        "code": "ENG-9",
        "name": "Junior Software Engineer",
        "status": "open",
        "backfill": False,
        "confidential": False,
        "headcount_total": 10,
        "headcount_hired": 0,
        "employment_status": "full-time",
        "location": "New York",
        "team": "Product Engineering",
        "department": "Engineering",
        "compensation": {"currency": "USD", "interval": "per-year-salary", "min": 100000, "max": 130000},
        "closed_at": None,
        "remote_created_at": at(1452306348935),
        "remote_updated_at": at(1452306348935),  # updatedAt null → createdAt
    }
    assert record.refs == {
        "owner": "f1f9aa00-1111-4222-8333-444455556666",
        "hiring_manager": "d68c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
    }


def test_map_requisition_reads_unlimited_headcount_and_string_numbers():
    record = map_requisition(unwrap(lever_fixture("mapping_requisitions"))[1])
    assert record.fields["headcount_total"] is None
    assert record.fields["headcount_hired"] == 2
    assert record.fields["backfill"] is True
    assert record.fields["confidential"] is True
    assert record.fields["compensation"] == {}
    assert record.fields["location"] == ""
    assert record.fields["closed_at"] == at(1454306348935)
    assert record.fields["remote_updated_at"] == at(1453306348935)
    assert record.refs == {"owner": None, "hiring_manager": None}
