from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.candidates.duplicates import (
    EMAIL,
    LINKEDIN,
    NAME_COMPANY,
    company_key,
    compute_duplicate_groups,
    duplicate_groups,
    duplicates_of,
    group_keys,
    identity_keys,
    linkedin_key,
    name_key,
)
from apps.candidates.identity import normalize_linkedin_url
from apps.candidates.models import Candidate
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def person(cast, name="Someone Else", **kwargs):
    """A person in Lever with an address of their own unless told otherwise."""
    kwargs.setdefault("connection", cast.connection)
    candidate = CandidateFactory(name=name, **kwargs)
    return candidate


def groups_of(cast):
    return [
        (set(group.members), {r.rule for r in group.reasons})
        for group in compute_duplicate_groups(cast.workspace.pk)
    ]


# -- rules ------------------------------------------------------------------------------------------------


def test_emails_are_trimmed_and_lower_cased_but_gmail_dots_and_tags_are_kept():
    assert identity_keys(email=" Ada@Example.ORG ") == {(EMAIL, "ada@example.org")}
    assert identity_keys(emails=["mailto:ada@example.org"]) == {(EMAIL, "ada@example.org")}
    dotted = identity_keys(email="a.da@gmail.com")
    assert dotted != identity_keys(email="ada@gmail.com") != identity_keys(email="ada+jobs@gmail.com")
    assert identity_keys(email="not an email") == set()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/ada-lovelace/",
        "http://linkedin.com/in/Ada-Lovelace",
        "linkedin.com/in/ada-lovelace?trk=public_profile",
        "https://uk.linkedin.com/in/ada-lovelace/en",
        "https://www.linkedin.com/in/ada-lovelace/de-de/",
        "www.linkedin.com/in/ada-lovelace#about",
    ],
)
def test_linkedin_urls_are_one_profile_whatever_their_spelling(url):
    assert identity_keys(linkedin_url=url) == {(LINKEDIN, "linkedin.com/in/ada-lovelace")}
    assert linkedin_key(url) == normalize_linkedin_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://linkedin.com/company/acme",
        "https://evil.example/linkedin.com/in/ada",
        "javascript:linkedin.com/in/x",
    ],
)
def test_what_is_not_a_profile_is_not_a_key(url):
    assert linkedin_key(url) == normalize_linkedin_url(url) == ""


def test_names_match_ignoring_case_accents_and_order_and_companies_their_legal_suffix():
    assert name_key("Zoë Ødegaard") == name_key("ODEGAARD, zoe") == "odegaard zoe"
    assert name_key("Cher") == ""  # one word says too little
    assert company_key("ACME, Inc.") == company_key("Acme") == company_key("acme gmbh") == "acme"
    assert company_key("Société Générale SA") == "societe generale"
    assert identity_keys(name="Ada Lovelace", company="") == set()
    assert identity_keys(name="Ada Lovelace", company="Acme Ltd") == {(NAME_COMPANY, "ada lovelace @ acme")}
    assert identity_keys(first_name="Ada", last_name="Lovelace", company="Acme") == {
        (NAME_COMPANY, "ada lovelace @ acme")
    }


# -- grouping -----------------------------------------------------------------------------------------------


def test_people_sharing_an_email_anywhere_in_their_emails_are_grouped(cast):
    first = person(
        cast, "Ada Lovelace", email="ada@example.org", emails=["ada@example.org", "ada@home.example"]
    )
    second = person(
        cast, "A. Lovelace", email="al@work.example", emails=["al@work.example", "ADA@home.example "]
    )
    person(cast, "Grace Hopper")
    assert groups_of(cast) == [({first.pk, second.pk}, {EMAIL})]


def test_people_with_one_linkedin_profile_are_grouped(cast):
    first = person(cast, "Ada Lovelace", linkedin_url="https://www.linkedin.com/in/ada/")
    second = person(cast, "Ada L", links=["https://github.com/ada", "http://linkedin.com/in/ADA?x=1"])
    person(cast, "Other", linkedin_url="https://www.linkedin.com/in/ada-2/")
    assert groups_of(cast) == [({first.pk, second.pk}, {LINKEDIN})]


def test_people_with_the_same_name_at_the_same_company_are_grouped(cast):
    first = person(cast, "Zoë Ødegaard", current_company="Acme Inc.")
    second = person(cast, "odegaard zoe", current_company="ACME")
    person(cast, "Zoë Ødegaard", current_company="Globex")  # same name elsewhere
    person(cast, "Zoe Smith", current_company="Acme")  # same company, other person
    person(cast, "Zoë Ødegaard")  # no company: not enough
    assert groups_of(cast) == [({first.pk, second.pk}, {NAME_COMPANY})]


def test_several_reasons_for_the_same_people_make_one_group(cast):
    first = person(cast, "Ada Lovelace", email="ada@example.org", linkedin_url="linkedin.com/in/ada")
    second = person(cast, "Ada Lovelace", email="ada@example.org", linkedin_url="linkedin.com/in/ada/")
    assert groups_of(cast) == [({first.pk, second.pk}, {EMAIL, LINKEDIN})]


def test_other_workspaces_deleted_local_and_anonymised_people_are_not_duplicates(cast):
    person(cast, "Ada Lovelace", email="ada@example.org")
    person(cast, "Ada 3", email="ada@example.org", connection=cast.other_connection)
    person(cast, "Ada 4", email="ada@example.org", remote_deleted_at="2025-01-01T00:00:00Z")
    person(cast, "Ada 5", email="ada@example.org", is_anonymized=True)
    person(cast, "Ada 6", email="ada@example.org", remote_id=None, connection=cast.connection)
    assert groups_of(cast) == []


