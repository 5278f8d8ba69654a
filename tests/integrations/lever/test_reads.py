"""Read methods send the filters a complete mirror needs (checklist §13 items 16, 19, 20, 23)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.integrations.lever.errors import LeverUnprocessable, LeverValidationError
from apps.integrations.lever.parsing import parse_archived, parse_ms
from tests.integrations.lever.conftest import API, lever_fixture, query_of

OPPORTUNITY = "2087af84-f146-4535-9368-2309e33e049f"


def test_users_include_deactivated_ones(client, rsps):
    rsps.get(f"{API}/users", json=lever_fixture("users_page1"))
    assert len(list(client.iter_users())) == 1
    assert query_of(rsps.calls[0]) == "includeDeactivated=true&limit=100"


def test_find_user_by_email_asks_lever_for_that_email(client, rsps):
    rsps.get(f"{API}/users", json=lever_fixture("users_page1"))
    rsps.get(f"{API}/users", json=lever_fixture("users_empty"))
    assert client.find_user_by_email("jane.doe@example.com")["id"] == "e0a9f3e3-bd9b-4eb1-8d2c-0d9a572bf641"
    assert client.find_user_by_email("nobody@example.com") is None
    assert query_of(rsps.calls[0]) == "includeDeactivated=true&email=jane.doe%40example.com&limit=100"


def test_postings_default_to_every_state_channel_and_confidentiality(client, rsps):
    rsps.get(f"{API}/postings", json=lever_fixture("postings_page1"))
    assert len(list(client.iter_postings())) == 1
    assert query_of(rsps.calls[0]) == "confidentiality=all&limit=100"


def test_published_postings_cover_both_distribution_channels(client, rsps):
    rsps.get(f"{API}/postings", json=lever_fixture("postings_page1"))
    list(client.iter_postings(state="published"))
    assert query_of(rsps.calls[0]) == (
        "state=published&distributionChannel=public&distributionChannel=internal"
        "&confidentiality=all&limit=100"
    )


def test_posting_updated_at_filters_cannot_be_combined_with_others(client, rsps):
    with pytest.raises(ValueError, match="confidentiality"):
        list(client.iter_postings(updated_at_start=1, team="Platform"))
    rsps.get(f"{API}/postings", json=lever_fixture("postings_page1"))
    list(client.iter_postings(updated_at_start=datetime(2026, 1, 1, tzinfo=UTC)))
    assert query_of(rsps.calls[0]) == "updated_at_start=1767225600000&confidentiality=all&limit=100"


def test_requisitions_include_confidential_ones(client, rsps):
    rsps.get(f"{API}/requisitions", json={"data": [], "hasNext": False})
    list(client.iter_requisitions())
    assert query_of(rsps.calls[0]) == "confidentiality=all&limit=100"


def test_opportunity_filters_are_encoded_the_way_lever_reads_them(client, rsps):
    rsps.get(f"{API}/opportunities", json=lever_fixture("opportunities_page3"))
    list(
        client.iter_opportunities(
            updated_at_start=datetime(2026, 1, 1, tzinfo=UTC),
            updated_at_end=1767312000000,
            archived=False,
            posting_id="p1",
            tag=["Tier 1", "hiring"],
        )
    )
    assert query_of(rsps.calls[0]) == (
        "updated_at_start=1767225600000&updated_at_end=1767312000000&posting_id=p1&archived=false"
        "&tag=Tier+1&tag=hiring&expand=applications&confidentiality=all&limit=100"
    )


def test_get_opportunity_expands_applications_and_unwraps(client, rsps):
    rsps.get(f"{API}/opportunities/{OPPORTUNITY}", json=lever_fixture("opportunity_archived"))
    opportunity = client.get_opportunity(OPPORTUNITY)
    assert query_of(rsps.calls[0]) == "expand=applications"
    assert opportunity["applications"][0]["type"] == "posting"
    assert parse_archived(opportunity) == ("d35867b1-f661-4ec2-b477-b3e6524cc8b6", parse_ms(1732451503446))


def test_deleted_opportunities_are_listed_since_a_moment(client, rsps):
    rsps.get(f"{API}/opportunities/deleted", json={"data": [{"id": "x", "deletedAt": 1}], "hasNext": False})
    assert (
        len(list(client.iter_deleted_opportunities(deleted_at_start=datetime(2026, 1, 1, tzinfo=UTC)))) == 1
    )
    assert query_of(rsps.calls[0]) == "deleted_at_start=1767225600000&limit=100"


def test_ids_are_quoted_as_one_path_segment(client, rsps):
    rsps.get(f"{API}/users/..%2Fwebhooks", json={"data": {"id": "x"}})
    client.get_user("../webhooks")
    assert rsps.calls[0].request.path_url == "/v1/users/..%2Fwebhooks"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("iter_applications", "applications"),
        ("iter_notes", "notes"),
        ("iter_interviews", "interviews"),
        ("iter_panels", "panels"),
        ("iter_offers", "offers"),
        ("iter_files", "files"),
        ("iter_feedback", "feedback"),
        ("iter_forms", "forms"),
        ("iter_referrals", "referrals"),
    ],
)
def test_child_resources_are_paginated_under_their_opportunity(client, rsps, method, path):
    rsps.get(f"{API}/opportunities/{OPPORTUNITY}/{path}", json={"data": [{"id": "c1"}], "hasNext": False})
    assert [item["id"] for item in getattr(client, method)(OPPORTUNITY)] == ["c1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("iter_stages", "stages"),
        ("iter_archive_reasons", "archive_reasons"),
        ("iter_tags", "tags"),
        ("iter_sources", "sources"),
        ("iter_requisition_fields", "requisition_fields"),
        ("iter_feedback_templates", "feedback_templates"),
        ("iter_form_templates", "form_templates"),
        ("iter_webhooks", "webhooks"),
    ],
)
def test_reference_lists_are_paginated(client, rsps, method, path):
    rsps.get(f"{API}/{path}", json={"data": [{"text": "x"}], "hasNext": False})
    assert list(getattr(client, method)()) == [{"text": "x"}]


def test_single_objects_are_fetched_and_unwrapped(client, rsps):
    rsps.get(f"{API}/postings/p1", json={"data": {"id": "p1"}})
    rsps.get(f"{API}/postings/p1/apply", json={"data": {"id": "p1", "customQuestions": []}})
    rsps.get(f"{API}/contacts/c1", json={"data": {"id": "c1", "location": {"name": "Toronto"}}})
    assert client.get_posting("p1") == {"id": "p1"}
    assert client.get_posting_apply_form("p1")["customQuestions"] == []
    assert client.get_contact("c1")["location"] == {"name": "Toronto"}


def test_missing_resumes_are_an_empty_list(client, rsps):
    rsps.get(
        f"{API}/opportunities/{OPPORTUNITY}/resumes",
        status=404,
        json=lever_fixture("error_resource_not_found"),
    )
    assert list(client.iter_resumes(OPPORTUNITY)) == []
    assert len(rsps.calls) == 1


def test_resumes_are_listed(client, rsps):
    rsps.get(f"{API}/opportunities/{OPPORTUNITY}/resumes", json=lever_fixture("resumes_page1"))
    (resume,) = client.iter_resumes(OPPORTUNITY)
    assert resume["file"]["name"] == "Jennifer.pdf"


def test_downloads_return_bytes(client, rsps):
    base = f"{API}/opportunities/{OPPORTUNITY}"
    rsps.get(f"{base}/resumes/r1/download", body=b"%PDF-1.7 resume", content_type="application/pdf")
    rsps.get(f"{base}/offers/o1/download", body=b"%PDF offer", content_type="application/pdf")
    assert client.download_resume(OPPORTUNITY, "r1") == b"%PDF-1.7 resume"
    assert client.download_offer(OPPORTUNITY, "o1") == b"%PDF offer"
    assert query_of(rsps.calls[1]) == "status=signed"


def test_an_unprocessable_download_is_permanent_and_not_retried(client, rsps, sleeps):
    rsps.get(
        f"{API}/opportunities/{OPPORTUNITY}/files/f1/download",
        status=422,
        json=lever_fixture("error_unprocessable"),
    )
    with pytest.raises(LeverUnprocessable) as excinfo:
        client.download_file(OPPORTUNITY, "f1")
    assert isinstance(excinfo.value, LeverValidationError)
    assert excinfo.value.permanent and excinfo.value.status == 422
    assert len(rsps.calls) == 1 and sleeps == []
