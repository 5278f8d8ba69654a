"""Correcting a person added in Recruitdesk before they are in Lever: the page, the checks, the locks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from apps.candidates import sourcing
from apps.candidates.forms_sourcing import person_initial
from apps.candidates.models import Application, Candidate, CandidateExport, ExportCause, ExportStatus
from apps.candidates.sourcing import NewCandidate, candidate_add, candidate_update_local
from apps.candidates.sourcing_triggers import job_export_settings_update
from apps.candidates.versions import workspace_versions
from apps.integrations.models import (
    ChangeSource,
    RecordChange,
    WritebackAction,
    WritebackKind,
    WritebackStatus,
)
from apps.jobs.models import ExportTrigger
from tests.candidates.factories import ApplicationFactory, CandidateExportFactory, CandidateFactory
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db

ADA = NewCandidate(
    name="Ada Lovelace",
    emails=("ada@new.example", "ada@home.example"),
    phones=("+44 20 7946 0000",),
    linkedin_url="linkedin.com/in/ada-lovelace",
    links=("https://ada.dev",),
    city="London",
    country="UK",
    current_title="Analyst",
    current_company="Analytical Engines",
    source="Conference",
    tags=("Math",),
)
EDITED = {
    "name": "Ada King",
    "emails": "ADA.King@New.Example\r\nada@home.example",
    "phones": "+44 20 7946 0001",
    "linkedin_url": "https://www.linkedin.com/in/ada-king/",
    "links": "https://ada.dev\r\ngithub.com/ada",
    "city": "Paris",
    "state": "Île-de-France",
    "country": "France",
    "current_title": "Countess",
    "current_company": "Engines Ltd",
    "source": "Referral",
}


@pytest.fixture
def job(cast):
    AtsUserFactory(connection=cast.connection, email=cast.recruiter.email)  # so exports can be attributed
    return JobFactory(connection=cast.connection, name="Data Engineer")


def local_person(cast, job=None, new=ADA, **options):
    return candidate_add(workspace=cast.workspace, new=new, requested_by=cast.recruiter, job=job, **options)


def edit_url(candidate):
    return reverse("candidates:edit", args=[candidate.pk])


def profile_url(candidate):
    return reverse("candidates:detail", args=[candidate.pk])


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def person_fields(candidate):
    candidate = Candidate.objects.get(pk=candidate.pk)
    return (
        candidate.name,
        candidate.emails,
        candidate.linkedin_url,
        candidate.location,
        candidate.sourcing.get("source"),
        candidate.updated_at,
    )


def person_form(candidate):
    """What the edit form posts when nothing is changed: its initial values."""
    return person_initial(Candidate.objects.get(pk=candidate.pk))


# -- the page ---------------------------------------------------------------------------------------------------


def test_the_form_is_filled_in_from_the_person_and_saving_it_as_is_changes_nothing(cast, job):
    candidate = local_person(cast, job).candidate
    client = client_for(cast.recruiter)
    response = client.get(edit_url(candidate))
    assert response.status_code == 200
    form = response.context["form"]
    initial = {name: form[name].value() for name in form.fields}
    assert initial == {
        "name": "Ada Lovelace",
        "emails": "ada@new.example\nada@home.example",
        "phones": "+44 20 7946 0000",
        "linkedin_url": candidate.linkedin_url,
        "links": "https://ada.dev",
        "city": "London",
        "state": "",
        "country": "UK",
        "current_title": "Analyst",
        "current_company": "Analytical Engines",
        "source": "Conference",
    }
    page = response.content.decode()
    assert 'for="id_emails"' in page and 'aria-describedby="id_emails_helptext"' in page
    before = person_fields(candidate)
    response = client.post(edit_url(candidate), initial, follow=True)
    assert response.redirect_chain == [(profile_url(candidate), 302)]
    assert texts(response) == ["Nothing changed in Ada Lovelace's details."]
    assert person_fields(candidate) == before


def test_saving_corrects_the_person_and_redirects_to_the_profile(cast, job):
    result = local_person(cast, job)
    candidate = result.candidate
    response = client_for(cast.recruiter).post(edit_url(candidate), EDITED, follow=True)
    assert response.redirect_chain == [(profile_url(candidate), 302)]
    assert texts(response) == ["Ada King's details were saved."]
    candidate.refresh_from_db()
    assert (candidate.name, candidate.first_name, candidate.last_name) == ("Ada King", "", "")
    assert (candidate.email, candidate.emails) == (
        "ada.king@new.example",
        ["ada.king@new.example", "ada@home.example"],
    )
    assert candidate.phones == [{"value": "+44 20 7946 0001"}]
    assert "linkedin.com/in/ada-king" in candidate.linkedin_url
    assert candidate.links[-1] == candidate.linkedin_url and len(candidate.links) == 3  # as adding keeps them
    assert candidate.location == "Paris, Île-de-France, France"
    assert (candidate.current_title, candidate.current_company, candidate.headline) == (
        "Countess",
        "Engines Ltd",
        "Countess at Engines Ltd",
    )
    # The source changes, and with it the local application's; how they were added stays.
    assert candidate.sourcing["source"] == "Referral" and candidate.sourcing["tags"] == ["Math"]
    assert candidate.sourcing["added_by"] == cast.recruiter.pk
    assert Application.objects.get(pk=result.application.pk).sources == ["Referral"]
    assert candidate.changed_at is not None and candidate.remote_id is None
    page = response.content.decode()
    assert "Ada King" in page and "Countess at Engines Ltd" in page


def test_an_edit_shows_on_the_timeline_with_what_changed(cast):
    candidate = local_person(cast).candidate
    client = client_for(cast.recruiter)
    client.post(edit_url(candidate), {**person_form(candidate), "name": "Ada King", "source": "Referral"})
    change = RecordChange.objects.get(object_id=candidate.pk, source=ChangeSource.EDIT)
    assert change.fields == {"name": ["Ada Lovelace", "Ada King"], "source": ["Conference", "Referral"]}
    assert change.workspace_id == cast.workspace.pk
    page = client.get(profile_url(candidate)).content.decode()
    assert "Details edited: name, source" in page and "Edited in Recruitdesk" in page
    client.post(edit_url(candidate), person_form(candidate))  # nothing changed: nothing recorded
    assert RecordChange.objects.filter(object_id=candidate.pk, source=ChangeSource.EDIT).count() == 1


def test_bad_values_are_refused_next_to_their_fields_and_nothing_is_saved(cast, job):
    candidate = local_person(cast, job).candidate
    before = person_fields(candidate)
    data = {**EDITED, "emails": "ada@new.example\nnope", "linkedin_url": "https://example.com/ada"}
    response = client_for(cast.recruiter).post(edit_url(candidate), data)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "emails": ["“nope” is not an email address."],
        "linkedin_url": ["Enter a LinkedIn profile address, like linkedin.com/in/their-name."],
    }
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and 'id="id_emails_errors"' in page
    assert "Please correct the highlighted fields." in page
    assert person_fields(candidate) == before
    # The form's own checks too: a name is required.
    response = client_for(cast.recruiter).post(edit_url(candidate), {**EDITED, "name": "  "})
    assert response.status_code == 400 and response.context["form"].errors == {"name": ["Enter a name."]}
    assert person_fields(candidate) == before


def test_html_in_the_fields_is_shown_as_text_on_the_profile(cast):
    candidate = local_person(cast).candidate
    data = {
        **EDITED,
        "name": "<script>alert('rd')</script>",
        "current_title": '"><img src=x onerror=alert(1)>',
    }
    response = client_for(cast.recruiter).post(edit_url(candidate), data, follow=True)
    page = response.content.decode()
    assert "<script>alert('rd')" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;rd&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    form_page = client_for(cast.recruiter).get(edit_url(candidate)).content.decode()
    assert "<script>alert('rd')" not in form_page and "<img src=x" not in form_page


# -- who may, and whom ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "hiring_manager"])
def test_people_who_cannot_write_back_cannot_edit(cast, role):
    candidate = local_person(cast).candidate
    before = person_fields(candidate)
    client = client_for(getattr(cast, role))
    assert client.get(edit_url(candidate)).status_code == 403
    assert client.post(edit_url(candidate), EDITED).status_code == 403
    assert person_fields(candidate) == before


def test_a_person_of_another_workspace_is_a_404(cast):
    candidate = local_person(cast).candidate
    before = person_fields(candidate)
    outsider = client_for(cast.outsider)  # owner of Globex: every capability, wrong workspace
    assert outsider.get(edit_url(candidate)).status_code == 404
    assert outsider.post(edit_url(candidate), EDITED).status_code == 404
    assert person_fields(candidate) == before


def test_a_person_in_lever_is_edited_in_lever(cast):
    synced = ApplicationFactory(
        connection=cast.connection, remote_url="https://hire.lever.co/candidates/x"
    ).candidate
    before = person_fields(synced)
    client = client_for(cast.recruiter)
    response = client.get(edit_url(synced))
    assert response.status_code == 200 and response.context["form"] is None
    page = response.content.decode()
    assert "They are in Lever: edit them there; the next sync brings the change." in page
    assert 'href="https://hire.lever.co/candidates/x"' in page and "Save changes" not in page
    response = client.post(edit_url(synced), EDITED)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [sourcing.IN_LEVER]
    page = response.content.decode()
    assert sourcing.IN_LEVER in page and 'href="https://hire.lever.co/candidates/x"' in page
    assert person_fields(synced) == before


def test_an_export_under_way_locks_the_details_until_it_fails(cast, job):
    result = local_person(cast, job, export=True)
    candidate, export = result.candidate, result.export
    assert export.status == ExportStatus.PENDING and export.action is not None
    client = client_for(cast.recruiter)
    before = person_fields(candidate)
    response = client.get(edit_url(candidate))
    assert response.status_code == 200 and response.context["form"] is None
    assert escape(sourcing.EXPORT_UNDERWAY) in response.content.decode()
    response = client.post(edit_url(candidate), EDITED)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [sourcing.EXPORT_UNDERWAY]
    assert person_fields(candidate) == before
    # An admin turns the write-back down (or Lever refuses it): the export failed, the details are fixable.
    WritebackAction.objects.filter(pk=export.action_id).update(
        status=WritebackStatus.FAILED, last_error="Lever: invalid email"
    )
    assert client.get(edit_url(candidate)).context["form"] is not None
    assert client.post(edit_url(candidate), EDITED).status_code == 302
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert Candidate.objects.get(pk=candidate.pk).name == "Ada King"


def test_an_exported_person_is_edited_in_lever(cast):
    candidate = local_person(cast).candidate
    CandidateExportFactory(candidate=candidate, status=ExportStatus.EXPORTED)
    before = person_fields(candidate)
    response = client_for(cast.recruiter).post(edit_url(candidate), EDITED)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [sourcing.EXPORTED]
    assert person_fields(candidate) == before


@pytest.mark.parametrize("status", [ExportStatus.DUPLICATE, ExportStatus.FAILED, ExportStatus.SKIPPED])
def test_an_export_that_sent_nothing_leaves_the_details_editable(cast, status):
    candidate = local_person(cast).candidate
    CandidateExportFactory(candidate=candidate, status=status)
    response = client_for(cast.recruiter).post(edit_url(candidate), EDITED)
    assert response.status_code == 302
    assert Candidate.objects.get(pk=candidate.pk).name == "Ada King"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_anonymized": True}, "They were anonymised: their personal data is no longer kept."),
        (
            {"remote_deleted_at": "2024-01-01T00:00:00Z"},
            "They were deleted: their details can no longer be edited.",
        ),
    ],
)
def test_anonymised_or_deleted_people_are_refused(cast, fields, message):
    candidate = CandidateFactory(workspace=cast.workspace, connection=None, remote_id=None, **fields)
    with pytest.raises(ValidationError) as refused:
        candidate_update_local(candidate=candidate, new=NewCandidate(name="X"), requested_by=cast.recruiter)
    assert refused.value.messages == [message] and refused.value.error_list[0].code == "locked"
    assert Candidate.objects.get(pk=candidate.pk).name == candidate.name


# -- what the edit keeps consistent ---------------------------------------------------------------------------------


def test_a_corrected_email_is_what_the_next_exports_duplicate_check_sees(cast, job):
    in_lever = CandidateFactory(connection=cast.connection, name="Ada in Lever", email="ada@new.example")
    result = local_person(cast, job, export=True)  # the mistyped email is someone else's
    assert result.export.status == ExportStatus.DUPLICATE
    assert result.export.matched_candidate == in_lever
    client = client_for(cast.recruiter)
    assert client.post(edit_url(result.candidate), EDITED).status_code == 302
    client.post(reverse("candidates:export", args=[result.candidate.pk]), {"token": "after-edit"})
    export = CandidateExport.objects.exclude(pk=result.export.pk).get()
    assert export.status == ExportStatus.PENDING and export.matched_candidate is None
    assert export.action.kind == WritebackKind.CREATE_CANDIDATE
    assert export.action.payload["emails"] == ["ada.king@new.example", "ada@home.example"]


def test_an_email_corrected_into_someone_elses_is_caught_by_the_export(cast, job):
    in_lever = CandidateFactory(
        connection=cast.connection, name="Grace in Lever", email="grace@lever.example"
    )
    candidate = local_person(cast, job).candidate
    data = {**EDITED, "emails": "Grace@Lever.Example", "linkedin_url": ""}
    assert client_for(cast.recruiter).post(edit_url(candidate), data).status_code == 302
    candidate.refresh_from_db()  # as the Export to ATS button reads them
    export = sourcing.candidate_export(candidate=candidate, requested_by=cast.recruiter)
    assert (export.status, export.matched_candidate, export.match_reason) == (
        ExportStatus.DUPLICATE,
        in_lever,
        "same email grace@lever.example",
    )
    assert not WritebackAction.objects.exists()


def test_a_change_moves_the_people_version_that_keeps_the_duplicates_caches(cast):
    candidate = local_person(cast).candidate
    before = workspace_versions(cast.workspace.pk).people
    client_for(cast.recruiter).post(edit_url(candidate), EDITED)
    assert workspace_versions(cast.workspace.pk).people != before


def test_an_unchanged_full_name_keeps_the_first_and_last_names(cast):
    new = NewCandidate(first_name="Ada", last_name="Lovelace", emails=("ada@new.example",))
    candidate = local_person(cast, new=new).candidate
    same_name = NewCandidate(name=" Ada  Lovelace ", emails=("ada@other.example",))
    saved = candidate_update_local(candidate=candidate, new=same_name, requested_by=cast.recruiter)
    assert (saved.first_name, saved.last_name, saved.email) == ("Ada", "Lovelace", "ada@other.example")
    renamed = candidate_update_local(
        candidate=saved, new=NewCandidate(name="Ada King"), requested_by=cast.recruiter
    )
    assert (renamed.name, renamed.first_name, renamed.last_name, renamed.emails) == ("Ada King", "", "", [])


def test_a_change_rescores_their_applications(cast, job, monkeypatch):
    result = local_person(cast, job)
    queued = []
    monkeypatch.setattr(sourcing, "applications_rescore", lambda apps: queued.append([a.pk for a in apps]))
    candidate_update_local(
        candidate=result.candidate, new=NewCandidate(name="Ada King"), requested_by=cast.recruiter
    )
    assert queued == [[result.application.pk]]
    candidate_update_local(
        candidate=result.candidate, new=NewCandidate(name="Ada King"), requested_by=cast.recruiter
    )
    assert queued == [[result.application.pk]]  # nothing changed: nothing to rescore


def test_a_first_email_fires_the_contact_found_trigger(cast, job):
    job_export_settings_update(job=job, trigger=ExportTrigger.CONTACT_FOUND, tier="", by=cast.recruiter)
    result = local_person(cast, job, new=NewCandidate(name="Ada Lovelace"))
    assert result.export is None
    response = client_for(cast.recruiter).post(
        edit_url(result.candidate), {**EDITED, "emails": "ada@later.example"}
    )
    assert response.status_code == 302
    export = CandidateExport.objects.get()
    assert (export.trigger, export.application, export.status) == (
        ExportCause.CONTACT_FOUND,
        result.application,
        ExportStatus.PENDING,
    )
    assert export.action.payload["emails"] == ["ada@later.example"]


# -- the profile's button ---------------------------------------------------------------------------------------------


def test_the_profile_offers_edit_details_for_local_people_to_members_who_write_back(cast):
    local = local_person(cast).candidate
    synced = CandidateFactory(connection=cast.connection)
    link = f'href="{edit_url(local)}"'
    assert link in client_for(cast.recruiter).get(profile_url(local)).content.decode()
    assert "Edit details" in client_for(cast.recruiter).get(profile_url(local)).content.decode()
    assert link not in client_for(cast.viewer).get(profile_url(local)).content.decode()
    assert link not in client_for(cast.hiring_manager).get(profile_url(local)).content.decode()
    assert "Edit details" not in client_for(cast.recruiter).get(profile_url(synced)).content.decode()
