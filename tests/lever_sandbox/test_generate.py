"""The generator on its own: deterministic, consistent and realistic, without any HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from apps.lever_sandbox.generate.interviews import feedback, panels
from apps.lever_sandbox.generate.opportunities import opportunity_object
from apps.lever_sandbox.store import Store


@pytest.fixture(scope="module")
def store() -> Store:
    return Store(seed=42, opportunities=400)


def _fingerprint(store: Store, kinds: tuple[str, ...] = ("notes", "feedback", "offers", "resumes")) -> str:
    parts = [store.ds.users, store.ds.postings, store.ds.requisitions, store.ds.stages]
    for row in store.ds.rows[::37]:
        parts.append(opportunity_object(store.ds, row))
        for kind in kinds:
            parts.append([getattr(c, "meta", c) for c in store.children(row, kind)])
    return json.dumps(parts, sort_keys=True)


def test_same_seed_generates_the_same_dataset_and_another_seed_does_not(store):
    assert _fingerprint(Store(seed=42, opportunities=400)) == _fingerprint(store)
    assert _fingerprint(Store(seed=43, opportunities=400)) != _fingerprint(store)


FINGERPRINT = """
import hashlib, json
from apps.lever_sandbox.store import Store
store = Store(seed=42, opportunities=150)
parts = [store.ds.users, store.ds.postings]
for row in store.ds.rows[::10]:
    parts.append(store.opportunity(row))
    parts += [[getattr(c, "meta", c) for c in store.children(row, k)] for k in ("feedback", "resumes", "files")]
    parts += [hashlib.sha1(f.content).hexdigest() for f in store.children(row, "resumes")]
print(hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest())
"""


def test_generation_does_not_depend_on_the_process_hash_seed():
    digests = {
        subprocess.run(
            [sys.executable, "-c", FINGERPRINT],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1 and len(digests.pop().strip()) == 64


def test_users_cover_every_access_role_and_some_are_deactivated(store):
    roles = {u["accessRole"] for u in store.ds.users}
    assert roles == {"super admin", "admin", "team member", "limited team member", "interviewer"}
    assert 20 <= len(store.ds.users) <= 40
    assert any(u["deactivatedAt"] for u in store.ds.users)


def test_postings_cover_every_state_channel_and_confidentiality(store):
    postings = store.ds.postings
    assert {p["state"] for p in postings} == {
        "published",
        "internal",
        "closed",
        "draft",
        "pending",
        "rejected",
    }
    published_channels = {tuple(p["distributionChannels"]) for p in postings if p["state"] == "published"}
    assert ("internal",) in published_channels and any("public" in c for c in published_channels)
    assert {p["confidentiality"] for p in postings} == {"confidential", "non-confidential"}
    requirements = [p["content"]["lists"][1] for p in postings]
    assert all(r["text"] == "Requirements" and r["content"].startswith("<li>") for r in requirements)


def test_stage_ids_include_lever_slugs_in_pipeline_order(store):
    ids = [s["id"] for s in store.ds.stages]
    assert ids[:4] == ["lead-new", "lead-reached-out", "lead-responded", "applicant-new"]
    assert ids[-1] == "offer"
    types = {(r["type"], r["status"]) for r in store.ds.archive_reasons}
    assert {("hired", "active"), ("non-hired", "active"), ("non-hired", "inactive")} <= types


def test_opportunity_history_is_consistent_with_its_current_state(store):
    hired_reasons = {r["id"] for r in store.ds.archive_reasons if r["type"] == "hired"}
    for row in store.ds.rows:
        opp = opportunity_object(store.ds, row)
        changes = opp["stageChanges"]
        assert changes[-1]["toStageId"] == opp["stage"]
        assert [c["updatedAt"] for c in changes] == sorted(c["updatedAt"] for c in changes)
        assert opp["createdAt"] == changes[0]["updatedAt"] <= opp["lastAdvancedAt"] <= opp["updatedAt"]
        assert opp["lastInteractionAt"] <= opp["updatedAt"] <= store.ds.epoch
        if opp["archived"]:
            assert opp["archived"]["archivedAt"] <= opp["updatedAt"]
            if opp["archived"]["reason"] in hired_reasons:
                assert opp["stage"] == "offer"
        if opp["confidentiality"] == "confidential":
            assert store.ds.postings[row.posting]["confidentiality"] == "confidential"


def test_dataset_has_leads_repeat_people_anonymised_and_deleted_opportunities(store):
    rows = store.ds.rows
    assert any(r.posting < 0 for r in rows)
    assert len(store.ds.contacts) < len(rows)
    anonymised = [r for r in rows if r.anonymized]
    assert anonymised
    opp = opportunity_object(store.ds, anonymised[0])
    assert opp["isAnonymized"] and opp["name"] == "" and opp["emails"] == [] and opp["phones"] == []
    assert any(r.deleted_at for r in rows)
    assert any(r.created == other.created for r, other in zip(rows, rows[1:], strict=False))


def test_first_people_have_unicode_names(store):
    names = [c.name for c in store.ds.contacts[:5]]
    assert names == ["José Núñez", "Zoë Ødegaard", "王芳", "Łukasz Żółć", "Aïcha Benali"]
    assert all(c.emails[0].isascii() for c in store.ds.contacts[:5])


def test_feedback_follows_interviews_and_uses_a_score_system(store):
    found = 0
    for row in store.ds.rows:
        opp = opportunity_object(store.ds, row)
        panel_list = panels(store.ds, row, opp)
        cards = feedback(store.ds, row, opp, panel_list)
        interviews = {i["id"] for p in panel_list for i in p["interviews"]}
        for card in cards:
            found += 1
            assert card["interview"] in interviews
            assert [f["type"] for f in card["fields"]].count("score-system") == 1
    assert found > 10
