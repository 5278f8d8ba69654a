"""Write endpoints change state that later reads (and a sync) see, bumping updatedAt as Lever does."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from apps.lever_sandbox.documents import render_pdf
from apps.lever_sandbox.server import SandboxServer
from tests.lever_sandbox.conftest import session_for, walk


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=77, opportunities=200, rate_limit=False) as server:
        yield server


@pytest.fixture(scope="module")
def recruiter(sandbox):
    return next(
        u["id"] for u in sandbox.store.ds.users if u["accessRole"] == "team member" and not u["deactivatedAt"]
    )


def _active(api, sandbox, index=0, **filters):
    return walk(api, f"{sandbox.api_url}/opportunities", archived="false", **filters)[index]


def test_stage_change_appends_a_stage_change_and_bumps_updated_at(sandbox, api, recruiter):
    opp = _active(api, sandbox, 3)
    url = f"{sandbox.api_url}/opportunities/{opp['id']}"
    response = api.put(f"{url}/stage", params={"perform_as": recruiter}, json={"stage": "offer"})
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["stage"] == "offer" and updated["updatedAt"] > opp["updatedAt"]
    assert updated["stageChanges"][:-1] == opp["stageChanges"]
    assert (
        updated["stageChanges"][-1]["toStageId"] == "offer"
        and updated["stageChanges"][-1]["userId"] == recruiter
    )
    assert api.get(url).json()["data"] == updated
    changed = walk(api, f"{sandbox.api_url}/opportunities", updated_at_start=updated["updatedAt"])
    assert [o["id"] for o in changed] == [opp["id"]]
    assert api.put(f"{url}/stage", json={"stage": "no-such-stage"}).status_code == 400


def test_note_is_listed_but_does_not_bump_updated_at(sandbox, api, recruiter):
    opp = _active(api, sandbox, 4)
    url = f"{sandbox.api_url}/opportunities/{opp['id']}"
    created = api.post(
        f"{url}/notes",
        params={"perform_as": recruiter},
        json={"value": "Great call, moving on.", "score": 4, "secret": True},
    )
    assert created.status_code == 201
    note = created.json()["data"]
    assert note["noteId"] == note["id"] and note["fields"][0]["score"] == 4 and note["secret"] is True
    comment = api.post(f"{url}/notes", params={"note_id": note["id"]}, json={"value": "Agreed."})
    assert [f["value"] for f in comment.json()["data"]["fields"]] == ["Great call, moving on.", "Agreed."]
    listed = api.get(f"{url}/notes").json()["data"]
    assert listed[0]["id"] == note["id"] and len(listed[0]["fields"]) == 2
    assert api.get(url).json()["data"]["updatedAt"] == opp["updatedAt"]
    assert api.post(f"{url}/notes", json={"score": 2}).status_code == 400


def test_tags_sources_and_links_change_and_bump(sandbox, api):
    opp = _active(api, sandbox, 5)
    url = f"{sandbox.api_url}/opportunities/{opp['id']}"
    tagged = api.post(f"{url}/addTags", json={"tags": ["Sandbox tag"]}).json()["data"]
    assert "Sandbox tag" in tagged["tags"] and tagged["updatedAt"] > opp["updatedAt"]
    assert any(t["text"] == "Sandbox tag" for t in walk(api, f"{sandbox.api_url}/tags"))
    assert [o["id"] for o in walk(api, f"{sandbox.api_url}/opportunities", tag="Sandbox tag")] == [opp["id"]]
    untagged = api.post(f"{url}/removeTags", json={"tags": ["Sandbox tag"]}).json()["data"]
    assert "Sandbox tag" not in untagged["tags"] and untagged["updatedAt"] > tagged["updatedAt"]
    sourced = api.post(f"{url}/addSources", json={"sources": ["Meetup"]}).json()["data"]
    assert "Meetup" in sourced["sources"]
    linked = api.post(f"{url}/addLinks", json={"links": ["https://example.org/me"]}).json()["data"]
    assert "https://example.org/me" in linked["links"] and linked["updatedAt"] > sourced["updatedAt"]
    assert (
        "https://example.org/me"
        not in api.post(f"{url}/removeLinks", json={"links": ["https://example.org/me"]}).json()["data"][
            "links"
        ]
    )


def test_archive_unarchive_and_reason_validation(sandbox, api):
    opp = _active(api, sandbox, 6)
    url = f"{sandbox.api_url}/opportunities/{opp['id']}/archived"
    reason = walk(api, f"{sandbox.api_url}/archive_reasons", type="non-hired")[0]["id"]
    archived = api.put(url, json={"reason": reason}).json()["data"]
    assert archived["archived"]["reason"] == reason and archived["updatedAt"] > opp["updatedAt"]
    assert api.put(url, json={"reason": "unknown-reason"}).status_code == 400
    restored = api.put(url, json={"reason": None}).json()["data"]
    assert restored["archived"] is None and restored["updatedAt"] > archived["updatedAt"]


def test_create_opportunity_validates_and_dedupes_onto_the_existing_contact(sandbox, api, recruiter):
    url = f"{sandbox.api_url}/opportunities"
    posting = walk(api, f"{sandbox.api_url}/postings", state="published")[0]
    other = walk(api, f"{sandbox.api_url}/postings", state="published")[1]
    body = {"name": "Ada Example", "emails": ["ada.new@example.com"], "postings": [posting["id"]]}
    assert api.post(url, json=body).status_code == 400  # perform_as is required
    two = {**body, "postings": [posting["id"], other["id"]]}
    assert api.post(url, params={"perform_as": recruiter}, json=two).status_code == 400
    existing = next(o for o in walk(api, url) if o["emails"] and not o["isAnonymized"])
    duplicate = {
        "name": "Someone Else",
        "emails": [existing["emails"][0].upper(), "extra@example.com"],
        "postings": [posting["id"]],
        "tags": ["API"],
    }
    created = api.post(url, params={"perform_as": recruiter}, json=duplicate)
    assert created.status_code == 201, created.text
    opp = created.json()["data"]
    assert opp["id"] != existing["id"] and opp["contact"] == existing["contact"]
    assert opp["name"] == existing["name"] and "extra@example.com" in opp["emails"]
    assert len(opp["applications"]) == 1 and opp["owner"] == recruiter
    siblings = walk(api, url, contact_id=existing["contact"])
    assert {existing["id"], opp["id"]} <= {o["id"] for o in siblings}
    first_page = api.get(url, params={"limit": 1}).json()["data"][0]
    assert first_page["id"] == opp["id"]  # newest createdAt first
    fresh = api.post(url, params={"perform_as": recruiter}, json=body).json()["data"]
    assert fresh["contact"] not in {o["contact"] for o in siblings}


def test_multipart_create_with_resume_and_file_upload(sandbox, api, recruiter):
    pdf = render_pdf([("title", "Grace Example"), ("text", "Kubernetes and Go")])
    created = api.post(
        f"{sandbox.api_url}/opportunities",
        params={"perform_as": recruiter},
        data={"name": "Grace Example", "emails[]": ["grace@example.com"], "tags[]": ["a", "b"]},
        files={"resumeFile": ("grace.pdf", pdf, "application/pdf")},
    )
    assert created.status_code == 201, created.text
    opp = created.json()["data"]
    assert opp["tags"] == ["a", "b"] and opp["emails"] == ["grace@example.com"] and opp["applications"] == []
    url = f"{sandbox.api_url}/opportunities/{opp['id']}"
    resume = api.get(f"{url}/resumes").json()["data"][0]
    download = api.get(f"{url}/resumes/{resume['id']}/download")
    assert "Kubernetes and Go" in PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
    before = api.get(url).json()["data"]["updatedAt"]
    uploaded = api.post(
        f"{url}/files",
        params={"perform_as": recruiter},
        files={"file": ("notes.txt", b"hello", "text/plain")},
    )
    assert uploaded.status_code == 201 and uploaded.json()["data"]["ext"] == ".txt"
    assert api.get(f"{url}/files/{uploaded.json()['data']['id']}/download").content == b"hello"
    assert api.get(url).json()["data"]["updatedAt"] == before
    assert api.post(f"{url}/files", files={"file": ("x.txt", b"x")}).status_code == 400  # perform_as required


def test_posting_create_and_partial_update(sandbox, api, recruiter):
    url = f"{sandbox.api_url}/postings"
    body = {
        "text": "Staff Data Engineer",
        "categories": {"team": "Data Platform", "location": "Remote"},
        "content": {
            "descriptionHtml": "<div>Build <b>pipelines</b></div>",
            "lists": [{"text": "Requirements", "content": "<li>dbt</li><li>Airflow</li>"}],
        },
    }
    assert api.post(url, json=body).status_code == 400
    created = api.post(url, params={"perform_as": recruiter}, json=body)
    assert created.status_code == 201, created.text
    posting = created.json()["data"]
    assert posting["state"] == "draft" and posting["distributionChannels"] == ["public", "internal"]
    assert posting["owner"] == recruiter and posting["content"]["description"] == "Build pipelines"
    partial = api.post(
        f"{url}/{posting['id']}", params={"perform_as": recruiter}, json={"state": "published"}
    )
    updated = partial.json()["data"]
    assert updated["state"] == "published" and updated["text"] == "Staff Data Engineer" and updated["urls"]
    half_salary = {"salaryRange": {"min": 1, "max": 2}}
    assert (
        api.post(f"{url}/{posting['id']}", params={"perform_as": recruiter}, json=half_salary).status_code
        == 400
    )
    script = {"content": {"descriptionHtml": "<script>alert(1)</script>"}}
    assert (
        api.post(f"{url}/{posting['id']}", params={"perform_as": recruiter}, json=script).status_code == 400
    )
    assert api.get(f"{url}/{posting['id']}").json()["data"]["state"] == "published"


def test_deleted_opportunities_leave_lists_and_appear_in_the_deleted_list(sandbox, api):
    seeded = walk(api, f"{sandbox.api_url}/opportunities/deleted")
    opp = _active(api, sandbox, 8)
    gone = sandbox.simulate_delete(opp["id"])
    assert api.get(f"{sandbox.api_url}/opportunities/{opp['id']}").status_code == 404
    assert opp["id"] not in {o["id"] for o in walk(api, f"{sandbox.api_url}/opportunities")}
    deleted = walk(api, f"{sandbox.api_url}/opportunities/deleted", deleted_at_start=gone["deletedAt"])
    assert [d["id"] for d in deleted] == [opp["id"]]
    assert len(walk(api, f"{sandbox.api_url}/opportunities/deleted")) == len(seeded) + 1


def test_writes_need_valid_perform_as_users(sandbox):
    with session_for(sandbox) as api:
        opp = _active(api, sandbox, 9)
        response = api.put(
            f"{sandbox.api_url}/opportunities/{opp['id']}/stage",
            params={"perform_as": "not-a-user"},
            json={"stage": "offer"},
        )
        assert response.status_code == 400


def test_multipart_arrays_of_objects_use_indexed_fields():
    from apps.lever_sandbox.create import body_from_form

    body = body_from_form(
        {
            "name": ["Ada"],
            "emails[]": ["a@example.com"],
            "phones[1][value]": ["+2"],
            "phones[0][type]": ["mobile"],
            "phones[0][value]": ["+1"],
            "archived[reason]": ["r1"],
        }
    )
    assert body == {
        "name": "Ada",
        "emails": ["a@example.com"],
        "phones": [{"type": "mobile", "value": "+1"}, {"value": "+2"}],
        "archived": {"reason": "r1"},
    }
