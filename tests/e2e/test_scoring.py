"""A recruiter reads a fit score's evidence on a candidate page and agrees with it from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.candidates.models import Application
from apps.scoring import services
from apps.scoring.models import ScoreFeedback
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.e2e.test_browse import log_in
from tests.integrations.factories import ConnectionFactory
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db(transaction=True)


def test_recruiter_reads_the_evidence_and_agrees(page, live_server, screenshot):
    recruiter = UserFactory(email="rita@acme.example")
    connection = ConnectionFactory(workspace=MembershipFactory(user=recruiter, role="recruiter").workspace)
    application = application_with_resume(
        connection, job=job_to_score(connection), candidate__name="Grace Hopper"
    )
    services.score_applications(Application.objects.filter(pk=application.pk))

    log_in(page, live_server, "rita@acme.example")
    page.goto(f"{live_server.url}/candidates/{application.candidate_id}/")
    panel = page.locator(f"#score-{application.pk}")
    expect(panel.get_by_role("heading", name="Fit for Backend Engineer")).to_be_visible()
    expect(panel).to_contain_text("Kubernetes")  # a requirement, quoted with its evidence
    expect(panel).to_contain_text("Met")
    expect(panel).not_to_contain_text("Grace Hopper")  # the name never enters the explanation
    screenshot("score-panel")

    panel.get_by_label("Why (optional)").fill("Strong payments background")
    panel.get_by_role("button", name="Agree", exact=True).focus()
    page.keyboard.press("Enter")
    # htmx swaps the panel in place with the vote pressed
    expect(
        page.locator(f"#score-{application.pk}").get_by_role("button", name="Agree", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    feedback = ScoreFeedback.objects.get(application=application, user=recruiter)
    assert (feedback.verdict, feedback.reason) == ("up", "Strong payments background")
    screenshot("score-feedback")

    page.get_by_role("link", name="Ranking for this job").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fit scores")
    expect(page.locator("body")).to_contain_text("Grace Hopper")
    screenshot("score-job-ranking")
