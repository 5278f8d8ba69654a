from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.integrations.lever.mapping import map_apply_form, map_hiring_team, map_job_stages, map_posting
from apps.integrations.lever.parsing import unwrap
from tests.integrations.lever.conftest import lever_fixture

WEB = "https://hire.lever.co"
PUBLISHED = "f2f01e16-27f8-4711-a728-7d49499795a0"
CONFIDENTIAL = "6a1e4b79-75b3-4b5a-9c3d-2e1f0a9b8c7d"


def at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_map_posting_reads_a_published_posting():
    record = map_posting(lever_fixture("mapping_posting_published"), web_app_url=WEB + "/")
    assert record.model == "jobs.Job"
    assert record.remote_id == PUBLISHED
    assert record.fields == {
        "name": "Infrastructure Engineer",
        "description": "Acme is hiring an Infrastructure Engineer.\n\nYou will run our platform.\n",
        "description_html": (
            "<div>Acme is hiring an Infrastructure Engineer.</div><div><br></div>"
            "<div>You will run our platform.</div>"
        ),
        "requirement_lists": [
            {"text": "Requirements", "items": ["Quick learner", "Go & Kubernetes", "5+ years on-call <SRE>"]},
            {"text": "Nice to have", "items": ["Terraform and Helm"]},
            {"text": "Benefits", "items": ["Free lunch"]},
        ],
        "closing_html": "<div>Acme is an equal opportunity employer.</div>",
        "status": "published",
        "visibility": "public_internal",
        "confidential": False,
        "employment_type": "Full-time",
        "department": "Engineering",
        "team": "Platform",
        "location": "San Francisco",
        "all_locations": ["San Francisco", "New York City"],
        "country": "US",
        "workplace_type": "onsite",
        "level": "Senior",
        "salary_min": Decimal("140000.00"),
        "salary_max": Decimal("180000.50"),
        "salary_currency": "USD",
        "salary_interval": "per-year-salary",
        "salary_description": "The expected range is 140,000 to 180,000 USD.",
        "post_url": f"https://jobs.lever.co/acme/{PUBLISHED}",
        "apply_url": f"https://jobs.lever.co/acme/{PUBLISHED}/apply",
        "remote_url": f"https://hire.lever.co/jobs/postings/{PUBLISHED}",
        "opened_at": at(1407779365624),
        "closed_at": None,
        "tags": ["Backfill", "Priority"],
        "requisition_codes": ["ENG-100", "ENG-145"],
        "remote_created_at": at(1407779365624),
        "remote_updated_at": at(1407789365624),
    }
    assert record.refs == {
        "owner": "ec1c5a3e-0f1b-4c1e-9d2a-3b4c5d6e7f80",
        "hiring_manager": "d68c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
    }


def test_map_posting_tolerates_a_doubly_wrapped_confidential_posting_full_of_nulls():
    record = map_posting(lever_fixture("mapping_posting_confidential_closed"), web_app_url=WEB)
    fields = record.fields
    assert record.remote_id == CONFIDENTIAL
    assert fields["confidential"] is True
    assert fields["visibility"] == "unlisted"  # distributionChannels null
    assert fields["status"] == "closed"
    assert fields["post_url"] == fields["apply_url"] == ""  # urls null
    assert fields["level"] == fields["department"] == fields["location"] == fields["country"] == ""
    assert fields["all_locations"] == []
    assert fields["requisition_codes"] == []  # reqCode "" and requisitionCodes null
    assert fields["tags"] == [] and fields["requirement_lists"] == []
    assert fields["description"] == fields["description_html"] == fields["closing_html"] == ""
    assert fields["salary_min"] is fields["salary_max"] is None
    assert fields["salary_currency"] == fields["salary_interval"] == fields["salary_description"] == ""
    assert fields["workplace_type"] == "unspecified"
    # Closed, but Lever has no closed timestamp and updatedAt is null here.
    assert (
        fields["opened_at"] == fields["remote_created_at"] == fields["remote_updated_at"] == at(1407779365624)
    )
    assert fields["closed_at"] is None
    assert record.refs == {"owner": "08dc7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f", "hiring_manager": None}


def test_map_posting_takes_closed_at_from_the_last_update_of_a_closed_posting():
    posting = unwrap(lever_fixture("mapping_posting_published"))
    record = map_posting({**posting, "state": "closed"}, web_app_url=WEB)
    assert record.fields["closed_at"] == at(1407789365624)


@pytest.mark.parametrize(
    ("channels", "visibility"),
    [
        (["public"], "public"),
        (["internal"], "internal"),
        ([], "unlisted"),
        (["public", "internal"], "public_internal"),
    ],
)
def test_map_posting_derives_visibility_from_distribution_channels(channels, visibility):
    posting = {"id": "p", "distributionChannels": channels}
    assert map_posting(posting, web_app_url=WEB).fields["visibility"] == visibility


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("onsite", "onsite"),
        ("On-Site", "onsite"),
        ("remote", "remote"),
        ("hybrid", "hybrid"),
        (None, "unspecified"),
    ],
)
def test_map_posting_normalises_the_workplace_type(raw, expected):
    assert (
        map_posting({"id": "p", "workplaceType": raw}, web_app_url=WEB).fields["workplace_type"] == expected
    )


