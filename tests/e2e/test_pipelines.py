"""A recruiter's day in the browser, against the Lever sandbox over loopback HTTP.

Log in → Jobs → the demo job → its pipeline → filter Tier 1 → open the best candidate and follow a
quoted piece of evidence into the resume → back to the board → move them to the next stage from the
keyboard and see it confirmed → reject another with a reason → add a note. Each action is then read
back from the sandbox through our own Lever client. Screenshots of every page land in artifacts/e2e/.

The outbox worker runs inline (django-q2 sync mode in tests), so a write-back is sent during the
request that enqueued it and its status chip turns "done" on the next poll. The test thread reads
the database only before the browser starts: live_server shares one SQLite connection across threads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from apps.candidates.models import Application, Outcome, ReasonType, RejectionReason
from apps.jobs.models import JobStage
from apps.lever_sandbox.server import SandboxServer
from apps.scoring import services
from apps.scoring.models import Score, Tier
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.e2e.test_browse import log_in
from tests.integrations.writeback_sandbox import lever, synced_connection

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Strong payments background; invite to the onsite loop."


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=3, opportunities=60, rate_limit=False) as server:
        yield server


@dataclass(frozen=True)
class Demo:
    """What the test needs to know about the synced data, read before the browser starts."""

    job_pk: int
    job_name: str
    star_pk: int
    star_name: str
    star_remote_id: str
    next_stage_name: str
    next_stage_remote_id: str
    other_pk: int
    other_candidate_pk: int
    other_remote_id: str
    reason_name: str
    reason_remote_id: str


def demo_data(connection) -> Demo:
    """The job with the most Tier 1 applicants who can still move forward, and two of its applicants."""
    services.score_applications(Application.objects.filter(connection=connection))
    stages_of: dict[int, list] = {}
    for job_stage in JobStage.objects.filter(job__connection=connection).select_related("stage"):
        stages_of.setdefault(job_stage.job_id, []).append(job_stage)
    movable = []
    for score in (
        Score.objects.filter(
            job__connection=connection, tier=Tier.TIER_1, application__outcome=Outcome.ACTIVE
        )
        .select_related("application__candidate", "application__current_stage", "job")
        .order_by("-score")
    ):
        pipeline = [js.stage for js in sorted(stages_of.get(score.job_id, []), key=lambda js: js.position)]
        current = score.application.current_stage
        if current in pipeline and pipeline.index(current) + 1 < len(pipeline):
            movable.append((score, pipeline[pipeline.index(current) + 1]))
    assert movable, "the sandbox should hold a Tier 1 applicant who can move forward"
    by_job: dict[int, int] = {}
    for score, _ in movable:
        by_job[score.job_id] = by_job.get(score.job_id, 0) + 1
    star, next_stage = next((s, n) for s, n in movable if by_job[s.job_id] == max(by_job.values()))
    other = (
        Application.objects.filter(job=star.job, outcome=Outcome.ACTIVE)
        .exclude(pk=star.application_id)
        .select_related("candidate")
        .first()
    )
    assert other is not None, "the demo job should have a second active applicant"
    reason = RejectionReason.objects.filter(
        connection=connection, reason_type=ReasonType.NON_HIRED, is_active=True
    ).first()
    return Demo(
        job_pk=star.job_id,
        job_name=star.job.name,
        star_pk=star.application_id,
        star_name=star.application.candidate.name,
        star_remote_id=star.application.remote_id,
        next_stage_name=next_stage.name,
        next_stage_remote_id=next_stage.remote_id,
        other_pk=other.pk,
        other_candidate_pk=other.candidate_id,
        other_remote_id=other.remote_id,
        reason_name=reason.name,
        reason_remote_id=reason.remote_id,
    )


def test_a_recruiter_ranks_reads_the_evidence_and_acts_in_lever(page, live_server, screenshot, sandbox):
    connection = synced_connection(sandbox)
    recruiter = UserFactory(email="rita@acme.example", full_name="Rita Recruiter")
    MembershipFactory(workspace=connection.workspace, user=recruiter, role="recruiter")
    demo = demo_data(connection)

    log_in(page, live_server, recruiter.email)
    expect(page.get_by_role("heading", name=demo.job_name).first).to_be_visible()  # the dashboard's funnels
    screenshot("pipelines-1-dashboard")

    # Jobs → the demo job → its pipeline
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    page.get_by_role("link", name=demo.job_name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.job_name)
    screenshot("pipelines-2-job-detail")
    page.get_by_role("link", name="Open pipeline").first.click()
    expect(page).to_have_url(f"{live_server.url}/jobs/{demo.job_pk}/pipeline/")
    screenshot("pipelines-3-board")

    # Filter Tier 1: the URL says so, and every card left is a Tier 1
    page.get_by_label("Tier", exact=True).select_option(Tier.TIER_1)
    expect(page).to_have_url(re.compile(r"tier=tier_1"))
    star_card = page.locator(f'article[aria-labelledby="card-{demo.star_pk}-name"]')
    expect(star_card).to_be_visible()
    cards = page.locator("article.pcard")
    expect(cards.locator(".badge.tier_1")).to_have_count(cards.count())
    screenshot("pipelines-4-board-tier-1")

    # The best candidate's profile: follow a quoted piece of evidence into the resume text
    star_card.get_by_role("link", name=demo.star_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.star_name)
    panel = page.locator(f"#score-{demo.star_pk}")
    expect(panel).to_contain_text("Met")
    quote = panel.locator('a[href^="#ev-"]').first
    target = quote.get_attribute("href")
    quote.click()
    highlighted = page.locator(f'[id="{target[1:]}"]')
    expect(highlighted).to_be_visible()
    assert highlighted.evaluate("node => node.closest('mark') !== null")
    screenshot("pipelines-5-profile-evidence")

    # Back to the filtered board, then move the star to the next stage with the keyboard alone
    page.go_back()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/pipeline/\?.*tier=tier_1"))
    star_card = page.locator(f'article[aria-labelledby="card-{demo.star_pk}-name"]')
    star_card.locator("summary").focus()
    page.keyboard.press("Enter")
    star_card.get_by_label(f"New stage for {demo.star_name}").select_option(label=demo.next_stage_name)
    star_card.get_by_role("button", name="Move").focus()
    page.keyboard.press("Enter")
    expect(star_card.locator(".writeback-status")).to_contain_text(f"Move to {demo.next_stage_name}: done")
    screenshot("pipelines-6-moved")

    # Another applicant: reject with a reason, then add a note
    page.goto(f"{live_server.url}/candidates/{demo.other_candidate_pk}/")
    actions = page.locator(f"#application-actions-{demo.other_pk}")
    actions.get_by_label("Reject because").select_option(label=demo.reason_name)
    actions.get_by_role("button", name="Reject").click()
    result = page.locator(f"#action-result-{demo.other_pk}")
    expect(result).to_contain_text(f"Reject ({demo.reason_name}): done")
    actions.get_by_label("Add note").fill(NOTE)
    actions.get_by_role("button", name="Add note").click()
    expect(result).to_contain_text("done", timeout=10_000)
    expect(result.locator('[data-status="succeeded"]')).to_have_count(2)
    screenshot("pipelines-7-rejected-and-noted")

    # Everything reached Lever
    with lever(sandbox) as client:
        assert client.get_opportunity(demo.star_remote_id)["stage"] == demo.next_stage_remote_id
        rejected = client.get_opportunity(demo.other_remote_id)
        assert rejected["archived"]["reason"] == demo.reason_remote_id
        notes = [
            field.get("value") for note in client.iter_notes(demo.other_remote_id) for field in note["fields"]
        ]
        assert NOTE in notes

    # The other pages a recruiter uses, for the record
    page.goto(f"{live_server.url}/jobs/{demo.job_pk}/pipeline/list/?sort=-score")
    expect(page.locator("table.pipeline-table")).to_be_visible()
    screenshot("pipelines-8-list")
    page.goto(f"{live_server.url}/candidates/?q={demo.star_name.split()[0]}")
    expect(page.get_by_role("link", name=demo.star_name).first).to_be_visible()
    screenshot("pipelines-9-candidate-search")
