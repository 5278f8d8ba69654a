"""Row checks and column detection, without the database."""

from __future__ import annotations

import pytest

from apps.candidates.csv_import.fields import auto_mapping, column_labels, mapping_errors, normalize_header
from apps.candidates.csv_import.reader import Record
from apps.candidates.csv_import.report import csv_lines, neutralize
from apps.candidates.csv_import.validation import Lookups, RowChecker

HEADERS = ["Name", "Email", "LinkedIn", "Links", "Phone", "Tags", "Job", "Stage", "Location"]


def checker(lookups: Lookups | None = None, **kwargs) -> RowChecker:
    return RowChecker(auto_mapping(HEADERS), len(HEADERS), lookups or Lookups(), **kwargs)


def row(number: int, **cells: str) -> Record:
    return Record(number, [cells.get(h.lower(), "") for h in HEADERS])


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Name", "Email", "Phone"], {0: "name", 1: "emails", 2: "phones"}),
        # Lever's import template and export headers
        (
            [
                "Full Name*",
                "Email",
                "Lever Posting URL",
                "Stage",
                "Sources",
                "Tags",
                "Links",
                "Current Company",
            ],
            {
                0: "name",
                1: "emails",
                2: "job",
                3: "stage",
                4: "source",
                5: "tags",
                6: "links",
                7: "current_company",
            },
        ),
        (["first_name", "LAST-NAME", "E-mail address", "LinkedIn profile URL", "Job title"], None),
        (["Name", "Name", "Email", "Other email", "Notes"], {0: "name", 2: "emails", 3: "emails"}),
        (["\ufeffName", " Prénom "], {0: "name", 1: "first_name"}),
    ],
)
def test_columns_are_detected_from_their_headers(headers, expected):
    mapping = auto_mapping(headers)
    if expected is None:
        assert mapping == {
            0: "first_name",
            1: "last_name",
            2: "emails",
            3: "linkedin_url",
            4: "current_title",
        }
    else:
        assert mapping == expected


def test_header_normalisation_folds_case_accents_and_punctuation():
    assert normalize_header("  E-Mail Address(es)* ") == "e mail address"
    assert normalize_header("Phone number(s)") == "phone number"


def test_duplicate_and_blank_headers_get_distinct_labels():
    assert column_labels(["Email", "", "email"]) == ["Email", "Column 2", "email (column 3)"]


def test_mapping_needs_a_name_and_one_column_per_single_field():
    labels = ["A", "B", "C"]
    assert mapping_errors({0: "name", 1: "emails", 2: "emails"}, labels) == []
    assert mapping_errors({0: "first_name"}, labels) == []
    assert "every candidate needs a name" in mapping_errors({0: "emails"}, labels)[0]
    assert mapping_errors({0: "name", 1: "name"}, labels) == [
        "“A” and “B” are both mapped to Full name: keep one."
    ]


def test_a_valid_row_becomes_a_person_with_normalised_values():
    result = checker().check(
        row(
            2,
            name="  Ada   Lovelace ",
            email="ADA@Example.com; ada2@example.com",
            links="example.com/ada, https://www.linkedin.com/in/ada-l/",
            phone="+44 20 7946 0000; 020 7946 0001",
            tags="python, compilers;python",
            location="London",
        )
    )
    person = result.person
    assert result.problems == []
    assert person.name == "Ada Lovelace"
    assert person.emails == ("ada@example.com", "ada2@example.com")
    assert person.linkedin_url == "https://www.linkedin.com/in/ada-l/"
    assert person.links == ("https://example.com/ada",)
    assert person.phones == ("+44 20 7946 0000", "020 7946 0001")
    assert person.tags == ("python", "compilers")
    assert person.location == "London"


