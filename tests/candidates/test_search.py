from __future__ import annotations

import pytest
from django.urls import reverse

from apps.candidates.search import CandidateFilters, candidate_search, query_terms
from tests.candidates.factories import ApplicationFactory, CandidateFactory, TagFactory
from tests.conftest import client_for
from tests.jobs.factories import JobFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(candidate.name for candidate in response.context["page"].object_list)


def search(cast, **params):
    return client_for(cast.recruiter).get(reverse("candidates:list"), params)


def explanation(*rows):
    return {
        "requirements": [
            {"text": text, "kind": "must", "status": status, "value": 1.0, "evidence": []}
            for text, status in rows
        ]
    }


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("name", "Ada Lovelace", "lovelace"),
        ("email", "ada@analytical.example", "ADA@analytical"),
        ("emails", ["first@work.example", "second@home.example"], "second@home"),
        ("current_company", "Analytical Engines Ltd", "engines"),
        ("current_title", "Principal Mathematician", "mathematician"),
        ("headline", "Poet of numbers", "poet"),
    ],
)
def test_search_finds_people_by_each_of_their_fields(cast, field, value, query):
    CandidateFactory(connection=cast.connection, name="Grace Hopper", headline="Admiral")
    CandidateFactory(connection=cast.connection, **{"name": "Ada Lovelace", field: value})
    assert names(search(cast, q=query)) == ["Ada Lovelace"]


def test_search_finds_people_by_the_tags_of_their_applications(cast):
    tagged = ApplicationFactory(connection=cast.connection, candidate__name="Ada Lovelace")
    tagged.tags.add(TagFactory(connection=cast.connection, name="Referral: Babbage"))
    ApplicationFactory(connection=cast.connection, candidate__name="Grace Hopper")
    assert names(search(cast, q="babbage")) == ["Ada Lovelace"]


def test_search_finds_skills_only_where_a_score_found_them_met(cast):
    met = ApplicationFactory(connection=cast.connection, candidate__name="Met it")
    ScoreFactory(application=met, explanation=explanation(("Kubernetes", "met"), ("Go", "missing")))
    missing = ApplicationFactory(connection=cast.connection, candidate__name="Has Terraform")
    ScoreFactory(
        application=missing, explanation=explanation(("Kubernetes", "missing"), ("Terraform", "met"))
    )
    partial = ApplicationFactory(connection=cast.connection, candidate__name="Partial")
    ScoreFactory(application=partial, explanation=explanation(("Experience with Kubernetes", "partial")))
    gone = ApplicationFactory(
        connection=cast.connection,
        candidate__name="Deleted Application",
        remote_deleted_at="2025-01-01T00:00:00Z",
    )
    ScoreFactory(application=gone, explanation=explanation(("Kubernetes", "met")))
    assert names(search(cast, q="kubernetes")) == ["Met it"]
    assert names(search(cast, q="terraform")) == ["Has Terraform"]
    assert names(search(cast, q="go")) == []  # "Go" is missing for its only holder


def test_skill_search_survives_odd_explanations_and_like_wildcards(cast):
    odd = ApplicationFactory(connection=cast.connection, candidate__name="Odd")
    ScoreFactory(application=odd, explanation={"requirements": {"not": "a list"}, "text": "Kubernetes"})
    empty = ApplicationFactory(connection=cast.connection, candidate__name="Empty")
    ScoreFactory(application=empty, explanation={})
    wild = ApplicationFactory(connection=cast.connection, candidate__name="Wild")
    ScoreFactory(application=wild, explanation=explanation(("100% remote", "met"), ("C_sharp", "met")))
    assert names(search(cast, q="kubernetes")) == []
    assert names(search(cast, q="100%")) == ["Wild"]
    assert names(search(cast, q='"0% r"')) == ["Wild"]
    assert names(search(cast, q="c_s")) == ["Wild"] and names(search(cast, q="cxs")) == []


def test_non_ascii_skills_are_found_too(cast):
    application = ApplicationFactory(connection=cast.connection, candidate__name="Bilingual")
    ScoreFactory(application=application, explanation=explanation(("Español fluido", "met")))
    assert names(search(cast, q="español")) == ["Bilingual"]


