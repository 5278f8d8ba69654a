from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from apps.integrations.lever.mapping import MappingError, map_opportunity
from apps.integrations.lever.parsing import unwrap
from tests.integrations.lever.conftest import lever_fixture

HIRED = "16308515-dc77-4aa7-b3af-96161b2b4e9b"
REJECTED = "d35867b1-f661-4ec2-b477-b3e6524cc8b6"
OWNER = "2c713392-d0e4-4355-8673-378d6a851cb8"


def at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def mapped(name: str, hired: set[str] | None = None):
    return map_opportunity(lever_fixture(name), hired_reason_ids={HIRED} if hired is None else hired)


def test_candidate_comes_from_the_contact_fields_of_the_opportunity():
    candidate, _ = mapped("mapping_opportunity_archived_hired")
    assert candidate.model == "candidates.Candidate"
    assert candidate.remote_id == "e2719ee1-21f5-4287-a60a-59bd29deac80"
    assert candidate.fields == {
        "name": "Aïcha  Benali Haddad",
        "first_name": "Aïcha",
        "last_name": "Benali Haddad",
        "email": "aicha.benali@example.com",
        "emails": ["aicha.benali@example.com", "aicha@work.example"],
        "phones": [{"type": "mobile", "value": "+33 6 12 34 56 78"}, {"type": "", "value": "+1 555 0100"}],
        "links": [
            "https://github.com/aicha",
            "http://uk.linkedin.com/in/aicha-benali/?trk=x#top",
            "https://www.linkedin.com/in/other",
        ],
        "linkedin_url": "https://uk.linkedin.com/in/aicha-benali/?trk=x",
        "location": "Chennai",
        "headline": "Staff Engineer at Globex",
        "current_title": "Staff Engineer",
        "current_company": "Globex",
        "is_anonymized": False,
    }
    assert candidate.refs == {} and candidate.many == {}
    assert candidate.remote_data["id"] == candidate.remote_id


def test_application_of_a_hire():
    _, application = mapped("mapping_opportunity_archived_hired")
    assert application.model == "candidates.Application"
    assert application.remote_id == "2087af84-f146-4535-9368-2309e33e049f"
    assert application.fields == {
        "application_remote_id": "2b7f3433-111a-4659-a302-58a32cd2e33c",
        # The last time the opportunity entered its current stage ("offer", entered twice).
        "stage_entered_at": at(1750500000000),
        "outcome": "hired",
        "archived_at": at(1750600000000),
        "origin": "applied",
        "sources": ["LinkedIn", "Referral"],
        "confidential": False,
        "last_interaction_at": at(1750647948074),
        "last_advanced_at": at(1750500000000),
        "remote_url": "https://hire.lever.co/candidates/2087af84-f146-4535-9368-2309e33e049f",
        "remote_created_at": at(1750233426190),
        "remote_updated_at": at(1750647948243),
        "answers": unwrap(lever_fixture("mapping_opportunity_archived_hired"))["applications"][0][
            "customQuestions"
        ],
        "applied_at": at(1750233500000),
    }
    assert application.refs == {
        "candidate": "e2719ee1-21f5-4287-a60a-59bd29deac80",
        "current_stage": "offer",
        "rejection_reason": HIRED,
        "owner": OWNER,
        "sourced_by": None,
        "job": "f2f01e16-27f8-4711-a728-7d49499795a0",
    }
    assert application.many == {"tags": ["Go tech", "hiring"]}
    assert application.deleted is False


def test_hire_detection_uses_the_reason_type_not_its_text():
    _, application = mapped("mapping_opportunity_archived_hired", hired=set())
    assert application.fields["outcome"] == "rejected"
    assert application.refs["rejection_reason"] == HIRED


def test_legacy_archive_fields_expanded_objects_and_unexpanded_application():
    candidate, application = mapped("mapping_opportunity_legacy_rejected")
    assert candidate.remote_id == "c38e60e9-5992-45e5-8f81-d4b2d65c95b1"  # from the expanded contact
    assert candidate.fields["location"] == "Toronto, ON, Canada"  # the contact's {name} wins
    assert candidate.fields["linkedin_url"] == "https://linkedin.com/in/cosima"
    assert (candidate.fields["current_title"], candidate.fields["current_company"]) == (
        "Scientist",
        "Dyad Institute",
    )
    assert application.fields["outcome"] == "rejected"
    assert application.fields["archived_at"] == at(1407779365624)
    assert application.fields["confidential"] is True
    assert application.fields["application_remote_id"] == "6ffe4153-0000-4000-8000-000000000001"
    # No stage change into the current stage: fall back to lastAdvancedAt.
    assert application.fields["stage_entered_at"] == at(1407772000000)
    assert (
        application.fields["remote_updated_at"]
        == application.fields["remote_created_at"]
        == at(1407770000000)
    )
    assert application.fields["sources"] == [] and application.fields["remote_url"] == ""
    assert application.refs == {
        "candidate": "c38e60e9-5992-45e5-8f81-d4b2d65c95b1",
        "current_stage": "fe763d80-e612-4787-98bc-686679c6ac9b",
        "rejection_reason": REJECTED,
        "owner": OWNER,
        "sourced_by": "5fe7aa00-1111-4222-8333-444455556666",
    }
    # An unexpanded application id says nothing of the job, answers or date: left out, not cleared.
    assert "job" not in application.refs
    assert "answers" not in application.fields and "applied_at" not in application.fields


