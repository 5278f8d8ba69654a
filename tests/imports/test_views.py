"""Who may import, scoping to the workspace, and the smaller pages: list, template, progress, discard."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.candidates.csv_import.fields import TEMPLATE_HEADERS, auto_mapping
from apps.imports.models import CandidateImport, ImportStatus
from tests.conftest import client_for
from tests.imports.factories import CandidateImportFactory, ImportRowFactory

pytestmark = pytest.mark.django_db

# The views that take an import's id, how to make one the owner's GET answers 200 for, and the method.
CASES = {
    "imports:detail": (
        "get",
        lambda cast: CandidateImportFactory(workspace=cast.workspace, status="succeeded"),
    ),
    "imports:mapping": ("get", lambda cast: CandidateImportFactory(workspace=cast.workspace)),
    "imports:preview": (
        "get",
        lambda cast: CandidateImportFactory(workspace=cast.workspace, status="ready", preview={"valid": 1}),
    ),
    "imports:progress": (
        "get",
        lambda cast: CandidateImportFactory(workspace=cast.workspace, status="running"),
    ),
    "imports:report": (
        "get",
        lambda cast: CandidateImportFactory(workspace=cast.workspace, status="succeeded"),
    ),
    "imports:run": ("post", lambda cast: CandidateImportFactory(workspace=cast.workspace, status="ready")),
    "imports:discard": ("post", lambda cast: CandidateImportFactory(workspace=cast.workspace)),
}


@pytest.mark.parametrize("url_name", sorted(CASES))
def test_imports_of_another_workspace_are_a_404(cast, url_name):
    method, make = CASES[url_name]
    candidate_import = make(cast)
    url = reverse(url_name, args=[candidate_import.pk])
    outsider = client_for(cast.outsider)
    response = (
        outsider.get(url) if method == "get" else outsider.post(url, {"role": "viewer", "export": "never"})
    )
    assert response.status_code == 404
    assert CandidateImport.objects.filter(pk=candidate_import.pk, status=candidate_import.status).exists()
    if method == "get":
        assert client_for(cast.owner).get(url).status_code == 200


@pytest.mark.parametrize("who", ["viewer", "hiring_manager"])
def test_people_who_cannot_write_back_cannot_import(cast, who):
    client = client_for(getattr(cast, who))
    candidate_import = CandidateImportFactory(workspace=cast.workspace)
    for url in (
        reverse("imports:list"),
        reverse("imports:new"),
        reverse("imports:template"),
        reverse("imports:mapping", args=[candidate_import.pk]),
        reverse("imports:detail", args=[candidate_import.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("imports:discard", args=[candidate_import.pk])).status_code == 403
    assert CandidateImport.objects.filter(pk=candidate_import.pk).exists()


@pytest.mark.parametrize("who", ["owner", "admin", "recruiter"])
def test_people_who_write_back_reach_the_upload_page(cast, who):
    page = client_for(getattr(cast, who)).get(reverse("imports:new"))
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()


def test_the_list_shows_this_workspaces_imports_or_an_empty_state(cast):
    client = client_for(cast.recruiter)
    assert "No imports yet" in client.get(reverse("imports:list")).content.decode()
    CandidateImportFactory(workspace=cast.workspace, original_name="acme-people.csv", status="succeeded")
    CandidateImportFactory(workspace=cast.other_workspace, original_name="globex-people.csv")
    page = client.get(reverse("imports:list")).content.decode()
    assert "acme-people.csv" in page and "globex-people.csv" not in page


def test_the_template_is_a_csv_whose_columns_are_all_recognised(cast):
    response = client_for(cast.recruiter).get(reverse("imports:template"))
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    assert text.startswith("\ufeff")
    headers = next(csv.reader(io.StringIO(text[1:])))
    assert tuple(headers) == TEMPLATE_HEADERS
    assert len(auto_mapping(headers)) == len(headers)


def test_the_progress_poll_answers_200_while_running_and_286_once_done(cast):
    client = client_for(cast.recruiter)
    candidate_import = CandidateImportFactory(
        workspace=cast.workspace, status="running", row_count=2000, rows_done=500, created_count=480
    )
    url = reverse("imports:progress", args=[candidate_import.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    html = running.content.decode()
    assert running.status_code == 200
    assert 'hx-trigger="every 1s"' in html
    assert '<progress max="2000" value="500"' in html and "500 of 2,000 rows (25%)" in html
    assert "<html" not in html  # only the fragment
    CandidateImport.objects.filter(pk=candidate_import.pk).update(status=ImportStatus.SUCCEEDED)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "hx-trigger" not in done.content.decode()
    assert "Download the report" in done.content.decode()


def test_a_stopped_import_offers_resume_and_shows_why(cast):
    candidate_import = CandidateImportFactory(
        workspace=cast.workspace, status="failed", rows_done=500, error="OperationalError: disk I/O error"
    )
    page = (
        client_for(cast.recruiter).get(reverse("imports:detail", args=[candidate_import.pk])).content.decode()
    )
    assert "The import stopped after 500 rows: OperationalError: disk I/O error" in page
    assert ">Resume</button>" in page


def test_discarding_an_import_removes_it_but_not_while_it_runs(cast):
    client = client_for(cast.recruiter)
    ready = CandidateImportFactory(workspace=cast.workspace, status="ready")
    running = CandidateImportFactory(workspace=cast.workspace, status="running")
    ImportRowFactory(candidate_import=running)
    assert client.post(reverse("imports:discard", args=[ready.pk])).status_code == 302
    assert not CandidateImport.objects.filter(pk=ready.pk).exists()
    client.post(reverse("imports:discard", args=[running.pk]))
    assert CandidateImport.objects.filter(pk=running.pk).exists()


def test_pages_of_a_started_import_lead_to_its_progress(cast):
    client = client_for(cast.recruiter)
    candidate_import = CandidateImportFactory(workspace=cast.workspace, status="running")
    for name in ("imports:mapping", "imports:preview"):
        response = client.get(reverse(name, args=[candidate_import.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("imports:detail", args=[candidate_import.pk])


def test_staff_see_imports_in_the_admin_without_peoples_data(cast, staff_client):
    candidate_import = CandidateImportFactory(
        workspace=cast.workspace, sample=[["Secret Person", "secret@example.com"]], status="succeeded"
    )
    assert staff_client.get(reverse("admin:imports_candidateimport_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:imports_candidateimport_change", args=[candidate_import.pk]))
    assert page.status_code == 200
    assert "Secret Person" not in page.content.decode()
