from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.candidates.models import Application
from apps.scoring import services
from apps.scoring.models import ScoreFeedback, ScoringProfile, ScoringSettings
from tests.candidates.factories import RejectionReasonFactory
from tests.conftest import client_for
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(cast):
    application = application_with_resume(
        cast.connection, job=job_to_score(cast.connection), candidate__name="Ada"
    )
    services.score_applications(Application.objects.all())
    return application


def feedback_url(application):
    return reverse("scoring:application-feedback", args=[application.pk])


def test_candidate_page_shows_the_score_panel_with_its_evidence(cast, scored):
    response = client_for(cast.viewer).get(reverse("candidates:detail", args=[scored.candidate_id]))
    page = response.content.decode()
    assert f'id="score-{scored.pk}"' in page
    for text in ("Tier 1", "Must-have requirements", "PostgreSQL", "Built payment services", "engine 2025"):
        assert text in page
    assert "Not used" in page and "name" in page


def test_candidate_page_says_when_an_application_is_not_scored_yet(cast):
    application = application_with_resume(cast.connection, job=job_to_score(cast.connection))
    response = client_for(cast.viewer).get(reverse("candidates:detail", args=[application.candidate_id]))
    assert "Not scored yet" in response.content.decode()


def test_feedback_by_htmx_returns_only_the_panel_and_can_be_changed(cast, scored):
    client = client_for(cast.recruiter)
    response = client.post(feedback_url(scored), {"verdict": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and f'id="score-{scored.pk}"' in response.content.decode()
    client.post(
        feedback_url(scored), {"verdict": "down", "reason": "No payments work"}, HTTP_HX_REQUEST="true"
    )
    feedback = ScoreFeedback.objects.get()
    assert (feedback.verdict, feedback.reason, feedback.tier) == ("down", "No payments work", "tier_1")


def test_feedback_without_htmx_goes_back_to_the_candidate(cast, scored):
    response = client_for(cast.recruiter).post(feedback_url(scored), {"verdict": "up"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/candidates/{scored.candidate_id}/#score-{scored.pk}")


def test_an_invalid_verdict_is_refused_in_plain_words(cast, scored):
    response = client_for(cast.recruiter).post(
        feedback_url(scored), {"verdict": "maybe"}, HTTP_HX_REQUEST="true"
    )
    assert "Choose agree or disagree" in response.content.decode()
    assert not ScoreFeedback.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "hiring_manager"])
def test_viewers_and_hiring_managers_cannot_give_feedback(cast, scored, role):
    response = client_for(getattr(cast, role)).post(feedback_url(scored), {"verdict": "up"})
    assert response.status_code == 403
    assert not ScoreFeedback.objects.exists()


def test_another_workspaces_score_is_a_404(cast, scored):
    client = client_for(cast.outsider)
    assert client.post(feedback_url(scored), {"verdict": "up"}).status_code == 404
    assert client.get(reverse("scoring:job", args=[scored.job_id])).status_code == 404
    assert client.get(reverse("scoring:job-export", args=[scored.job_id])).status_code == 404


def test_job_page_ranks_and_shows_agreement(cast, scored):
    client_for(cast.recruiter).post(feedback_url(scored), {"verdict": "up"})
    response = client_for(cast.viewer).get(reverse("scoring:job", args=[scored.job_id]))
    assert response.status_code == 200
    agreement = response.context["agreement"]
    assert (agreement.up, agreement.down, agreement.up_share) == (1, 0, 1.0)
    assert [s.application_id for s in response.context["ranking"]] == [scored.pk]
    assert "100% of 1 vote" in response.content.decode()


def test_a_recruiter_edits_the_profile_and_the_job_is_rescored(
    cast, scored, django_capture_on_commit_callbacks
):
    data = {
        f"weight_{n}": "0.2" for n in ("must_haves", "relevance", "experience", "seniority", "nice_to_haves")
    }
    data |= {"must_haves": "Rust\n- Erlang\n", "nice_to_haves": "", "required_years": "3"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.recruiter).post(reverse("scoring:job-profile", args=[scored.job_id]), data)
    assert response.status_code == 302
    profile = ScoringProfile.objects.get(job_id=scored.job_id)
    assert profile.must_haves == ["Rust", "Erlang"] and profile.required_years == 3
    texts = [
        r["text"] for r in scored.score.__class__.objects.get(application=scored).explanation["requirements"]
    ]
    assert "Rust" in texts


def test_a_profile_with_all_weights_zero_is_refused(cast, scored):
    data = {
        f"weight_{n}": "0" for n in ("must_haves", "relevance", "experience", "seniority", "nice_to_haves")
    }
    response = client_for(cast.recruiter).post(reverse("scoring:job-profile", args=[scored.job_id]), data)
    assert response.status_code == 400
    assert "at least one component" in response.content.decode()


def test_a_viewer_cannot_edit_the_profile(cast, scored):
    response = client_for(cast.viewer).post(reverse("scoring:job-profile", args=[scored.job_id]), {})
    assert response.status_code == 403


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_audit_csv_has_pseudonyms_decisions_and_no_names(cast, scored):
    reason = RejectionReasonFactory(connection=cast.connection, name="Hired", reason_type="hired")
    Application.objects.filter(pk=scored.pk).update(outcome="hired", rejection_reason=reason)
    client_for(cast.recruiter).post(feedback_url(scored), {"verdict": "down"})
    response = client_for(cast.recruiter).get(reverse("scoring:job-export", args=[scored.job_id]))
    assert response["Content-Type"].startswith("text/csv")
    (row,) = read_csv(response)
    assert row["tier"] == "Tier 1" and row["recommended"] == "yes" and row["hired"] == "yes"
    assert (row["archive_reason_type"], row["feedback_down"]) == ("hired", "1")
    assert len(row["application_pseudonym"]) == 20
    assert "Ada" not in response.content.decode() and scored.remote_id not in response.content.decode()


def test_audit_csv_neutralises_formulas(cast, scored):
    scored.job.name = '=HYPERLINK("http://evil")'
    scored.job.save()
    reason = RejectionReasonFactory(connection=cast.connection, name="@SUM(A1)")
    Application.objects.filter(pk=scored.pk).update(outcome="rejected", rejection_reason=reason)
    (row,) = read_csv(client_for(cast.recruiter).get(reverse("scoring:job-export", args=[scored.job_id])))
    assert row["job_name"].startswith("'=") and row["archive_reason"] == "'@SUM(A1)"


def test_join_keys_are_for_owners_and_admins_only(cast, scored):
    url = reverse("scoring:job-join-keys", args=[scored.job_id])
    assert client_for(cast.recruiter).get(url).status_code == 403
    (row,) = read_csv(client_for(cast.admin).get(url))
    assert row["lever_opportunity_id"] == scored.remote_id


def test_settings_are_for_owners_and_admins(cast):
    assert client_for(cast.recruiter).get(reverse("scoring:settings")).status_code == 403
    assert client_for(cast.owner).get(reverse("scoring:settings")).status_code == 200


def test_settings_page_previews_then_turning_on_sends(cast, scored, django_capture_on_commit_callbacks):
    from apps.integrations.models import WritebackAction

    client = client_for(cast.owner)
    page = client.get(reverse("scoring:settings")).content.decode()
    assert "Add tag “Recruitdesk: Tier 1 match”" in page and "nothing has been sent" in page
    assert not WritebackAction.objects.exists()
    data = {
        "writeback_enabled": "on",
        "tier_1_tag": "Top fit",
        "tier_2_tag": "Good fit",
        "tier_3_tag": "",
        "write_notes": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:settings"), data)
    assert response.status_code == 302
    assert ScoringSettings.objects.get().tier_1_tag == "Top fit"
    assert WritebackAction.objects.filter(application=scored, payload__tag="Top fit").count() == 1
