"""Envelopes, ordering, offset tokens and list filters, over real loopback HTTP."""

from __future__ import annotations

import json
from urllib.parse import unquote

import requests

from apps.lever_sandbox.server import SandboxServer
from tests.lever_sandbox.conftest import session_for, walk

INVALID_FOR_SORT = {
    "code": "BadRequestError",
    "message": "Invalid offset token: Offset token is invalid for sort",
}


def test_same_seed_serves_identical_responses_and_another_seed_differs():
    bodies = []
    for seed in (11, 11, 12):
        with (
            SandboxServer(seed=seed, opportunities=150, rate_limit=False) as server,
            session_for(server) as s,
        ):
            first = s.get(f"{server.api_url}/opportunities", params={"limit": 20, "expand": "applications"})
            opp_id = first.json()["data"][3]["id"]
            notes = s.get(f"{server.api_url}/opportunities/{opp_id}/notes")
            bodies.append((first.content, s.get(f"{server.api_url}/postings").content, notes.content))
    assert bodies[0] == bodies[1]
    assert bodies[0][0] != bodies[2][0] and bodies[0][1] != bodies[2][1]


def test_pagination_visits_every_opportunity_once_newest_first(sandbox, api):
    items = walk(api, f"{sandbox.api_url}/opportunities", confidentiality="all")
    ids = [o["id"] for o in items]
    live = [r for r in sandbox.store.ds.rows if r.deleted_at is None]
    assert len(ids) == len(set(ids)) == len(live)
    keys = [(-o["createdAt"], o["id"]) for o in items]
    assert keys == sorted(keys)


def test_offset_token_is_a_percent_encoded_json_array_and_the_last_page_has_no_next(sandbox, api):
    body = api.get(f"{sandbox.api_url}/opportunities", params={"limit": 5}).json()
    assert body["hasNext"] is True and body["next"].startswith("%5B1%2C")
    parts = json.loads(unquote(body["next"]))
    assert parts[:3] == [1, body["data"][-1]["createdAt"], body["data"][-1]["id"]]
    last = api.get(f"{sandbox.api_url}/stages").json()
    assert last["hasNext"] is False and "next" not in last


def test_offset_token_reused_with_other_filters_is_rejected(sandbox, api):
    url = f"{sandbox.api_url}/opportunities"
    token = api.get(url, params={"limit": 10}).json()["next"]
    assert api.get(url, params={"limit": 50, "offset": token}).status_code == 200  # limit is not a filter
    response = api.get(url, params={"limit": 10, "offset": token, "archived": "false"})
    assert response.status_code == 400
    assert response.json() == INVALID_FOR_SORT
    users_token = api.get(f"{sandbox.api_url}/users", params={"limit": 3}).json()["next"]
    assert api.get(url, params={"offset": users_token}).json() == INVALID_FOR_SORT