def test_two_lever_accounts_are_never_mixed():
    keys = identity_keys(email="ada@example.org")
    assert group_keys([(1, 10, keys), (2, 11, keys)]) == []
    assert [g.members for g in group_keys([(1, 10, keys), (2, 10, keys)])] == [(1, 2)]


def test_grouping_reads_the_workspace_in_one_query_and_is_cached(cast, django_assert_num_queries):
    for i in range(30):
        person(cast, f"Twin {i}", email=f"twin{i // 2}@example.org", emails=[])
    with django_assert_num_queries(1):
        assert len(compute_duplicate_groups(cast.workspace.pk)) == 15
    duplicate_groups(cast.workspace.pk)
    with django_assert_num_queries(1):  # only the version check
        assert len(duplicate_groups(cast.workspace.pk)) == 15
    Candidate.objects.filter(email="twin0@example.org").first().delete()
    assert len(duplicate_groups(cast.workspace.pk)) == 14  # the version moved: recomputed


# -- pages ---------------------------------------------------------------------------------------------------


def test_the_duplicates_page_says_why_and_links_each_person_and_lever(cast):
    first = person(cast, "Ada Lovelace", email="ada@example.org")
    second = person(cast, "Ada King", email="ada@example.org")
    ApplicationFactory(
        connection=cast.connection, candidate=first, remote_url="https://hire.lever.co/candidates/1"
    )
    ApplicationFactory(connection=cast.connection, candidate=first)
    list_page = client_for(cast.viewer).get(reverse("candidates:list")).content.decode()
    assert reverse("candidates:duplicates") in list_page
    response = client_for(cast.viewer).get(reverse("candidates:duplicates"))
    page = response.content.decode()
    assert "Same email" in page and "ada@example.org" in page
    assert reverse("candidates:detail", args=[first.pk]) in page
    assert reverse("candidates:detail", args=[second.pk]) in page
    assert 'href="https://hire.lever.co/candidates/1"' in page and 'rel="noopener noreferrer"' in page
    counts = {p.pk: p.application_count for _, people in response.context["rows"] for p in people}
    assert counts == {first.pk: 2, second.pk: 0}


def test_the_duplicates_page_explains_when_there_are_none_and_is_scoped(cast):
    person(cast, "Ada", email="ada@example.org")
    person(cast, "Ada again", email="ada@example.org")
    assert (
        "No possible duplicates"
        in client_for(cast.outsider).get(reverse("candidates:duplicates")).content.decode()
    )


def test_the_duplicates_page_is_paginated(cast, django_assert_max_num_queries):
    for i in range(45):
        person(cast, f"Twin {i}", email=f"twin{i // 2}@example.org", emails=[])
    client = client_for(cast.viewer)
    client.get(reverse("candidates:duplicates"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("candidates:duplicates"), {"page": 2})
    assert len(response.context["rows"]) == 2 and response.context["total"] == 22


def test_a_profile_says_whom_the_person_may_duplicate(cast):
    first = person(cast, "Ada Lovelace", email="ada@example.org", current_company="Acme")
    second = person(cast, "Lovelace Ada", email="ada.l@example.org", current_company="ACME Ltd")
    third = person(
        cast, "Ada Byron", links=["https://linkedin.com/in/ada"], emails=["x@example.org", "ada@example.org"]
    )
    person(cast, "Ada Someone", email="someone@example.org", current_company="Acme")
    matches = {m.candidate.pk: {r.rule for r in m.reasons} for m in duplicates_of(first)}
    assert matches == {second.pk: {NAME_COMPANY}, third.pk: {EMAIL}}
    page = client_for(cast.viewer).get(reverse("candidates:detail", args=[first.pk])).content.decode()
    assert "Possible duplicate of" in page and "Lovelace Ada" in page and "Ada Byron" in page
    assert "Ada Someone" not in page


def test_a_profile_scans_for_duplicates_once_until_someone_changes(cast, django_assert_num_queries):
    first = person(cast, "Ada Lovelace", email="ada@example.org", current_company="Acme")
    second = person(cast, "Lovelace Ada", email="ada.l@example.org", current_company="ACME Ltd")
    assert [m.candidate.pk for m in duplicates_of(first)] == [second.pk]
    with django_assert_num_queries(1):  # the workspace's version only: the scan's answer is kept
        again = duplicates_of(first)
    assert [(m.candidate.pk, m.candidate.name) for m in again] == [(second.pk, "Lovelace Ada")]
    # Someone's details change (the sync saves the row): the next view scans again and sees it.
    third = person(cast, "Ada Byron", emails=["ada@example.org"])
    assert {m.candidate.pk for m in duplicates_of(first)} == {second.pk, third.pk}
    second.current_company = "Globex"
    second.save()
    assert [m.candidate.pk for m in duplicates_of(first)] == [third.pk]


def test_the_profile_notice_agrees_with_the_duplicates_page(cast):
    people = [
        person(cast, "Zoë Ødegaard", current_company="Café Ltd"),
        person(cast, "ZOE ODEGAARD", current_company="cafe"),
        person(cast, "Grace Hopper", linkedin_url="https://www.linkedin.com/in/grace%20h/"),
        person(cast, "G Hopper", links=["linkedin.com/in/Grace%20H"]),
        person(cast, "Alan Turing"),
    ]
    in_groups = {pk for group in compute_duplicate_groups(cast.workspace.pk) for pk in group.members}
    flagged = {p.pk for p in people if duplicates_of(p)}
    assert flagged == in_groups == {p.pk for p in people[:4]}


def test_no_notice_for_people_without_duplicates(cast):
    alone = person(cast, "Ada Lovelace")
    assert (
        "Possible duplicate"
        not in client_for(cast.viewer).get(reverse("candidates:detail", args=[alone.pk])).content.decode()
    )
