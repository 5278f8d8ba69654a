"""Who a person is: email and LinkedIn normalisation, and finding them in the mirror."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.candidates.identity import find_existing_candidate, normalize_email, normalize_linkedin_url
from apps.candidates.models import Candidate
from tests.candidates.factories import CandidateFactory
from tests.integrations.factories import ConnectionFactory


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada@Example.COM ", "ada@example.com"),
        ("ADA.LOVELACE+jobs@Example.co.uk", "ada.lovelace+jobs@example.co.uk"),  # dots and tags kept
        ("<ada@example.com>", "ada@example.com"),
        ("mailto:Ada@Example.com", "ada@example.com"),
        ("mailto:ada@example.com?subject=hi", "ada@example.com"),
        ("\tada@example.com\n", "ada@example.com"),
        ("", ""),
        ("   ", ""),
        ("not an email", ""),
        ("ada@", ""),
        ("@example.com", ""),
        ("ada@example", ""),
        ("ada lovelace@example.com", ""),
        ("ada@@example.com", ""),
        (None, ""),
        (42, ""),
        (["ada@example.com"], ""),
    ],
)
def test_normalize_email(given, expected):
    assert normalize_email(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "https://www.linkedin.com/in/ada-l",
        "HTTPS://www.LinkedIn.com/in/Ada-L/?trk=x",
        "linkedin.com/in/ada-l",
        "www.linkedin.com/in/ada-l/",
        "http://linkedin.com/in/ada-l",
        "https://uk.linkedin.com/in/ada-l/en",
        "https://de.linkedin.com/in/ada-l/de-de/",
        "https://www.linkedin.com/in/ada-l/details/experience/",
        "https://www.linkedin.com/in/ada-l#about",
        "https://www.linkedin.com./in/ada-l",
        "https://m.linkedin.com/in/ADA-L?originalSubdomain=uk",
        "  https://www.linkedin.com//in//ada-l  ",
    ],
)
def test_every_spelling_of_a_profile_is_one_url(given):
    assert normalize_linkedin_url(given) == "linkedin.com/in/ada-l"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://www.linkedin.com/in/j%C3%BCrgen-m", "linkedin.com/in/jürgen-m"),
        ("https://www.linkedin.com/in/Jürgen-M/", "linkedin.com/in/jürgen-m"),
        ("https://www.linkedin.com/pub/ada-l/12/345/678", "linkedin.com/pub/ada-l/12/345/678"),
        ("https://www.linkedin.com/pub/ada-l/12/345/678/fr", "linkedin.com/pub/ada-l/12/345/678"),
    ],
)
def test_encoded_and_old_public_profiles(given, expected):
    assert normalize_linkedin_url(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        None,
        "ada-l",
        "https://www.linkedin.com/",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/company/acme",
        "https://www.linkedin.com/jobs/view/123",
        "https://linkedin.com.evil.example/in/ada-l",
        "https://notlinkedin.com/in/ada-l",
        "https://github.com/in/ada-l",
        "ftp://linkedin.com/in/ada-l",
        "mailto:ada@linkedin.com",
        "https://user@linkedin.com/in/ada-l",
        "http://[::1/in/ada-l",
    ],
)
def test_anything_but_a_profile_is_empty(given):
    assert normalize_linkedin_url(given) == ""


@pytest.fixture
def connection(db):
    return ConnectionFactory()


def test_a_person_is_found_by_any_of_their_emails_in_any_case(connection):
    ada = CandidateFactory(
        connection=connection, email="ada@example.com", emails=["ada@example.com", "a@l.io"]
    )
    assert find_existing_candidate(connection, ["A@L.IO"], "") == (ada, "email")
    assert find_existing_candidate(connection, ["junk", " Ada@Example.com "], "") == (ada, "email")
    assert find_existing_candidate(connection, ["other@example.com"], "") is None


def test_a_person_is_found_by_their_linkedin_profile_in_another_spelling(connection):
    ada = CandidateFactory(
        connection=connection,
        linkedin_url="https://www.linkedin.com/in/ada-l",
        links=["https://www.linkedin.com/in/ada-l"],
    )
    found = find_existing_candidate(connection, [], "uk.linkedin.com/in/ADA-L/en?trk=1")
    assert found == (ada, "linkedin")
    # A profile listed among the links counts too, percent-encoded or not.
    jurgen = CandidateFactory(connection=connection, links=["https://de.linkedin.com/in/j%C3%BCrgen"])
    assert find_existing_candidate(connection, [], "linkedin.com/in/Jürgen") == (jurgen, "linkedin")
    assert find_existing_candidate(connection, [], "linkedin.com/in/ada-lovelace") is None


def test_email_wins_over_linkedin(connection):
    by_profile = CandidateFactory(connection=connection, linkedin_url="https://linkedin.com/in/x")
    by_email = CandidateFactory(connection=connection, email="x@example.com", emails=["x@example.com"])
    assert find_existing_candidate(connection, ["x@example.com"], "linkedin.com/in/x") == (by_email, "email")
    assert find_existing_candidate(connection, [], "linkedin.com/in/x") == (by_profile, "linkedin")


def test_deleted_anonymised_local_and_other_connections_rows_are_no_match(connection):
    email = "gone@example.com"
    CandidateFactory(connection=connection, email=email, emails=[email], remote_deleted_at=timezone.now())
    CandidateFactory(connection=connection, email=email, emails=[email], is_anonymized=True)
    CandidateFactory(email=email, emails=[email])  # another connection
    Candidate.objects.create(workspace=connection.workspace, email=email, emails=[email])  # local row
    assert find_existing_candidate(connection, [email], "") is None
