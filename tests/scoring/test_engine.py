"""Metamorphic tests of the pure scoring engine, on synthetic postings and resumes written for them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from apps.scoring.engine import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    ENGINE_VERSION,
    CandidateInput,
    JobInput,
    Position,
    Profile,
    RequirementList,
    candidate_sources,
    extract_candidate,
    prepare_job,
    score,
    score_prepared,
    score_text,
)

REFERENCE = date(2025, 1, 1)

JOB = JobInput(
    title="Senior Platform Engineer",
    description=(
        "## About the role\n"
        "You will run our container platform and the services on it.\n\n"
        "## Requirements\n"
        "- Python: you automate deployments and write internal tools\n"
        "- Kubernetes: you have run production clusters at scale\n"
        "- JavaScript for the internal dashboards we maintain\n"
        "- Microsoft Excel for the monthly capacity reports\n"
        "- 5+ years of experience as a Platform Engineer\n\n"
        "## Nice to have\n"
        "- Terraform\n\n"
        "## Benefits\n"
        "- Free lunch\n"
    ),
    location="Berlin",
    workplace_type="hybrid",
)

RESUME = (
    "Dana Example\n"
    "dana@example.org | +49 30 1234 5678\n\n"
    "Summary\n"
    "Platform engineer who keeps clusters boring.\n\n"
    "Skills\n"
    "Python, k8s, JS, Excel, Terraform\n\n"
    "Experience\n"
    "Senior Platform Engineer, Acme (Jan 2018 - Present)\n"
    "- Ran k8s clusters for 40 teams and wrote the Python tooling around them.\n"
    "Support Technician, Beta (2014 - 2017)\n"
    "- Answered tickets.\n"
)

CANDIDATE = CandidateInput(
    headline="Senior Platform Engineer",
    resume_text=RESUME,
    name="Dana Example",
    emails=("dana@example.org",),
    phones=("+49 30 1234 5678",),
    location="Berlin, Germany",
    personal={"address": "Musterstrasse 1, Berlin", "gender": "female"},
)


def run(job: JobInput = JOB, candidate: CandidateInput = CANDIDATE, profile: Profile | None = None):
    return score(job, candidate, profile, reference_date=REFERENCE)


def requirement(result, text_start: str) -> dict:
    return next(r for r in result.explanation["requirements"] if r["text"].startswith(text_start))


def test_public_api_shape():
    result = run()
    assert set(DEFAULT_WEIGHTS) == set(COMPONENTS)
    assert 0 <= result.score <= 100
    assert result.engine_version == ENGINE_VERSION
    explanation = result.explanation
    for key in (
        "score",
        "tier",
        "components",
        "requirements",
        "experience",
        "seniority",
        "location",
        "excluded",
        "warnings",
        "reasons",
        "gaps",
        "engine_version",
        "input_hash",
    ):
        assert key in explanation
    assert set(explanation["components"]) == set(COMPONENTS)
    assert explanation["input_hash"] == result.input_hash
    assert 3 <= len(explanation["reasons"]) <= 5
    assert all(reason["evidence"] for reason in explanation["reasons"])


def test_same_inputs_give_a_byte_identical_explanation():
    first = json.dumps(run().explanation, sort_keys=True)
    second = json.dumps(run().explanation, sort_keys=True)
    assert first == second
    assert run().input_hash == run().input_hash


def test_feature_hashes_ignore_personal_fields():
    other = replace(CANDIDATE, emails=("someone@else.example",), phones=("+1 555 000 1111",), personal={})
    a = extract_candidate(CANDIDATE, reference_date=REFERENCE)
    b = extract_candidate(other, reference_date=REFERENCE)
    assert a.input_hash == b.input_hash
    assert extract_candidate(CANDIDATE, reference_date=date(2026, 1, 1)).input_hash != a.input_hash
    assert prepare_job(JOB).input_hash == prepare_job(JOB).input_hash


def test_swapping_name_or_email_keeps_the_score():
    base = run()
    renamed = replace(
        CANDIDATE,
        name="Robin Sample",
        emails=("robin.sample@example.net",),
        resume_text=RESUME.replace("Dana Example", "Robin Sample").replace(
            "dana@example.org", "robin.sample@example.net"
        ),
    )
    assert run(candidate=renamed).score == base.score
    assert run(candidate=replace(CANDIDATE, emails=("x@y.example",))).score == base.score


def test_personal_fields_are_listed_as_excluded_and_never_quoted():
    explanation = run().explanation
    excluded = explanation["excluded"]
    for field in ("name", "emails", "phones", "personal.address", "personal.gender"):
        assert field in excluded
    dumped = json.dumps(explanation)
    for value in ("Dana", "dana@example.org", "1234 5678", "Musterstrasse"):
        assert value not in dumped


def test_removing_a_must_have_lowers_the_score_and_marks_it_missing():
    base = run()
    assert requirement(base, "Kubernetes")["status"] == "met"
    without = replace(
        CANDIDATE, resume_text=RESUME.replace("k8s, ", "").replace("Ran k8s clusters", "Ran clusters")
    )
    result = run(candidate=without)
    assert result.score < base.score
    assert requirement(result, "Kubernetes")["status"] == "missing"
    assert requirement(result, "Kubernetes")["evidence"] == []


def test_shortening_the_relevant_position_lowers_experience():
    base = run()
    shorter = replace(CANDIDATE, resume_text=RESUME.replace("Jan 2018 - Present", "Jan 2022 - Present"))
    result = run(candidate=shorter)
    assert base.explanation["components"]["experience"]["value"] == 1.0
    assert result.explanation["components"]["experience"]["value"] < 1.0
    assert result.score < base.score
    asked = result.explanation["experience"]["required"][0]
    assert asked["required_years"] == 5
    assert asked["years"] == 3
    assert asked["positions"] and "Senior Platform Engineer" in asked["positions"][0]["snippet"]


def test_structured_positions_count_like_resume_lines():
    structured = CandidateInput(
        headline="Platform Engineer",
        positions=(
            Position(
                title="Platform Engineer", summary="Python and Kubernetes", start=date(2017, 1, 1), end=None
            ),
            Position(
                title="Platform Engineer",
                summary="overlapping record",
                start=date(2018, 1, 1),
                end=date(2019, 1, 1),
            ),
        ),
        skills=("JavaScript", "MS Excel"),
    )
    result = run(candidate=structured)
    asked = result.explanation["experience"]["required"][0]
    assert asked["years"] == 8  # the overlapping record is not counted twice
    assert {p["source"] for p in asked["positions"]} == {"position:0", "position:1"}
    assert "no resume text" in result.explanation["warnings"]
    excel = requirement(result, "Microsoft Excel")  # the skill is shown; the monthly reports are not
    assert excel["status"] == "partial"
    assert excel["evidence"][0] == {"source": "skills", "start": 11, "end": 19, "snippet": "MS Excel"}


def test_keyword_stuffing_raises_the_score_by_a_bounded_amount():
    weak = replace(
        CANDIDATE,
        headline="",
        resume_text="Experience\nSupport Technician, Beta (2014 - 2024)\n- Answered tickets and restarted printers.\n",
    )
    base = run(candidate=weak)
    stuffed_text = (
        weak.resume_text
        + "\n"
        + "\n".join(line[2:] for line in JOB.description.splitlines() if line.startswith("- "))
    )
    stuffed = run(candidate=replace(weak, resume_text=stuffed_text))
    # Copied sentences are ignored; only the one-word nice-to-have ("Terraform", weight 0.05 of 1.1) cannot
    # be told from a genuine skills list.
    assert stuffed.score - base.score <= 8
    assert requirement(stuffed, "Kubernetes")["status"] == "missing"
    stuffed_lists = run(
        job=replace(
            JOB,
            requirement_lists=(
                RequirementList("Requirements", ("Runs Kubernetes clusters in production at scale",)),
            ),
        ),
        candidate=replace(
            weak, resume_text=weak.resume_text + "\nRuns Kubernetes clusters in production at scale\n"
        ),
    )
    assert requirement(stuffed_lists, "Runs Kubernetes")["status"] == "missing"
    assert any("copied from the job posting" in w for w in stuffed_lists.explanation["warnings"])


def test_every_evidence_span_points_at_text_holding_its_snippet():
    candidates = [
        CANDIDATE,
        CandidateInput(
            headline="Platform Engineer",
            positions=(
                Position(title="Platform Engineer", summary="Ran Kubernetes", start=date(2016, 5, 1)),
            ),
            skills=("Python", "JS"),
            resume_text="",
        ),
    ]
    for candidate in candidates:
        sources = candidate_sources(candidate)
        explanation = run(candidate=candidate).explanation
        spans = [e for r in explanation["requirements"] for e in r["evidence"]]
        spans += [p for e in explanation["experience"]["required"] for p in e["positions"]]
        spans += [e for item in explanation["reasons"] + explanation["gaps"] for e in item["evidence"]]
        if explanation["seniority"]["closest_title"]:
            spans.append(explanation["seniority"]["closest_title"])
        assert spans
        for span in spans:
            assert span["snippet"].strip()
            assert sources[span["source"]][span["start"] : span["end"]] == span["snippet"]


@pytest.mark.parametrize(
    ("asked", "written"),
    [
        ("JavaScript", "JS"),
        ("JS", "JavaScript"),
        ("Kubernetes", "k8s"),
        ("Microsoft Excel", "Excel"),
        ("Excel", "MS Excel"),
    ],
)
def test_alias_matching(asked: str, written: str):
    job = JobInput(title="Engineer", requirement_lists=(RequirementList("Requirements", (asked,)),))
    candidate = CandidateInput(resume_text=f"Skills\n{written}, Bash\n")
    found = requirement(run(job=job, candidate=candidate), asked)
    assert found["status"] == "met"
    assert found["evidence"][0]["snippet"] == written


def test_profile_requirements_and_weights_override_the_description():
    profile = Profile(
        weights={"must_haves": 1.0, "relevance": 0, "experience": 0, "seniority": 0},
        must_haves=("Go",),
        nice_to_haves=(),
    )
    result = run(profile=profile)
    assert [r["text"] for r in result.explanation["requirements"]] == ["Go"]
    assert result.score == 0  # only must-haves weigh, and the one asked is missing


def test_location_is_a_flag_not_a_penalty():
    base = run()
    moved = run(candidate=replace(CANDIDATE, location="Lisbon, Portugal"))
    assert moved.score == base.score
    assert base.explanation["location"]["status"] == "match"
    assert moved.explanation["location"]["status"] == "mismatch"
    assert moved.explanation["location"]["blocker"] is False
    blocked = run(candidate=replace(CANDIDATE, location="Lisbon"), profile=Profile(location_required=True))
    assert blocked.explanation["location"]["blocker"] is True
    remote = run(job=replace(JOB, workplace_type="remote"), candidate=replace(CANDIDATE, location="Lisbon"))
    assert remote.explanation["location"]["status"] == "remote"


def test_warnings_for_missing_inputs():
    empty = run(
        job=JobInput(title="Engineer", description="We are a friendly team."), candidate=CandidateInput()
    )
    assert "no resume text" in empty.explanation["warnings"]
    assert "no requirements found" in empty.explanation["warnings"]
    assert empty.tier == "not_a_match"


def test_score_text_needs_no_database():
    job_text = JOB.description.replace(
        "## About the role", "## Job title\nSenior Platform Engineer\n\n## About the role"
    )
    result = score_text(job_text, RESUME, reference_date=REFERENCE)
    assert result.score > 50
    assert result.explanation["seniority"]["job_title"] == "Senior Platform Engineer"
    assert "resume: email" in result.explanation["excluded"]
    unrelated = score_text(
        job_text, "Skills\nBaking, pastry\n\nExperience\nBaker (2010 - 2020)\n", reference_date=REFERENCE
    )
    assert unrelated.score < result.score
    assert score_text(job_text, RESUME).score == score_text(job_text, RESUME).score  # inferred reference date


def test_prepared_features_are_reusable_across_pairs():
    job = prepare_job(JOB)
    candidate = extract_candidate(CANDIDATE, reference_date=REFERENCE)
    assert score_prepared(job, candidate).explanation == run().explanation
