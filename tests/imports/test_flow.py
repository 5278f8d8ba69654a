"""An import end to end through its pages: every kind of bad row, the preview, the run, the report."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.candidates.models import Application, Candidate
from apps.imports.models import ImportRow, ImportStatus
from tests.candidates.factories import CandidateFactory
from tests.conftest import client_for
from tests.imports.helpers import import_csv, latest_import, run, save_mapping, upload
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db

EVERY_KIND = """Name,Email,LinkedIn,Links,Phone,Tags,Job
Ada Lovelace,ada@example.com,linkedin.com/in/ada,,+44 20 7946 0000,"python, maths",
,nobody@example.com,,,,,
Bad Email,not-an-email,,,,,
Bad LinkedIn,bl@example.com,https://example.com/in/bl,,,,
Dup In File,ADA@example.com,,,,,
Dup LinkedIn,dl@example.com,https://www.linkedin.com/in/ada/,,,,
Existing Person,existing@example.com,,,,,
Bad Link,bk@example.com,,not-a-url,,,
Bad Phone,bp@example.com,,,call me,,
Unknown Job,uj@example.com,,,,,Astronaut
Ragged,rg@example.com,,,,,,extra cell
<script>alert('x')</script>,xss@example.com,,,,,
"=HYPERLINK(""http://evil.example"",""click"")",formula@example.com,,,,,
"Grace
Hopper",grace@example.com,,,,,
"""
EXPECTED = {
    2: ("created", ""),
    3: ("skipped", "Missing name."),
    4: ("skipped", "Bad email “not-an-email”."),
    5: ("skipped", "Bad LinkedIn URL “https://example.com/in/bl”: expected linkedin.com/in/…."),
    6: ("skipped", "Duplicate within the file: same email as row 2."),
    7: ("skipped", "Duplicate within the file: same LinkedIn profile as row 2."),
    8: ("skipped", "Already in this workspace: Existing Person (same email)."),
    9: ("skipped", "Bad link “not-a-url”."),
    10: ("skipped", "Bad phone number “call me”."),
    11: ("skipped", "Unknown job “Astronaut”."),
    12: ("skipped", "More cells than columns (8 instead of 7): a value with a comma in it needs quotes."),
    13: ("created", ""),
    14: ("created", ""),
    15: ("created", ""),
}


@pytest.fixture
def existing(cast):
    return CandidateFactory(connection=cast.connection, name="Existing Person", email="existing@example.com")


def report_rows(client, candidate_import) -> list[dict[str, str]]:
    response = client.get(reverse("imports:report", args=[candidate_import.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_every_kind_of_bad_row_is_reported_with_its_row_number_and_reason(
    cast, existing, django_capture_on_commit_callbacks
):
    client = client_for(cast.recruiter)
    assert upload(client, EVERY_KIND).status_code == 302
    candidate_import = latest_import()
    assert save_mapping(client, candidate_import).status_code == 302

    preview = client.get(reverse("imports:preview", args=[candidate_import.pk])).content.decode()
    candidate_import.refresh_from_db()
    assert (candidate_import.preview["valid"], candidate_import.preview["invalid"]) == (4, 10)
    assert "Duplicate within the file: same email as row 2." in preview
    assert "&lt;script&gt;" not in preview  # valid rows are not listed
    assert "Import 4 candidates" in preview

    run(client, candidate_import, django_capture_on_commit_callbacks)
    assert candidate_import.status == ImportStatus.SUCCEEDED
    assert (
        candidate_import.created_count,
        candidate_import.skipped_count,
        candidate_import.failed_count,
    ) == (4, 10, 0)
    assert candidate_import.rows_done == candidate_import.row_count == 14
    assert not candidate_import.file  # the uploaded copy of people's data is gone once imported

    results = {
        r.row_number: (r.status, r.reason)
        for r in ImportRow.objects.filter(candidate_import=candidate_import)
    }
    assert results == EXPECTED
    added = Candidate.objects.for_workspace(cast.workspace).filter(remote_id__isnull=True).order_by("pk")
    assert [c.name for c in added] == [
        "Ada Lovelace",
        "<script>alert('x')</script>",
        '=HYPERLINK("http://evil.example","click")',  # data, stored as typed
        "Grace Hopper",
    ]
    ada = added[0]
    assert ada.email == "ada@example.com" and ada.linkedin_url == "https://linkedin.com/in/ada"
    assert ada.phones == [{"value": "+44 20 7946 0000"}]
    assert ada.sourcing == {
        "source": "",
        "tags": ["python", "maths"],
        "sourced_by": None,
        "added_by": cast.recruiter.pk,
        "via": "import",
        "no_export_triggers": True,  # imported with "never": no job trigger exports them later
    }
    assert not Application.objects.filter(candidate__in=added).exists()  # leads, as candidate_add makes them

    report = report_rows(client, candidate_import)
    assert [int(r["Row"]) for r in report] == list(range(2, 16))
    assert report[0]["Status"] == "Imported"
    assert report[0]["Candidate link"] == f"http://testserver/candidates/{ada.pk}/"
    assert report[6]["Reason"] == "Already in this workspace: Existing Person (same email)."
    assert report[6]["Candidate link"].endswith(f"/candidates/{existing.pk}/")
    assert report[12]["Name"] == '\'=HYPERLINK("http://evil.example","click")'  # neutralised on the way out

    page = client.get(reverse("imports:detail", args=[candidate_import.pk])).content.decode()
    assert "Missing name." in page and "Row" in page


def test_html_in_headers_and_cells_is_escaped_on_every_page(cast, django_capture_on_commit_callbacks):
    client = client_for(cast.recruiter)
    hostile = "<img src=x onerror=alert(1)>"
    upload(client, f'Name,"{hostile}"\n"{hostile}",x\n,"{hostile}"\n', name=f"{hostile}.csv")
    candidate_import = latest_import()
    pages = [client.get(reverse("imports:mapping", args=[candidate_import.pk]))]
    save_mapping(client, candidate_import)
    pages.append(client.get(reverse("imports:preview", args=[candidate_import.pk])))
    run(client, candidate_import, django_capture_on_commit_callbacks)
    pages += [
        client.get(reverse("imports:detail", args=[candidate_import.pk])),
        client.get(reverse("imports:list")),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert hostile not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_path_traversal_file_name_is_shown_but_never_used_as_a_path(cast):
    client = client_for(cast.recruiter)
    upload(client, "Name\nAda\n", name="../../../etc/passwd.csv")
    candidate_import = latest_import()
    assert candidate_import.original_name == "passwd.csv"
    assert candidate_import.file.name.startswith("imports/")
    assert ".." not in candidate_import.file.name and "passwd" not in candidate_import.file.name


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "This is an image"),
        (b"PK\x03\x04\x14\x00\x00\x00", "people.csv", "Excel workbook"),
        (b"Name\nAda\n", "people.xlsx", "spreadsheet workbook"),
        (b"Name,Email\n", "people.csv", "a header row but no candidates under it"),
        (b"   \n", "people.csv", "The file is empty."),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_clear_message(cast, content, name, message):
    response = upload(client_for(cast.recruiter), content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert latest_import() is None


def test_an_empty_upload_is_refused(cast):
    response = upload(client_for(cast.recruiter), b"")
    assert response.status_code == 400
    assert "empty" in response.content.decode()


def test_oversized_files_and_too_many_rows_are_refused(cast, settings):
    client = client_for(cast.recruiter)
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(client, "Name\n" + "Ada Lovelace\n" * 200)
    assert response.status_code == 400
    assert "people.csv is 3 KB; files up to 1 KB can be imported." in response.content.decode()
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 3
    response = upload(client, "Name\nA\nB\nC\nD\n")
    assert "more than 3 candidates" in response.content.decode()


@pytest.mark.parametrize(
    "content",
    [
        "\ufeffName;Email;Ville\nRené Müller;rene@example.com;Zürich\n".encode("cp1252", errors="ignore"),
        "\ufeffName;Email;Ville\nRené Müller;rene@example.com;Zürich\n".encode(),
        "Name\tEmail\tVille\nRené Müller\trene@example.com\tZürich\n".encode("utf-16"),
    ],
    ids=["cp1252-semicolon", "utf8-bom-semicolon", "utf16-tab"],
)
def test_excel_exports_import_with_their_accents(cast, content, django_capture_on_commit_callbacks):
    candidate_import = import_csv(client_for(cast.recruiter), content, django_capture_on_commit_callbacks)
    assert candidate_import.created_count == 1
    person = Candidate.objects.get(email="rene@example.com")
    assert person.name == "René Müller"


def test_windows_1252_punctuation_survives(cast, django_capture_on_commit_callbacks):
    content = "Name,Title\nJosé O’Brien,Head of € payments\n".encode("cp1252")
    import_csv(client_for(cast.recruiter), content, django_capture_on_commit_callbacks)
    person = Candidate.objects.get(name="José O’Brien")
    assert person.current_title == "Head of € payments"


def test_duplicate_headers_map_once_and_the_mapping_page_says_which_column(cast):
    client = client_for(cast.recruiter)
    upload(client, "Name,Name,Email,Email\nAda,Lovelace,a@example.com,b@example.com\n")
    candidate_import = latest_import()
    assert candidate_import.mapping == {"0": "name", "2": "emails", "3": "emails"}
    page = client.get(reverse("imports:mapping", args=[candidate_import.pk])).content.decode()
    assert "Name (column 2)" in page
    response = save_mapping(client, candidate_import, {1: "name"})
    assert response.status_code == 400
    assert "are both mapped to Full name: keep one." in response.content.decode()


def test_a_mapping_without_a_name_is_refused(cast):
    client = client_for(cast.recruiter)
    upload(client, "Who,Email\nAda,a@example.com\n")
    response = save_mapping(client, latest_import())
    assert response.status_code == 400
    assert "every candidate needs a name" in response.content.decode()


def test_everyone_can_go_on_a_job_and_stage(cast, django_capture_on_commit_callbacks):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection))
    client = client_for(cast.recruiter)
    candidate_import = import_csv(
        client,
        "Name,Email,Source\nAda,ada@example.com,Referral\nGrace,grace@example.com,\n",
        django_capture_on_commit_callbacks,
        job=job_stage.job,
        stage=job_stage.stage,
    )
    assert candidate_import.created_count == 2
    applications = Application.objects.filter(job=job_stage.job).order_by("candidate__name")
    assert [(a.candidate.name, a.current_stage_id, a.sources, a.origin) for a in applications] == [
        ("Ada", job_stage.stage_id, ["Referral"], "sourced"),
        ("Grace", job_stage.stage_id, [], "sourced"),
    ]


def test_a_stage_outside_the_jobs_pipeline_is_refused_on_the_mapping_page(cast):
    job = JobFactory(connection=cast.connection)
    other = JobStageFactory(job=JobFactory(connection=cast.connection))
    client = client_for(cast.recruiter)
    upload(client, "Name\nAda\n")
    response = save_mapping(client, latest_import(), job=job, stage=other.stage)
    assert response.status_code == 400
    assert f"{other.stage} is not a stage of {job}." in response.content.decode()


def test_a_second_start_does_not_import_twice(cast, django_capture_on_commit_callbacks):
    client = client_for(cast.recruiter)
    candidate_import = import_csv(client, "Name\nAda\n", django_capture_on_commit_callbacks)
    run(client, candidate_import, django_capture_on_commit_callbacks)
    assert Candidate.objects.filter(name="Ada").count() == 1
    assert ImportRow.objects.filter(candidate_import=candidate_import).count() == 1


def test_the_preview_pages_through_invalid_rows(cast):
    client = client_for(cast.recruiter)
    upload(client, "Name,Email\n" + "".join(f"P{i},bad{i}\n" for i in range(120)))
    candidate_import = latest_import()
    save_mapping(client, candidate_import)
    first = client.get(reverse("imports:preview", args=[candidate_import.pk])).content.decode()
    third = client.get(reverse("imports:preview", args=[candidate_import.pk]) + "?page=3").content.decode()
    assert "Bad email “bad0”" in first and "Bad email “bad50”" not in first
    assert "Bad email “bad119”" in third
    assert "No row can be imported" in first


def test_posting_without_a_file_asks_for_one(cast):
    response = client_for(cast.recruiter).post(reverse("imports:new"), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
