"""The optional LLM backend: verbatim quotes only, same weights, local fallback on any error."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
import responses

from apps.scoring.engine import (
    CandidateInput,
    JobInput,
    RequirementList,
    extract_candidate,
    prepare_job,
    score_prepared,
)
from apps.scoring.engine.backends import LLMBackend, LLMConfig, LocalBackend, backend_from_env

URL = "https://llm.example.test/v1/chat/completions"
CONFIG = LLMConfig(base_url="https://llm.example.test/v1", model="judge-1", api_key="k", timeout=5)
JOB = prepare_job(
    JobInput(
        title="Data Analyst",
        requirement_lists=(
            RequirementList("Requirements", ("SQL", "Tableau")),
            RequirementList("Nice to have", ("dbt",)),
        ),
    )
)
CANDIDATE = extract_candidate(
    CandidateInput(
        resume_text="Skills\nSQL, Looker\n\nExperience\nData Analyst, Shop (2019 - 2024)\n", name="Kim Doe"
    ),
    reference_date=date(2025, 1, 1),
)


def answer(requirements: list[dict]) -> dict:
    return {
        "choices": [{"message": {"role": "assistant", "content": json.dumps({"requirements": requirements})}}]
    }


@responses.activate
def test_verbatim_quotes_are_kept_and_invented_ones_rejected():
    responses.post(
        URL,
        json=answer(
            [
                {"text": "SQL", "kind": "must", "status": "met", "source": "resume", "quote": "SQL"},
                {
                    "text": "Tableau",
                    "kind": "must",
                    "status": "met",
                    "source": "resume",
                    "quote": "Built Tableau dashboards",
                },
                {"text": "dbt", "kind": "nice", "status": "missing", "quote": ""},
            ]
        ),
    )
    result = LLMBackend(CONFIG).score(JOB, CANDIDATE)
    rows = {r["text"]: r for r in result.explanation["requirements"]}
    assert rows["SQL"]["status"] == "met"
    evidence = rows["SQL"]["evidence"][0]
    assert CANDIDATE.source_text(evidence["source"])[evidence["start"] : evidence["end"]] == "SQL"
    assert rows["Tableau"]["status"] == "missing"  # the quote is not in the resume
    assert rows["Tableau"]["rejected_quote"] == "Built Tableau dashboards"
    assert result.explanation["backend"] == "llm:judge-1"
    assert result.explanation["components"]["must_haves"]["value"] == 0.5
    sent = json.loads(responses.calls[0].request.body)
    assert "Kim" not in json.dumps(sent)  # only redacted texts leave the process
    assert responses.calls[0].request.headers["Authorization"] == "Bearer k"


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("down"),
        {"status": 500},
        {"json": {"choices": [{"message": {"content": "not json"}}]}},
        {"json": answer([])},
    ],
)
@responses.activate
def test_any_error_falls_back_to_the_local_engine(failure):
    if isinstance(failure, Exception):
        responses.post(URL, body=failure)
    else:
        responses.post(URL, **failure)
    result = LLMBackend(CONFIG).score(JOB, CANDIDATE)
    local = score_prepared(JOB, CANDIDATE)
    assert result.score == local.score
    assert result.explanation["backend"] == "local"
    assert any("LLM backend failed" in w for w in result.explanation["warnings"])


def test_backend_is_off_unless_configured():
    assert isinstance(backend_from_env({}), LocalBackend)
    assert isinstance(
        backend_from_env({"RECRUITDESK_SCORING_LLM_BASE_URL": "https://x.test/v1"}), LocalBackend
    )
    chosen = backend_from_env(
        {"RECRUITDESK_SCORING_LLM_BASE_URL": "https://x.test/v1/", "RECRUITDESK_SCORING_LLM_MODEL": "m"}
    )
    assert isinstance(chosen, LLMBackend)
    assert chosen.config.base_url == "https://x.test/v1"
    assert chosen.config.timeout == 30