@pytest.mark.parametrize(
    ("cells", "code", "text"),
    [
        ({"email": "a@example.com"}, "missing_name", "Missing name."),
        ({"name": "A", "email": "not-an-email"}, "bad_email", "Bad email “not-an-email”."),
        ({"name": "A", "linkedin": "https://example.com/in/x"}, "bad_linkedin", "Bad LinkedIn URL"),
        ({"name": "A", "linkedin": "linkedin.com/company/acme"}, "bad_linkedin", "Bad LinkedIn URL"),
        ({"name": "A", "links": "javascript:alert(1)"}, "bad_link", "Bad link"),
        ({"name": "A", "phone": "call me"}, "bad_phone", "Bad phone number"),
        ({"name": "A" * 256}, "too_long", "Name is too long"),
        ({"name": "A", "location": "L" * 101}, "too_long", "Location is too long"),
        ({"name": "A", "tags": ",".join(f"t{i}" for i in range(21))}, "too_many", "Too many tags"),
        ({"name": "A", "job": "Astronaut"}, "unknown_job", "Unknown job “Astronaut”."),
        ({"name": "A", "stage": "Nowhere"}, "unknown_stage", "Unknown stage"),
    ],
)
def test_bad_rows_say_why(cells, code, text):
    result = checker().check(row(7, **cells))
    assert result.person is None
    assert code in codes(result)
    assert text in result.reason


def test_more_cells_than_columns_is_a_problem_but_trailing_empty_cells_are_not():
    ok = Record(3, ["Ada", "", "", "", "", "", "", "", "", "", ""])
    ragged = Record(4, ["Ada", "", "", "", "", "", "", "", "", "oops"])
    assert checker().check(ok).is_valid
    assert codes(checker().check(ragged)) == ["extra_cells"]


def test_fewer_cells_than_columns_read_as_empty():
    assert checker().check(Record(2, ["Ada"])).person.name == "Ada"


def test_duplicates_within_the_file_name_the_earlier_row():
    check = checker()
    assert check.check(row(2, name="Ada", email="ada@example.com", linkedin="linkedin.com/in/ada")).is_valid
    again = check.check(row(3, name="Ada again", email=" ADA@example.com "))
    by_profile = check.check(row(4, name="Ada L", linkedin="https://uk.linkedin.com/in/ada/en"))
    assert again.reason == "Duplicate within the file: same email as row 2."
    assert by_profile.reason == "Duplicate within the file: same LinkedIn profile as row 2."


def test_a_repeat_of_an_invalid_row_is_not_a_duplicate():
    check = checker()
    assert not check.check(row(2, email="ada@example.com")).is_valid  # no name
    assert check.check(row(3, name="Ada", email="ada@example.com")).is_valid


def test_people_already_in_the_workspace_are_reported_with_who():
    lookups = Lookups(emails={"grace@example.com": (42, "Grace Hopper")})
    result = checker(lookups).check(row(5, name="G. Hopper", email="Grace@Example.com"))
    assert result.reason == "Already in this workspace: Grace Hopper (same email)."
    assert result.existing_candidate_id == 42


def test_job_and_stage_resolve_by_name_or_lever_id_and_the_stage_must_be_the_jobs():
    lookups = Lookups(
        jobs={"backend engineer": 1, "posting-uuid-1": 1, "designer": 2},
        stages={"phone screen": 10, "offer": 11},
        pipelines={1: {10}, 2: {11}},
        job_names={1: "Backend Engineer", 2: "Designer"},
        stage_names={10: "Phone screen", 11: "Offer"},
    )
    check = checker(lookups, job_id=2, stage_id=11)
    assert check.check(row(2, name="A", job="Backend ENGINEER", stage="phone screen")).person.stage_id == 10
    by_url = check.check(row(3, name="B", job="https://jobs.lever.co/acme/posting-uuid-1"))
    assert (by_url.person.job_id, by_url.person.stage_id) == (1, None)  # the import's stage is Designer's
    assert (check.check(row(4, name="C")).person.job_id, check.check(row(5, name="D")).person.stage_id) == (
        2,
        11,
    )
    wrong = check.check(row(6, name="E", job="Backend Engineer", stage="Offer"))
    assert wrong.reason == "“Offer” is not a stage of “Backend Engineer”."


def test_report_cells_never_start_a_formula():
    assert [neutralize(v) for v in ("=1+1", "+44", "-2", "@SUM(A1)", "Ada", 7, None)] == [
        "'=1+1",
        "'+44",
        "'-2",
        "'@SUM(A1)",
        "Ada",
        "7",
        "",
    ]
    assert "".join(csv_lines([['=HYPERLINK("x")', "a,b"]])) == '"\'=HYPERLINK(""x"")","a,b"\r\n'
