"""Sourcing pages: add a candidate, Export to ATS, resolve a duplicate, a job's ATS sync; roles and scoping."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.candidates.models import Candidate, CandidateExport, ExportStatus
from apps.candidates.sourcing import NewCandidate, candidate_add
from apps.candidates.sourcing_triggers import job_export_settings_update
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from apps.jobs.models import ExportTrigger, JobExportSettings
from apps.lever_sandbox.documents import render_pdf
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(cast):
    AtsUserFactory(connection=cast.connection, email=cast.recruiter.email)
    return JobFactory(connection=cast.connection, name="Data Engineer")


def local_person(cast, job=None, new=None, **options):
    new = new or NewCandidate(name="Ada Lovelace", emails=("ada@new.example",))
    return candidate_add(workspace=cast.workspace, new=new, requested_by=cast.recruiter, job=job, **options)


def duplicate(cast, job):
    person = CandidateFactory(connection=cast.connection, name="Ada in Lever", email="ada@new.example")
    return person, local_person(cast, job, export=True).export


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- adding ---------------------------------------------------------------------------------------------------


def test_the_form_offers_open_jobs_their_stages_and_active_lever_users(cast, job):
    stage = JobStageFactory(job=job, stage__name="Phone screen")
    JobFactory(connection=cast.connection, name="Closed Role", status="closed")
    AtsUserFactory(connection=cast.connection, name="Gone User", deactivated_at="2024-01-01T00:00:00Z")
    response = client_for(cast.recruiter).get(reverse("candidates:add"), {"job": job.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Data Engineer: Phone screen" in page and f'value="{stage.pk}"' in page
    assert "Closed Role" not in page and "Gone User" not in page
    assert response.context["form"]["job"].value() == str(job.pk)
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize("role", ["viewer", "hiring_manager"])
def test_people_who_cannot_write_back_cannot_add(cast, role):
    client = client_for(getattr(cast, role))
    assert client.get(reverse("candidates:add")).status_code == 403
    assert client.post(reverse("candidates:add"), {"name": "Ada"}).status_code == 403
    assert not Candidate.objects.exists()


def test_adding_redirects_to_the_new_profile_and_says_it_waits_for_the_button(cast, job):
    stage = JobStageFactory(job=job)
    resume = SimpleUploadedFile("ada.pdf", render_pdf([("text", "Python")]), "application/pdf")
    data = {
        "name": "Ada Lovelace",
        "emails": "ada@new.example\r\n\r\nADA@home.example",
        "phones": "+44 20 7946 0000",
        "linkedin_url": "linkedin.com/in/ada",
        "links": "https://ada.dev",
        "city": "London",
        "country": "UK",
        "tags": "Math, Poetry ,",
        "stage": stage.pk,
        "export": "auto",
        "resume": resume,
    }
    response = client_for(cast.recruiter).post(reverse("candidates:add"), data, follow=True)
    candidate = Candidate.objects.get()
    assert response.redirect_chain == [(reverse("candidates:detail", args=[candidate.pk]), 302)]
    assert candidate.emails == ["ada@new.example", "ada@home.example"]
    assert candidate.sourcing["tags"] == ["Math", "Poetry"]
    assert candidate.applications.get().job == job  # the stage chose its job
    assert texts(response) == ["Ada Lovelace was added. Use Export to ATS when they should go to Lever."]
    page = response.content.decode()
    assert "Not in Lever yet" in page and "Export to ATS" in page and "In Lever</" not in page


def test_adding_to_a_job_that_exports_on_pipeline_says_it_is_queued(cast, job):
    job_export_settings_update(job=job, trigger=ExportTrigger.ADDED_TO_PIPELINE, tier="", by=cast.admin)
    data = {"name": "Ada", "emails": "ada@new.example", "job": job.pk, "export": "auto"}
    response = client_for(cast.recruiter).post(reverse("candidates:add"), data, follow=True)
    assert texts(response) == ["Ada was added and queued for Lever."]
    export = CandidateExport.objects.get()
    assert f'id="export-{export.pk}"' in response.content.decode()  # the status chip, polling


def test_adding_someone_lever_has_says_who_with_a_link(cast, job):
    person = CandidateFactory(connection=cast.connection, name="Ada in Lever", email="ada@new.example")
    data = {"name": "Ada", "emails": "Ada@New.Example", "job": job.pk, "export": "now"}
    response = client_for(cast.recruiter).post(reverse("candidates:add"), data, follow=True)
    [message] = texts(response)
    assert message == (
        f'Ada was added, but not exported: <a href="/candidates/{person.pk}/">Ada in Lever</a> is already in Lever'
        " (same email ada@new.example). Add them to this job instead, or skip."
    )
    page = response.content.decode()
    assert "Add to this job instead" in page and ">Skip<" in page
    assert not WritebackAction.objects.exists()


def test_errors_are_shown_next_to_their_fields(cast, job):
    other_stage = JobStageFactory(job=JobFactory(connection=cast.connection, name="Other Role"))
    data = {
        "name": "",
        "emails": "ada@new.example\nnope",
        "linkedin_url": "https://example.com/ada",
        "job": job.pk,
        "stage": other_stage.pk,
        "export": "auto",
        "resume": SimpleUploadedFile("cv.pdf", b"plain text", "application/pdf"),
    }
    response = client_for(cast.recruiter).post(reverse("candidates:add"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["Enter a name."]
    assert errors["resume"] == ["The resume must be a PDF or a Word (.docx) document."]
    assert errors["stage"] == [f"{other_stage.stage.name} is a stage of Other Role, not of Data Engineer."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Candidate.objects.exists()
    # The service's own checks land on their fields too.
    data.update(name="Ada", stage="", resume=SimpleUploadedFile("cv.pdf", render_pdf([("text", "x")])))
    errors = client_for(cast.recruiter).post(reverse("candidates:add"), data).context["form"].errors
    assert errors == {
        "emails": ["“nope” is not an email address."],
        "linkedin_url": ["Enter a LinkedIn profile address, like linkedin.com/in/their-name."],
    }


def test_a_job_of_another_workspace_cannot_be_chosen(cast, job):
    foreign = JobFactory(connection=cast.other_connection)
    data = {"name": "Ada", "job": foreign.pk, "export": "auto"}
    response = client_for(cast.recruiter).post(reverse("candidates:add"), data)
    assert response.status_code == 400 and "job" in response.context["form"].errors


# -- the Export to ATS button ----------------------------------------------------------------------------------


def test_the_button_shows_only_for_people_not_in_lever(cast, job):
    synced = ApplicationFactory(connection=cast.connection, remote_url="https://hire.lever.co/candidates/x")
    page = client_for(cast.recruiter).get(reverse("candidates:detail", args=[synced.candidate_id]))
    html = page.content.decode()
    assert "Export to ATS" not in html
    assert 'class="lever-badge" href="https://hire.lever.co/candidates/x"' in html
    local = local_person(cast, job).candidate
    html = client_for(cast.recruiter).get(reverse("candidates:detail", args=[local.pk])).content.decode()
    assert "Export to ATS" in html and "lever-badge" not in html
    assert (
        "Export to ATS"
        not in client_for(cast.viewer).get(reverse("candidates:detail", args=[local.pk])).content.decode()
    )


def test_the_list_marks_people_in_lever_and_offers_to_add(cast, job):
    synced = ApplicationFactory(connection=cast.connection, remote_url="https://hire.lever.co/candidates/y")
    local_person(cast, job)
    html = client_for(cast.recruiter).get(reverse("candidates:list")).content.decode()
    assert 'href="https://hire.lever.co/candidates/y"' in html and synced.candidate.name in html
    assert "Not in Lever" in html and reverse("candidates:add") in html
    assert (
        reverse("candidates:add")
        not in client_for(cast.viewer).get(reverse("candidates:list")).content.decode()
    )


def test_export_queues_the_person_and_redirects_with_a_message(cast, job):
    result = local_person(cast, job)
    url = reverse("candidates:export", args=[result.candidate.pk])
    response = client_for(cast.recruiter).post(
        url, {"application": result.application.pk, "token": "t1"}, follow=True
    )
    assert texts(response) == ["Ada Lovelace was queued for Lever."]
    export = CandidateExport.objects.get()
    assert (export.application, export.action.kind) == (result.application, WritebackKind.CREATE_CANDIDATE)
    client_for(cast.recruiter).post(url, {"application": result.application.pk, "token": "t1"})
    assert CandidateExport.objects.count() == 1


def test_export_over_htmx_answers_with_the_status_chip(cast, job):
    result = local_person(cast, job)
    url = reverse("candidates:export", args=[result.candidate.pk])
    response = client_for(cast.recruiter).post(url, HTTP_HX_REQUEST="true")
    export = CandidateExport.objects.get()
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="export-{export.pk}"')
    assert reverse("candidates:export-status", args=[export.pk]) in html  # it polls while pending


def test_exporting_someone_in_lever_is_refused(cast):
    synced = CandidateFactory(connection=cast.connection)
    response = client_for(cast.recruiter).post(reverse("candidates:export", args=[synced.pk]), follow=True)
    assert texts(response) == [f"{synced} is already in Lever."]
    assert not CandidateExport.objects.exists()


def test_export_needs_write_back_and_the_workspace(cast, job):
    candidate = local_person(cast, job).candidate
    url = reverse("candidates:export", args=[candidate.pk])
    assert client_for(cast.viewer).post(url).status_code == 403
    assert client_for(cast.outsider).post(url).status_code == 404
    assert not CandidateExport.objects.exists()


def test_the_status_chip_stops_polling_once_settled(cast, job):
    result = local_person(cast, job, export=True)
    url = reverse("candidates:export-status", args=[result.export.pk])
    assert url in client_for(cast.viewer).get(url).content.decode()
    WritebackAction.objects.update(status=WritebackStatus.FAILED, last_error="Lever says no")
    html = client_for(cast.viewer).get(url).content.decode()
    assert url not in html and "Lever says no" in html and "Failed" in html


# -- add to this job instead, skip ------------------------------------------------------------------------------


def test_add_to_this_job_instead_goes_to_the_person_found(cast, job):
    person, export = duplicate(cast, job)
    url = reverse("candidates:export-add-to-job", args=[export.pk])
    response = client_for(cast.recruiter).post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("candidates:detail", args=[person.pk])
    assert texts(response) == ["Ada in Lever is being added to Data Engineer in Lever."]
    assert WritebackAction.objects.get().kind == WritebackKind.CREATE_APPLICATION


def test_add_to_this_job_over_htmx_redirects_the_page(cast, job):
    person, export = duplicate(cast, job)
    url = reverse("candidates:export-add-to-job", args=[export.pk])
    response = client_for(cast.recruiter).post(url, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("candidates:detail", args=[person.pk])


def test_skip_over_htmx_answers_with_the_chip(cast, job):
    _, export = duplicate(cast, job)
    response = client_for(cast.recruiter).post(
        reverse("candidates:export-skip", args=[export.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Skipped" in response.content.decode()
    export.refresh_from_db()
    assert export.status == ExportStatus.SKIPPED
    again = client_for(cast.recruiter).post(
        reverse("candidates:export-skip", args=[export.pk]), HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 400


@pytest.mark.parametrize("name", ["candidates:export-add-to-job", "candidates:export-skip"])
def test_resolving_needs_write_back_and_the_workspace(cast, job, name):
    _, export = duplicate(cast, job)
    assert client_for(cast.viewer).post(reverse(name, args=[export.pk])).status_code == 403
    assert client_for(cast.outsider).post(reverse(name, args=[export.pk])).status_code == 404
    export.refresh_from_db()
    assert export.status == ExportStatus.DUPLICATE


# -- a job's ATS sync --------------------------------------------------------------------------------------------


def test_a_recruiter_sets_the_trigger_and_tier(cast, job):
    url = reverse("candidates:job-ats-sync", args=[job.pk])
    response = client_for(cast.recruiter).post(
        url, {"trigger": "tier_reached", "tier": "tier_1"}, follow=True
    )
    settings = JobExportSettings.objects.get(job=job)
    assert (settings.trigger, settings.tier, settings.updated_by) == (
        "tier_reached",
        "tier_1",
        cast.recruiter,
    )
    assert texts(response) == [
        "Saved. Candidates added to Data Engineer from now on are exported when their fit score reaches Tier 1 or better."
    ]


def test_the_tier_trigger_needs_a_tier(cast, job):
    response = client_for(cast.recruiter).post(
        reverse("candidates:job-ats-sync", args=[job.pk]), {"trigger": "tier_reached"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"tier": ["Choose the tier that exports a candidate."]}
    assert not JobExportSettings.objects.exists()


def test_viewers_see_the_log_but_cannot_change_the_trigger(cast, job):
    url = reverse("candidates:job-ats-sync", args=[job.pk])
    response = client_for(cast.viewer).get(url)
    assert response.status_code == 200 and response.context["form"] is None
    assert "No exports yet" in response.content.decode()
    assert client_for(cast.viewer).post(url, {"trigger": "never"}).status_code == 403
    assert client_for(cast.outsider).get(url).status_code == 404


def test_the_log_lists_exports_newest_first_with_levers_message(cast, job):
    first = local_person(cast, job, export=True).export
    WritebackAction.objects.filter(pk=first.action_id).update(
        status=WritebackStatus.FAILED, last_error="Lever: posting is closed"
    )
    second = local_person(
        cast, job, new=NewCandidate(name="Grace", emails=("g@new.example",)), export=True
    ).export
    response = client_for(cast.viewer).get(reverse("candidates:job-ats-sync", args=[job.pk]))
    assert [e.pk for e in response.context["page"].object_list] == [second.pk, first.pk]
    html = response.content.decode()
    assert "Lever: posting is closed" in html
    assert reverse("candidates:export-status", args=[second.pk]) in html  # the pending one polls


def test_the_job_page_links_to_its_ats_sync(cast, job):
    html = client_for(cast.viewer).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert reverse("candidates:job-ats-sync", args=[job.pk]) in html


# -- scoping (the same cases are proposed for tests/test_scoping.py) -------------------------------------------------


def an_export(cast):
    candidate = CandidateFactory(connection=cast.connection)
    return CandidateExport.objects.create(
        workspace=cast.workspace, candidate=candidate, trigger="manual", key="k"
    )


SCOPING_CASES = {
    "candidates:export": ("post", lambda cast: CandidateFactory(connection=cast.connection)),
    "candidates:export-status": ("get", an_export),
    "candidates:export-add-to-job": ("post", an_export),
    "candidates:export-skip": ("post", an_export),
    "candidates:job-ats-sync": ("get", lambda cast: JobFactory(connection=cast.connection)),
}


@pytest.mark.parametrize("url_name", sorted(SCOPING_CASES))
def test_objects_of_another_workspace_are_a_404(cast, url_name):
    method, make = SCOPING_CASES[url_name]
    url = reverse(url_name, args=[make(cast).pk])
    outsider = client_for(cast.outsider)
    assert (outsider.get(url) if method == "get" else outsider.post(url)).status_code == 404
    if method == "get":
        assert client_for(cast.owner).get(url).status_code == 200