def test_every_word_must_match_somewhere_and_quotes_keep_a_phrase(cast):
    CandidateFactory(connection=cast.connection, name="Ada Lovelace", current_company="Analytical Engines")
    CandidateFactory(connection=cast.connection, name="Ada Byron", current_company="Poetry Co")
    assert names(search(cast, q="ada engines")) == ["Ada Lovelace"]
    assert names(search(cast, q='"ada lovelace"')) == ["Ada Lovelace"]
    assert query_terms('  ada "machine learning"  ada ') == ["ada", "machine learning"]


def test_filters_by_outcome_job_and_tier_on_one_and_the_same_application(cast):
    job = JobFactory(connection=cast.connection, name="Backend")
    both = ApplicationFactory(connection=cast.connection, job=job, candidate__name="Tier 1 here")
    ScoreFactory(application=both, tier="tier_1")
    candidate = CandidateFactory(connection=cast.connection, name="Tier 1 elsewhere")
    ApplicationFactory(connection=cast.connection, job=job, candidate=candidate)
    elsewhere = ApplicationFactory(connection=cast.connection, candidate=candidate)
    ScoreFactory(application=elsewhere, tier="tier_1")
    ApplicationFactory(connection=cast.connection, outcome="hired", candidate__name="Hired")
    assert names(search(cast, tier="tier_1")) == ["Tier 1 elsewhere", "Tier 1 here"]
    assert names(search(cast, tier="tier_1", job=job.pk)) == ["Tier 1 here"]
    assert names(search(cast, outcome="hired")) == ["Hired"]


def test_rows_show_the_best_fit_of_each_person(cast):
    candidate = CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    low = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Data")
    high = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Backend")
    ScoreFactory(application=low, score=50, tier="tier_3")
    ScoreFactory(application=high, score=82, tier="tier_1")
    response = search(cast)
    row = response.context["page"].object_list[0]
    assert (row.best_score, row.best_tier, row.best_job, row.application_count) == (
        82,
        "tier_1",
        "Backend",
        2,
    )
    page = response.content.decode()
    assert '<span class="badge tier_1">Tier 1</span>' in page and ">82<" in page


def test_invalid_filters_are_reported_and_ignored(cast):
    CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    other_job = JobFactory(connection=cast.other_connection)
    response = search(cast, job=other_job.pk, tier="tier_9", q="ada")
    page = response.content.decode()
    assert names(response) == ["Ada Lovelace"]
    assert "That job is not in this workspace." in page and "Choose a fit tier from the list." in page
    assert 'aria-invalid="true"' in page


def test_live_search_returns_the_results_only_but_history_restores_get_the_page(cast):
    CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    client = client_for(cast.viewer)
    fragment = client.get(reverse("candidates:list"), {"q": "ada"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="candidate-results">')
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(
        reverse("candidates:list"),
        {"q": "ada"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in restore.content.decode()


def test_the_form_works_without_javascript_and_pushes_its_url_with(cast):
    page = client_for(cast.viewer).get(reverse("candidates:list"), {"q": "ada"}).content.decode()
    assert 'method="get"' in page and 'hx-push-url="true"' in page and 'value="ada"' in page


def test_empty_states_say_what_to_do_next(cast):
    client = client_for(cast.viewer)
    assert "Connect Lever" in client.get(reverse("candidates:list")).content.decode()
    CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    page = client.get(reverse("candidates:list"), {"q": "nobody"}).content.decode()
    assert "No candidates match “nobody”" in page and "Clear the search" in page


def test_results_are_paginated_and_keep_the_query(cast):
    for i in range(30):
        CandidateFactory(connection=cast.connection, name=f"Ada {i:02d}")
    response = search(cast, q="ada", page=2)
    assert len(response.context["page"].object_list) == 5
    assert "q=ada&amp;page=1" in response.content.decode()


def test_the_search_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    for i in range(30):
        application = ApplicationFactory(connection=cast.connection, candidate__name=f"Ada {i:02d}")
        ScoreFactory(application=application, explanation=explanation(("Python", "met")))
    client = client_for(cast.viewer)
    client.get(reverse("candidates:list"))
    with django_assert_max_num_queries(10):
        client.get(reverse("candidates:list"), {"q": "python ada", "tier": "tier_1"})


def test_another_workspace_is_never_searched(cast):
    CandidateFactory(connection=cast.other_connection, name="Globex Person")
    assert list(candidate_search(workspace=cast.workspace, filters=CandidateFilters(q="globex"))) == []
