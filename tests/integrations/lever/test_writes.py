"""Write methods send what LEVER_API.md §9 describes (checklist §13 items 24–27, 31)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from responses import matchers

from apps.integrations.lever.writes import multipart_fields
from tests.integrations.lever.conftest import API, lever_fixture, query_of

OPPORTUNITY = "2087af84-f146-4535-9368-2309e33e049f"
USER = "8d49b010-cc6a-4f40-ace5-e86061c677ed"
POSTING = "f2f01e16-27f8-4711-a728-7d49499795a0"
OPPORTUNITY_URL = f"{API}/opportunities/{OPPORTUNITY}"


def sent_json(call):
    return json.loads(call.request.body)


# -- create opportunity ------------------------------------------------------------------------------


def test_create_opportunity_sends_json_with_perform_as_in_the_query(client, rsps):
    fields = {
        "name": "Shane Smith",
        "emails": ["shane@example.com"],
        "postings": [POSTING],
        "origin": "agency",
    }
    rsps.post(f"{API}/opportunities", json={"data": {"id": "new-opp", "contact": "c1"}})
    assert client.create_opportunity(USER, fields)["id"] == "new-opp"
    call = rsps.calls[0]
    assert query_of(call) == f"perform_as={USER}"
    assert call.request.headers["Content-Type"] == "application/json"
    assert sent_json(call) == fields


def test_create_opportunity_refuses_more_than_one_posting(client, rsps):
    with pytest.raises(ValueError, match="one posting"):
        client.create_opportunity(USER, {"name": "A", "postings": ["p1", "p2"]})
    with pytest.raises(ValueError, match="perform_as"):
        client.create_opportunity("", {"name": "A"})
    assert len(rsps.calls) == 0


def test_create_opportunity_with_a_resume_goes_multipart(client, rsps):
    rsps.post(f"{API}/opportunities", json={"data": {"id": "new-opp"}})
    client.create_opportunity(
        USER,
        {
            "name": "Shane Smith",
            "emails": ["shane@example.com", "s@example.org"],
            "postings": POSTING,
            "archived": {"reason": "r1"},
        },
        resume_file=("cv.pdf", b"%PDF-1.4 cv", "application/pdf"),
        parse=True,
        perform_as_posting_owner=True,
    )
    request = rsps.calls[0].request
    assert query_of(rsps.calls[0]) == f"perform_as={USER}&parse=true&perform_as_posting_owner=true"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = request.body.decode("latin-1")
    assert body.count('name="emails[]"') == 2
    assert 'name="postings[]"' in body
    assert 'name="archived[reason]"' in body
    assert 'name="resumeFile"; filename="cv.pdf"' in body and "%PDF-1.4 cv" in body


def test_multipart_fields_flatten_arrays_and_objects():
    assert multipart_fields(
        {
            "name": "A",
            "tags": ["x", "y"],
            "phones": [{"type": "mobile", "value": "+1 555"}],
            "archived": {"reason": "r1", "archivedAt": 1700000000000},
            "confidential": False,
            "headline": None,
        }
    ) == [
        ("name", "A"),
        ("tags[]", "x"),
        ("tags[]", "y"),
        ("phones[0][type]", "mobile"),
        ("phones[0][value]", "+1 555"),
        ("archived[reason]", "r1"),
        ("archived[archivedAt]", "1700000000000"),
        ("confidential", "false"),
    ]


# -- tags, links, sources, stage, archive ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "action", "key"),
    [
        ("add_tags", "addTags", "tags"),
        ("remove_tags", "removeTags", "tags"),
        ("add_links", "addLinks", "links"),
        ("remove_links", "removeLinks", "links"),
        ("add_sources", "addSources", "sources"),
        ("remove_sources", "removeSources", "sources"),
    ],
)
def test_list_updates_post_to_their_action_endpoint(client, rsps, method, action, key):
    rsps.post(f"{OPPORTUNITY_URL}/{action}", json={"data": {"id": OPPORTUNITY}})
    rsps.post(f"{OPPORTUNITY_URL}/{action}", json={"data": {"id": OPPORTUNITY}})
    assert getattr(client, method)(OPPORTUNITY, ["Tier 1"])["id"] == OPPORTUNITY
    getattr(client, method)(OPPORTUNITY, ("Tier 1", "hiring"), perform_as=USER)
    assert sent_json(rsps.calls[0]) == {key: ["Tier 1"]}
    assert query_of(rsps.calls[0]) == ""
    assert sent_json(rsps.calls[1]) == {key: ["Tier 1", "hiring"]}
    assert query_of(rsps.calls[1]) == f"perform_as={USER}"


def test_list_updates_need_a_list(client, rsps):
    with pytest.raises(ValueError):
        client.add_tags(OPPORTUNITY, [])
    with pytest.raises(ValueError):
        client.add_tags(OPPORTUNITY, "Tier 1")
    assert len(rsps.calls) == 0


def test_change_stage_puts_the_stage_id(client, rsps):
    rsps.put(
        f"{OPPORTUNITY_URL}/stage",
        json=lever_fixture("stage_change"),
        match=[matchers.json_params_matcher({"stage": "lead-new"}), matchers.query_string_matcher(None)],
    )
    updated = client.change_stage(OPPORTUNITY, "lead-new")
    assert updated["stageChanges"][-1]["toStageIndex"] == 2


def test_archive_and_unarchive(client, rsps):
    rsps.put(f"{OPPORTUNITY_URL}/archived", json={"data": {"id": OPPORTUNITY}})
    rsps.put(f"{OPPORTUNITY_URL}/archived", json={"data": {"id": OPPORTUNITY}})
    rsps.put(f"{OPPORTUNITY_URL}/archived", json={"data": {"id": OPPORTUNITY, "archived": None}})
    client.archive(OPPORTUNITY, "reason-1")
    client.archive(OPPORTUNITY, "hired-1", clean_interviews=True, requisition_id="req-9", perform_as=USER)
    client.unarchive(OPPORTUNITY)
    assert sent_json(rsps.calls[0]) == {"reason": "reason-1"}
    assert sent_json(rsps.calls[1]) == {
        "reason": "hired-1",
        "cleanInterviews": True,
        "requisitionId": "req-9",
    }
    assert query_of(rsps.calls[1]) == f"perform_as={USER}"
    assert sent_json(rsps.calls[2]) == {"reason": None}


# -- notes and files ---------------------------------------------------------------------------------


def test_create_note_reads_the_id_from_either_answer_shape(client, rsps):
    rsps.post(f"{OPPORTUNITY_URL}/notes", json=lever_fixture("note_create_docs"))
    rsps.post(f"{OPPORTUNITY_URL}/notes", json=lever_fixture("note_create_real"))
    assert client.create_note(OPPORTUNITY, "Docs shape") == "a1b2c3d4-0000-4000-8000-00000000abcd"
    note_id = client.create_note(
        OPPORTUNITY,
        "Strong fit",
        secret=True,
        score=3,
        notify_followers=True,
        perform_as=USER,
        note_id="thread-1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert note_id == "26b6397a-c2a3-4e90-85e2-5a4f9b8f11c3"
    assert sent_json(rsps.calls[0]) == {"value": "Docs shape", "secret": False, "notifyFollowers": False}
    assert sent_json(rsps.calls[1]) == {
        "value": "Strong fit",
        "secret": True,
        "notifyFollowers": True,
        "score": 3,
        "createdAt": 1767225600000,
    }
    assert query_of(rsps.calls[1]) == f"perform_as={USER}&note_id=thread-1"


@pytest.mark.parametrize("score", [0, 5, True, 2.5, "3"])
def test_create_note_validates_the_score(client, rsps, score):
    with pytest.raises(ValueError, match="1 to 4"):
        client.create_note(OPPORTUNITY, "x", score=score)
    assert len(rsps.calls) == 0


def test_upload_file_sends_the_file_field(client, rsps):
    rsps.post(f"{OPPORTUNITY_URL}/files", json={"data": {"id": "f1", "name": "portfolio.pdf"}})
    assert client.upload_file(OPPORTUNITY, "portfolio.pdf", b"%PDF", "application/pdf", USER)["id"] == "f1"
    assert query_of(rsps.calls[0]) == f"perform_as={USER}"
    assert 'name="file"; filename="portfolio.pdf"' in rsps.calls[0].request.body.decode("latin-1")


# -- postings ----------------------------------------------------------------------------------------

SALARY = {"min": 40000, "max": 60000, "currency": "USD", "interval": "per-year-salary"}


def test_create_and_update_posting_post_with_perform_as(client, rsps):
    rsps.post(f"{API}/postings", json={"data": {"id": POSTING, "state": "draft"}})
    rsps.post(f"{API}/postings/{POSTING}", json={"data": {"id": POSTING}})
    fields = {
        "text": "Infrastructure Engineer",
        "salaryRange": SALARY,
        "content": {
            "descriptionHtml": '<div><b>Join</b> us <a class="postings-link" href="https://x">here</a></div>'
            '<p style="font-size: 14px">Big</p>',
            "lists": [{"text": "Requirements", "content": "<li><b>Go</b></li>"}],
        },
    }
    assert client.create_posting(USER, fields)["state"] == "draft"
    client.update_posting(POSTING, USER, {"text": "Senior Infrastructure Engineer"})
    assert [c.request.method for c in rsps.calls] == ["POST", "POST"]
    assert query_of(rsps.calls[0]) == f"perform_as={USER}"
    assert sent_json(rsps.calls[1]) == {"text": "Senior Infrastructure Engineer"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"salaryRange": {"min": 1, "max": 2, "currency": "USD"}}, "interval"),
        ({"salaryRange": {"min": 1, "max": None, "currency": "USD", "interval": "one-time"}}, "max"),
        ({"content": {"descriptionHtml": "<script>alert(1)</script>"}}, "<script>"),
        ({"content": {"descriptionHtml": '<p style="font-size: 13px">x</p>'}}, "font-size"),
        ({"content": {"descriptionHtml": '<span class="red">x</span>'}}, "postings-link"),
        ({"content": {"closingHtml": '<p onclick="x()">x</p>'}}, "onclick"),
        ({"content": {"lists": [{"text": "R", "content": "<div>x</div>"}]}}, r"lists\[0\]"),
        ({"salaryDescriptionHtml": "<img src=x>"}, "<img>"),
    ],
)
def test_posting_writes_are_validated_before_sending(client, rsps, fields, message):
    with pytest.raises(ValueError, match=message):
        client.update_posting(POSTING, USER, fields)
    with pytest.raises(ValueError, match=message):
        client.create_posting(USER, fields)
    assert len(rsps.calls) == 0


# -- webhooks ----------------------------------------------------------------------------------------


def test_create_webhook_with_origins_returns_the_unwrapped_webhook(client, rsps):
    rsps.post(f"{API}/webhooks", json=lever_fixture("webhook_create_nested"))
    webhook = client.create_webhook(
        "https://rd.example.com/webhooks/lever/tok", "candidateStageChange", ["applied", "sourced"]
    )
    assert webhook["configuration"]["signatureToken"] == "73311aed32110cc40e00c672c2e03e1a42fa28a4fabde089"
    assert sent_json(rsps.calls[0]) == {
        "url": "https://rd.example.com/webhooks/lever/tok",
        "event": "candidateStageChange",
        "configuration": {"conditions": {"origins": ["applied", "sourced"]}},
    }


def test_webhooks_without_origins_send_no_configuration(client, rsps):
    rsps.post(f"{API}/webhooks", json={"data": {"id": "w2"}})
    client.create_webhook("https://rd.example.com/h", "candidateDeleted")
    assert sent_json(rsps.calls[0]) == {"url": "https://rd.example.com/h", "event": "candidateDeleted"}


def test_webhook_origins_only_on_the_four_configurable_events(client, rsps):
    with pytest.raises(ValueError, match="origin conditions"):
        client.create_webhook("https://rd.example.com/h", "candidateDeleted", ["applied"])
    with pytest.raises(ValueError, match="no webhook event"):
        client.create_webhook("https://rd.example.com/h", "candidate.stage_change")
    with pytest.raises(ValueError, match="origins"):
        client.create_webhook("https://rd.example.com/h", "candidateHired", ["walk-in"])
    assert len(rsps.calls) == 0


def test_deleting_a_webhook_that_is_already_gone_succeeds(client, rsps):
    rsps.delete(f"{API}/webhooks/w1", status=404, json={"code": "ResourceNotFound", "message": "gone"})
    assert client.delete_webhook("w1") is None