def test_a_lead_has_no_job_and_tolerates_odd_shapes():
    candidate, application = mapped("mapping_opportunity_lead")
    assert candidate.remote_id == "05c248f9-eeee-4fff-8000-111111111111"
    assert (candidate.fields["first_name"], candidate.fields["last_name"]) == ("Shane", "")
    assert candidate.fields["email"] == "shane@example.com"
    assert candidate.fields["phones"] == [{"type": "", "value": "+1 415 555 0199"}]
    assert candidate.fields["location"] == "Paris, France"  # a {name} object on the opportunity
    assert candidate.fields["linkedin_url"] == "https://linkedin.com/in/shane"  # look-alike hosts skipped
    assert candidate.fields["current_title"] == candidate.fields["current_company"] == ""
    assert application.remote_id == "7c2690d8-aaaa-4bbb-8ccc-dddddddddddd"
    assert application.fields["application_remote_id"] == ""
    assert application.fields["outcome"] == "active"
    assert application.fields["archived_at"] is None
    assert application.fields["origin"] == ""
    assert application.fields["answers"] == []
    assert application.fields["applied_at"] == at(1750233426190)
    assert application.fields["stage_entered_at"] == at(1750233426190)  # no changes, no advance
    assert application.refs["job"] is None
    assert application.refs["rejection_reason"] is None
    assert application.refs["current_stage"] == "lead-new"
    assert application.refs["sourced_by"] == OWNER
    assert application.many == {"tags": []}


def test_an_anonymised_opportunity_keeps_no_personal_data():
    candidate, application = mapped("mapping_opportunity_anonymized")
    assert candidate.fields == {
        "name": "",
        "first_name": "",
        "last_name": "",
        "email": "",
        "emails": [],
        "phones": [],
        "links": [],
        "linkedin_url": "",
        "location": "",
        "headline": "",
        "current_title": "",
        "current_company": "",
        "is_anonymized": True,
    }
    assert candidate.remote_data == {"id": "7f23aa00-bbbb-4ccc-8ddd-eeeeeeeeeeee", "isAnonymized": True}
    assert application.fields["answers"] == []
    assert application.fields["outcome"] == "rejected"
    assert application.refs["job"] == "6a1e4b79-75b3-4b5a-9c3d-2e1f0a9b8c7d"
    raw = application.remote_data
    assert (raw["name"], raw["emails"], raw["phones"], raw["links"], raw["headline"]) == ("", [], [], [], "")
    assert "teresa" not in str(raw).lower()


def test_an_expanded_stage_object_and_a_numeric_string_stage_change():
    opportunity = unwrap(lever_fixture("mapping_opportunity_archived_hired"))
    _, application = map_opportunity(
        {**opportunity, "stage": {"id": "offer", "text": "Offer"}}, hired_reason_ids={HIRED}
    )
    assert application.refs["current_stage"] == "offer"
    assert application.fields["stage_entered_at"] == at(1750500000000)


def test_an_opportunity_without_a_contact_cannot_be_mapped():
    with pytest.raises(MappingError):
        map_opportunity({"id": "o1", "contact": None}, hired_reason_ids=set())


def test_mapping_is_deterministic_and_hashes_only_mapped_content():
    opportunity = unwrap(lever_fixture("mapping_opportunity_archived_hired"))
    candidate, application = map_opportunity(opportunity, hired_reason_ids={HIRED})
    again = map_opportunity(copy.deepcopy(opportunity), hired_reason_ids={HIRED})
    assert (again[0].content_hash(), again[1].content_hash()) == (
        candidate.content_hash(),
        application.content_hash(),
    )
    unmapped = {**opportunity, "snoozedUntil": 1760000000000, "followers": [], "dataProtection": {"x": 1}}
    quiet = map_opportunity(unmapped, hired_reason_ids={HIRED})
    assert quiet[1].content_hash() == application.content_hash()
    assert quiet[0].content_hash() == candidate.content_hash()
    retagged = map_opportunity({**opportunity, "tags": ["hiring", "Go tech"]}, hired_reason_ids={HIRED})
    assert retagged[1].content_hash() == application.content_hash()
    moved = map_opportunity({**opportunity, "lastInteractionAt": 1750647948075}, hired_reason_ids={HIRED})
    assert moved[1].content_hash() != application.content_hash()
    renamed = map_opportunity({**opportunity, "headline": "CTO at Globex"}, hired_reason_ids={HIRED})
    assert renamed[0].content_hash() != candidate.content_hash()


def test_nulls_in_an_expanded_contact_do_not_erase_the_opportunity_values():
    opportunity = unwrap(lever_fixture("mapping_opportunity_legacy_rejected"))
    contact = {**opportunity["contact"], "location": None, "headline": None}
    candidate, _ = map_opportunity({**opportunity, "contact": contact}, hired_reason_ids=set())
    assert candidate.fields["location"] == "Toronto"
    assert candidate.fields["headline"] == "Scientist @ Dyad Institute"


@pytest.mark.parametrize(
    "link",
    [
        "http://[linkedin.com/in/x",
        "ftp://linkedin.com/in/x",
        "mailto:x@linkedin.com",
        "https://www.linkedin.com/",
        "",
    ],
)
def test_malformed_or_non_web_links_are_not_linkedin_profiles(link):
    opportunity = {"id": "o1", "contact": "c1", "links": [link]}
    candidate, _ = map_opportunity(opportunity, hired_reason_ids=set())
    assert candidate.fields["linkedin_url"] == ""