def test_map_posting_hash_ignores_unmapped_fields_but_not_mapped_ones():
    posting = unwrap(lever_fixture("mapping_posting_published"))
    baseline = map_posting(posting, web_app_url=WEB).content_hash()
    assert map_posting(copy.deepcopy(posting), web_app_url=WEB).content_hash() == baseline
    unmapped = {**posting, "user": "someone-else", "salaryDescriptionHtml": "<b>changed</b>"}
    assert map_posting(unmapped, web_app_url=WEB).content_hash() == baseline
    renamed = {**posting, "text": "Senior Infrastructure Engineer"}
    assert map_posting(renamed, web_app_url=WEB).content_hash() != baseline
    reordered = {**posting, "tags": ["Priority", "Backfill"]}
    assert map_posting(reordered, web_app_url=WEB).content_hash() == baseline


def test_map_hiring_team_gives_one_row_per_user_and_role():
    records = map_hiring_team(lever_fixture("mapping_posting_published"))
    owner, manager = "ec1c5a3e-0f1b-4c1e-9d2a-3b4c5d6e7f80", "d68c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    rows = [(r.remote_id, r.fields["team_role"], r.fields["unified_role"], r.refs) for r in records]
    assert rows == [
        (f"{PUBLISHED}:{owner}:owner", "owner", "HIRING_MANAGER", {"job": PUBLISHED, "user": owner}),
        (
            f"{PUBLISHED}:{manager}:hiring_manager",
            "hiring_manager",
            "HIRING_MANAGER",
            {"job": PUBLISHED, "user": manager},
        ),
        (
            f"{PUBLISHED}:0441bb8d-2222-4333-8444-555566667777:follower",
            "follower",
            "",
            {"job": PUBLISHED, "user": "0441bb8d-2222-4333-8444-555566667777"},
        ),
        (
            f"{PUBLISHED}:4694aa7c-1111-4222-8333-444455556666:follower",
            "follower",
            "",
            {"job": PUBLISHED, "user": "4694aa7c-1111-4222-8333-444455556666"},
        ),
        (f"{PUBLISHED}:{owner}:follower", "follower", "", {"job": PUBLISHED, "user": owner}),
    ]
    assert {r.model for r in records} == {"jobs.HiringTeamMember"}


def test_map_hiring_team_reads_expanded_users_and_skips_a_missing_hiring_manager():
    records = map_hiring_team(lever_fixture("mapping_posting_confidential_closed"))
    assert [r.remote_id for r in records] == [
        f"{CONFIDENTIAL}:08dc7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f:owner",
        f"{CONFIDENTIAL}:9026aa00-1111-4222-8333-444455556666:follower",
    ]


def test_map_job_stages_gives_one_row_per_stage_in_pipeline_order():
    stages = [s["id"] for s in unwrap(lever_fixture("mapping_stages"))]
    records = map_job_stages(PUBLISHED, [*stages, "lead-new"])
    assert [(r.remote_id, r.fields, r.refs) for r in records[:2]] == [
        (f"{PUBLISHED}:lead-new", {"position": 0}, {"job": PUBLISHED, "stage": "lead-new"}),
        (f"{PUBLISHED}:lead-reached-out", {"position": 1}, {"job": PUBLISHED, "stage": "lead-reached-out"}),
    ]
    assert [r.fields["position"] for r in records] == [0, 1, 2, 3, 4]
    assert records[-1].refs["stage"] == "offer"


def test_map_apply_form_returns_questions_then_links():
    records = map_apply_form(PUBLISHED, lever_fixture("mapping_apply_form"))
    assert [r.model for r in records] == ["jobs.ScreeningQuestion"] * 4 + ["jobs.JobScreeningQuestion"] * 4
    authorized, salary, notice, anything = records[:4]
    assert authorized.remote_id == "2e9cbee3-a31e-4500-a8b4-449b825f9a57"
    assert authorized.fields == {
        "text": "Are you authorized to work in US?",
        "description": "",
        "question_type": "multiple-choice",
        "options": ["Yes", "No"],
    }
    assert salary.fields["description"] == "Yearly, in USD" and salary.fields["options"] == []
    # Fields without ids get a stable key from their form (or the posting) and their text.
    assert notice.remote_id.startswith("field:") and len(notice.remote_id) == 38
    assert notice.fields == {
        "text": "Notice period",
        "description": "",
        "question_type": "dropdown",
        "options": ["Immediately", "1 month"],
    }
    assert anything.fields["description"] == ""
    links = records[4:]
    assert [(link.remote_id, link.fields, link.refs) for link in links[:2]] == [
        (
            f"{PUBLISHED}:2e9cbee3-a31e-4500-a8b4-449b825f9a57",
            {"position": 0, "required": True},
            {"job": PUBLISHED, "question": "2e9cbee3-a31e-4500-a8b4-449b825f9a57"},
        ),
        (
            f"{PUBLISHED}:e6837104-4109-4508-bd17-140f2ec0a17b",
            {"position": 1, "required": False},
            {"job": PUBLISHED, "question": "e6837104-4109-4508-bd17-140f2ec0a17b"},
        ),
    ]
    assert links[2].refs["question"] == notice.remote_id and links[2].fields == {
        "position": 2,
        "required": True,
    }


def test_map_apply_form_keys_id_less_questions_stably():
    first = map_apply_form(PUBLISHED, lever_fixture("mapping_apply_form"))
    again = map_apply_form(PUBLISHED, lever_fixture("mapping_apply_form"))
    elsewhere = map_apply_form("other-posting", lever_fixture("mapping_apply_form"))
    assert [r.remote_id for r in first] == [r.remote_id for r in again]
    # The form has no id, so its id-less questions are scoped to the posting.
    assert first[2].remote_id != elsewhere[2].remote_id
    assert first[0].remote_id == elsewhere[0].remote_id


def test_map_apply_form_tolerates_a_form_without_questions():
    assert map_apply_form(PUBLISHED, {"data": {"customQuestions": None}}) == []
    assert map_apply_form(PUBLISHED, None) == []