def test_timestamp_filters_are_inclusive_at_both_ends(sandbox, api):
    everything = walk(api, f"{sandbox.api_url}/opportunities")
    target = everything[len(everything) // 2]
    url = f"{sandbox.api_url}/opportunities"
    for name in ("updated", "created"):
        value = target[f"{name}At"]
        exact = walk(api, url, **{f"{name}_at_start": value, f"{name}_at_end": value})
        assert target["id"] in {o["id"] for o in exact}
        assert all(o[f"{name}At"] == value for o in exact)
        later = walk(api, url, **{f"{name}_at_start": value + 1})
        assert target["id"] not in {o["id"] for o in later}
        assert all(o[f"{name}At"] > value for o in later)


def test_confidential_opportunities_need_the_filter_and_access(sandbox, api):
    url = f"{sandbox.api_url}/opportunities"
    default = {o["id"] for o in walk(api, url)}
    everything = walk(api, url, confidentiality="all")
    confidential = [o for o in everything if o["confidentiality"] == "confidential"]
    assert confidential and not default & {o["id"] for o in confidential}
    only = walk(api, url, confidentiality="confidential")
    assert {o["id"] for o in only} == {o["id"] for o in confidential}
    sandbox.add_api_key("no-confidential-key", confidential_access=False)
    with session_for(sandbox, "no-confidential-key") as limited:
        assert limited.get(f"{url}/{confidential[0]['id']}").status_code == 403
        assert limited.get(url, params={"confidentiality": "all"}).status_code == 403
        public = next(o for o in everything if o["confidentiality"] == "non-confidential")
        assert limited.get(f"{url}/{public['id']}").status_code == 200
        assert limited.get(f"{url}/{confidential[0]['id']}/notes").status_code == 403
    assert api.get(f"{url}/{confidential[0]['id']}").json()["data"]["confidentiality"] == "confidential"


def test_users_hide_deactivated_unless_asked_and_match_email_exactly(sandbox, api):
    url = f"{sandbox.api_url}/users"
    active = walk(api, url)
    every = walk(api, url, includeDeactivated="true")
    assert all(u["deactivatedAt"] is None for u in active)
    assert len(every) > len(active) and any(u["deactivatedAt"] for u in every)
    someone = every[0]
    found = api.get(url, params={"email": someone["email"].upper(), "includeDeactivated": "true"}).json()
    assert [u["id"] for u in found["data"]] == [someone["id"]]


def test_published_state_alone_returns_only_public_postings(sandbox, api):
    url = f"{sandbox.api_url}/postings"
    every = walk(api, url, confidentiality="all")
    published = [p for p in every if p["state"] == "published"]
    public_only = walk(api, url, state="published", confidentiality="all")
    both = walk(
        api, url, state="published", distributionChannel=["public", "internal"], confidentiality="all"
    )
    assert {p["id"] for p in public_only} == {
        p["id"] for p in published if "public" in p["distributionChannels"]
    }
    assert {p["id"] for p in both} == {p["id"] for p in published}
    assert len(both) > len(public_only)


def test_postings_updated_at_only_combines_with_confidentiality(sandbox, api):
    url = f"{sandbox.api_url}/postings"
    ok = api.get(url, params={"updated_at_start": 0, "confidentiality": "all"})
    assert ok.status_code == 200 and ok.json()["data"]
    rejected = api.get(url, params={"updated_at_start": 0, "team": "Platform"})
    assert rejected.status_code == 400 and rejected.json()["code"] == "BadRequestError"


def test_expand_applications_replaces_ids_with_application_objects(sandbox, api):
    items = walk(api, f"{sandbox.api_url}/opportunities", expand=["applications", "stage"])
    with_posting = [o for o in items if o["applications"]]
    leads = [o for o in items if not o["applications"]]
    assert with_posting and leads
    application = with_posting[0]["applications"][0]
    assert application["opportunityId"] == with_posting[0]["id"]
    assert {"posting", "type", "createdAt", "customQuestions", "archived"} <= set(application)
    assert isinstance(with_posting[0]["stage"], dict) and "text" in with_posting[0]["stage"]


def test_other_list_filters_narrow_the_results(sandbox, api):
    url = f"{sandbox.api_url}/opportunities"
    sample = walk(api, url)[7]
    for params, check in (
        ({"email": sample["emails"][0].upper()}, lambda o: sample["emails"][0] in o["emails"]),
        ({"contact_id": sample["contact"]}, lambda o: o["contact"] == sample["contact"]),
        ({"stage_id": sample["stage"]}, lambda o: o["stage"] == sample["stage"]),
        ({"archived": "true"}, lambda o: o["archived"] is not None),
        ({"archived": "false"}, lambda o: o["archived"] is None),
        ({"origin": "referred"}, lambda o: o["origin"] == "referred"),
    ):
        found = walk(api, url, **params)
        assert found and all(check(o) for o in found), params
    assert walk(api, url, posting_id="00000000-0000-4000-8000-000000000000") == []


def test_bad_parameters_and_unknown_routes_answer_in_lever_shape(sandbox, api):
    assert api.get(f"{sandbox.api_url}/opportunities", params={"limit": 101}).status_code == 400
    assert (
        api.get(f"{sandbox.api_url}/opportunities", params={"updated_at_start": "yesterday"}).status_code
        == 400
    )
    missing = api.get(f"{sandbox.api_url}/opportunities/not-an-id")
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message"}
    assert api.get(f"{sandbox.api_url}/nothing-here").status_code == 404
    assert api.delete(f"{sandbox.api_url}/stages").status_code == 405


def test_requests_without_a_session_work_too(sandbox):
    response = requests.get(f"{sandbox.api_url}/stages", auth=(sandbox.api_key, ""), timeout=5)
    assert response.json()["data"][0] == {"id": "lead-new", "text": "New lead"}
