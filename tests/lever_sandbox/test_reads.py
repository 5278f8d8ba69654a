"""Per-opportunity children, contacts, postings' forms, resumes and file downloads."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from tests.lever_sandbox.conftest import walk


@pytest.fixture(scope="module")
def opportunities(sandbox):
    from tests.lever_sandbox.conftest import session_for

    with session_for(sandbox) as session:
        return walk(session, f"{sandbox.api_url}/opportunities", confidentiality="all")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _resumes(sandbox, api, opportunities):
    """Yield (opportunity, resume) for every opportunity that has resumes."""
    for opp in opportunities:
        response = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/resumes")
        if response.status_code == 200:
            for resume in response.json()["data"]:
                yield opp, resume


def test_an_opportunity_without_resumes_answers_404_resource_not_found(sandbox, api, opportunities):
    statuses = {}
    for opp in opportunities[:60]:
        response = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/resumes")
        statuses.setdefault(response.status_code, response)
    assert set(statuses) == {200, 404}
    assert statuses[404].json()["code"] == "ResourceNotFound"


def test_resume_downloads_contain_the_parsed_data_in_every_format(sandbox, api, opportunities):
    seen = set()
    for opp, resume in _resumes(sandbox, api, opportunities):
        ext = resume["file"]["ext"]
        if ext in seen or resume["file"]["status"] != "processed":
            continue
        seen.add(ext)
        response = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/resumes/{resume['id']}/download")
        assert response.status_code == 200 and len(response.content) == resume["file"]["size"]
        if ext == "pdf":
            assert response.headers["Content-Type"] == "application/pdf"
            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        elif ext == "docx":
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
        else:
            text = response.content.decode()
        text = _squash(text)
        assert _squash(opp["name"]) in text
        for position in resume["parsedData"]["positions"]:
            assert position["title"] in text and position["org"] in text
            assert _squash(position["summary"]) in text
        for school in resume["parsedData"]["schools"]:
            assert school["org"] in text and school["degree"] in text
        if seen == {"pdf", "docx", "txt"}:
            break
    assert seen == {"pdf", "docx", "txt"}


def test_resume_skills_relate_to_the_posting_requirements(sandbox, api, opportunities):
    matched = 0
    for opp, resume in _resumes(sandbox, api, opportunities[:80]):
        if not opp["applications"] or resume["file"]["status"] != "processed":
            continue
        app = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/applications").json()["data"][0]
        posting = api.get(f"{sandbox.api_url}/postings/{app['posting']}").json()["data"]
        requirements = next(x["content"] for x in posting["content"]["lists"] if x["text"] == "Requirements")
        summaries = " ".join(p["summary"] for p in resume["parsedData"]["positions"])
        meta = sandbox.store.ds.posting_meta[sandbox.store.ds.posting_pos[posting["id"]]]
        if any(skill in summaries for skill in meta.skills):
            matched += 1
            assert any(skill in requirements for skill in meta.skills)
    assert matched >= 5


def test_unprocessed_resumes_and_files_answer_422_on_download(sandbox, api):
    store = sandbox.store
    unprocessed = []
    for row in store.ds.rows:
        if row.deleted_at is None and not row.confidential:
            for kind in ("resumes", "files"):
                unprocessed += [
                    (row.id, kind, f.meta["id"]) for f in store.children(row, kind) if not f.downloadable
                ]
        if len({k for _, k, _ in unprocessed}) == 2:
            break
    assert {kind for _, kind, _ in unprocessed} == {"resumes", "files"}
    for opp_id, kind, child_id in unprocessed:
        response = api.get(f"{sandbox.api_url}/opportunities/{opp_id}/{kind}/{child_id}/download")
        assert response.status_code == 422 and response.json()["code"] == "UnprocessableEntity"


def test_children_have_lever_shapes(sandbox, api, opportunities):
    found = {}
    for opp in opportunities:
        for kind in ("notes", "interviews", "panels", "feedback", "offers", "files", "forms", "referrals"):
            if kind not in found:
                items = api.get(f"{sandbox.api_url}/opportunities/{opp['id']}/{kind}").json()
                assert items["hasNext"] is False
                if items["data"]:
                    found[kind] = items["data"][0]
        if len(found) == 8:
            break
    assert found["notes"]["fields"][0]["type"] == "note"
    assert found["interviews"]["panel"] and found["interviews"]["interviewers"]
    assert found["panels"]["interviews"][0]["panel"] == found["panels"]["id"]
    assert {f["type"] for f in found["feedback"]["fields"]} >= {"score-system", "textarea"}
    identifiers = {f["identifier"] for f in found["offers"]["fields"]}
    assert {"salary_amount", "anticipated_start_date"} <= identifiers
    assert found["files"]["ext"].startswith(".")
    assert found["referrals"]["type"] == "referral"
    single = api.get(f"{sandbox.api_url}/opportunities/{found['notes']['id']}")
    assert single.status_code == 404


def test_contact_and_single_child_lookups(sandbox, api, opportunities):
    opp = next(o for o in opportunities if not o["isAnonymized"])
    contact = api.get(f"{sandbox.api_url}/contacts/{opp['contact']}").json()["data"]
    assert contact["name"] == opp["name"] and contact["location"] == {"name": opp["location"]}
    notes = next(
        n
        for o in opportunities
        for n in api.get(f"{sandbox.api_url}/opportunities/{o['id']}/notes").json()["data"]
    )
    owner_opp = next(
        o
        for o in opportunities
        if notes in api.get(f"{sandbox.api_url}/opportunities/{o['id']}/notes").json()["data"]
    )
    single = api.get(f"{sandbox.api_url}/opportunities/{owner_opp['id']}/notes/{notes['id']}")
    assert single.json()["data"] == notes


def test_posting_apply_form_and_reference_lists(sandbox, api):
    posting = walk(api, f"{sandbox.api_url}/postings", state="published")[0]
    form = api.get(f"{sandbox.api_url}/postings/{posting['id']}/apply").json()["data"]
    assert form["customQuestions"][0]["fields"] and "gender" in form["eeoQuestions"]
    assert {p["name"] for p in form["personalInformation"]} >= {"fullName", "email", "resume"}
    reasons = walk(api, f"{sandbox.api_url}/archive_reasons", type="hired")
    assert reasons and all(r["type"] == "hired" for r in reasons)
    tags = walk(api, f"{sandbox.api_url}/tags")
    assert tags and all(set(t) == {"text", "count"} for t in tags)
    assert walk(api, f"{sandbox.api_url}/sources")
    requisitions = walk(api, f"{sandbox.api_url}/requisitions", confidentiality="all")
    assert {r["confidentiality"] for r in requisitions} == {"confidential", "non-confidential"}
    assert len(walk(api, f"{sandbox.api_url}/requisitions")) < len(requisitions)
    assert walk(api, f"{sandbox.api_url}/requisition_fields")[0]["id"] == "cost_center"
    templates = walk(api, f"{sandbox.api_url}/feedback_templates")
    assert "No Feedback" in {t["text"] for t in templates}
    deleted = walk(api, f"{sandbox.api_url}/opportunities/deleted")
    assert deleted and {"id", "deletedAt"} <= set(deleted[0])
