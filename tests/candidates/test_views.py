from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.candidates.models import Application
from apps.candidates.selectors import _decorate
from apps.scoring import services
from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    RejectionReasonFactory,
    TagFactory,
)
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import StageFactory
from tests.scoring.factories import ScoreFactory, application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


def names(response):
    return [candidate.name for candidate in response.context["page"].object_list]


def test_search_by_name_any_email_and_company(cast):
    CandidateFactory(
        connection=cast.connection, name="Ada Lovelace", emails=["ada@work.example", "ada@home.example"]
    )
    CandidateFactory(connection=cast.connection, name="Grace Hopper", current_company="Navy")
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("candidates:list"), {"q": "lovelace"})) == ["Ada Lovelace"]
    assert names(client.get(reverse("candidates:list"), {"q": "ada@home"})) == ["Ada Lovelace"]
    assert names(client.get(reverse("candidates:list"), {"q": "navy"})) == ["Grace Hopper"]


def test_filters_by_outcome_and_job(cast):
    hired = ApplicationFactory(connection=cast.connection, outcome="hired", candidate__name="Hired Person")
    active = ApplicationFactory(connection=cast.connection, candidate__name="Active Person")
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("candidates:list"), {"outcome": "hired"})) == ["Hired Person"]
    assert names(client.get(reverse("candidates:list"), {"job": active.job_id})) == ["Active Person"]
    assert hired.candidate.name not in names(client.get(reverse("candidates:list"), {"job": active.job_id}))


def test_profile_shows_every_application_and_the_union_of_their_tags(cast):
    candidate = CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    first = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Backend Engineer")
    second = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Data Engineer")
    first.tags.add(TagFactory(connection=cast.connection, name="python"))
    second.tags.add(TagFactory(connection=cast.connection, name="Tier 1"))
    NoteFactory(application=first, body="Great systems answer")
    InterviewFactory(application=second, title="Panel interview")
    AttachmentFactory(application=first, name="ada-cv.pdf")
    response = client_for(cast.viewer).get(reverse("candidates:detail", args=[candidate.pk]))
    assert response.context["tags"] == ["python", "Tier 1"]
    page = response.content.decode()
    for text in (
        "Backend Engineer",
        "Data Engineer",
        "Great systems answer",
        "Panel interview",
        "ada-cv.pdf",
    ):
        assert text in page


def test_profile_hides_records_deleted_in_lever(cast):
    application = ApplicationFactory(connection=cast.connection)
    NoteFactory(application=application, body="Removed note", remote_deleted_at=application.created_at)
    page = (
        client_for(cast.viewer)
        .get(reverse("candidates:detail", args=[application.candidate.pk]))
        .content.decode()
    )
    assert "Removed note" not in page and "Strong on distributed systems" not in page


@pytest.fixture
def _no_scoring_locks():
    cache.clear()  # scoring passes take cache locks
    yield
    cache.clear()


def profile(cast, candidate, user=None):
    return (
        client_for(user or cast.viewer)
        .get(reverse("candidates:detail", args=[candidate.pk]))
        .content.decode()
    )


def test_profile_header_links_to_lever_and_shows_who_the_person_is(cast):
    candidate = CandidateFactory(
        connection=cast.connection,
        name="Ada Lovelace",
        headline="Analyst of engines",
        location="London",
        current_title="Mathematician",
        current_company="Analytical Engines",
    )
    old = ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        applied_at=timezone.now() - timedelta(days=30),
        remote_url="https://hire.lever.co/candidates/old",
    )
    ApplicationFactory(
        connection=cast.connection, candidate=candidate, remote_url="https://hire.lever.co/candidates/new"
    )
    old.tags.add(TagFactory(connection=cast.connection, name="Referral"))
    page = profile(cast, candidate)
    assert "<h1>Ada Lovelace</h1>" in page
    assert "Analyst of engines · London" in page and "Mathematician at Analytical Engines" in page
    assert re.search(
        r'<a class="btn" href="https://hire.lever.co/candidates/new" target="_blank" rel="noopener noreferrer">'
        r"Open in Lever",
        page,
    )
    assert '<li class="badge brand">Referral</li>' in page


def test_contact_details_are_links_and_unsafe_urls_are_not(cast):
    candidate = CandidateFactory(
        connection=cast.connection,
        email="ada@example.org",
        emails=["ada@example.org", "ada@home.example"],
        phones=[{"type": "mobile", "value": "+44 (20) 7946-0958"}],
        linkedin_url="https://www.linkedin.com/in/ada/",
        links=["https://github.com/ada", "javascript:alert(1)", "https://linkedin.com/in/ada"],
    )
    page = profile(cast, candidate)
    assert '<a href="mailto:ada@home.example">ada@home.example</a>' in page
    assert '<a href="tel:+442079460958">+44 (20) 7946-0958</a> <small>(mobile)</small>' in page
    assert '<a href="https://www.linkedin.com/in/ada/" target="_blank" rel="noopener noreferrer">' in page
    assert '<a href="https://github.com/ada" target="_blank" rel="noopener noreferrer">' in page
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page  # shown, never linked
    assert page.count("linkedin.com/in/ada") == 2  # href and text: the same profile is not listed twice


def test_every_application_shows_its_job_stage_outcome_fit_and_an_actions_slot(cast):
    candidate = CandidateFactory(connection=cast.connection)
    stage = StageFactory(connection=cast.connection, name="Phone screen")
    active = ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        job__name="Backend Engineer",
        current_stage=stage,
        # Noon three days ago: three calendar days whatever the time of the run (as the board counts).
        stage_entered_at=timezone.localtime().replace(hour=12, minute=0) - timedelta(days=3),
        origin="referred",
        sources=["LinkedIn", "Referral"],
        owner=AtsUserFactory(connection=cast.connection, name="Rita Recruiter"),
    )
    ScoreFactory(application=active, score=81.4, tier="tier_1")
    rejected = ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        job__name="Data Engineer",
        outcome="rejected",
        archived_at=timezone.now(),
        rejection_reason=RejectionReasonFactory(connection=cast.connection, name="Timing"),
    )
    ApplicationFactory(connection=cast.connection, candidate=candidate, job=None)
    page = profile(cast, candidate, cast.recruiter)
    assert f'href="{reverse("jobs:detail", args=[active.job_id])}">Backend Engineer</a>' in page
    assert '<span class="badge tier_1">Tier 1</span>' in page and ">81<" in page
    assert "Phone screen" in page and "3 days in stage" in page
    assert "Referred" in page and "LinkedIn, Referral" in page and "Rita Recruiter" in page
    assert "Timing" in page and '<span class="badge rejected">Rejected</span>' in page
    assert "Lead <small" in page and "Not scored yet" in page
    # The recruiter actions of each application, with the slot their outcome lands in.
    for application in (active, rejected):
        assert f'id="action-result-{application.pk}"' in page
    assert reverse("actions:application-note", args=[active.pk]) in page
    assert reverse("actions:application-move", args=[rejected.pk]) not in page  # archived: no move
    assert "/actions/" not in profile(cast, candidate, cast.viewer)  # viewers get no write controls


@pytest.mark.usefixtures("_no_scoring_locks")
def test_each_resume_quote_links_to_its_passage_marked_in_the_resume_text(cast):
    application = application_with_resume(cast.connection, job=job_to_score(cast.connection))
    services.score_applications(Application.objects.filter(pk=application.pk))
    page = profile(cast, application.candidate)
    links = re.findall(rf'href="#(ev-{application.pk}-\d+-\d+)">“([^”]+)”', page)
    assert links, "the score panel quotes resume evidence"
    for anchor, snippet in links:
        marked = re.search(rf'<mark id="{anchor}"[^>]*>(?:<span[^>]*></span>)*([^<]*)</mark>', page)
        anchored = re.search(rf'<span class="evidence-anchor" id="{anchor}"', page)
        assert marked or anchored, anchor
        if marked:
            assert marked.group(1) == snippet
    assert f'<details class="card resume-text" id="resume-{application.pk}">' in page
    assert "Built payment services" in page


@pytest.mark.usefixtures("_no_scoring_locks")
def test_resume_text_on_the_profile_is_escaped(cast):
    text = (
        "<script>alert('resume')</script> Senior Backend Engineer\n"
        "Built payment services in Python on PostgreSQL, deployed on Kubernetes. <b onmouseover=x>bold</b>"
    )
    application = application_with_resume(cast.connection, job=job_to_score(cast.connection), text=text)
    services.score_applications(Application.objects.filter(pk=application.pk))
    page = profile(cast, application.candidate)
    assert "<script>alert('resume')" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&#x27;resume&#x27;)&lt;/script&gt;" in page
    assert "&lt;b onmouseover=x&gt;bold&lt;/b&gt;" in page


@pytest.mark.usefixtures("_no_scoring_locks")
def test_a_resume_that_changed_after_scoring_is_not_mismarked(cast):
    application = application_with_resume(cast.connection, job=job_to_score(cast.connection))
    services.score_applications(Application.objects.filter(pk=application.pk))
    application.attachments.update(extracted_text="Pastry chef. Baked bread every morning for years.")
    page = profile(cast, application.candidate)
    assert "<mark" not in page and "not found in this text" in page


def test_anonymised_people_show_no_contact_or_files(cast):
    candidate = CandidateFactory(connection=cast.connection, is_anonymized=True, email="gone@example.org")
    AttachmentFactory(
        application=ApplicationFactory(connection=cast.connection, candidate=candidate), name="cv.pdf"
    )
    page = profile(cast, candidate)
    assert "anonymised in Lever" in page and "gone@example.org" not in page and "cv.pdf" not in page


def test_profile_of_another_workspace_is_a_404(cast):
    candidate = CandidateFactory(connection=cast.connection)
    assert client_for(cast.outsider).get(reverse("candidates:detail", args=[candidate.pk])).status_code == 404


def test_the_timeline_polls_for_changes_every_ten_seconds_without_stealing_focus(cast):
    candidate = CandidateFactory(connection=cast.connection)
    page = profile(cast, candidate)
    assert f'hx-get="{reverse("candidates:changes", args=[candidate.pk])}?since=' in page
    # static/js/app.js cancels a poll while the tab is hidden or focus is inside (no eval under our CSP)
    assert 'hx-trigger="every 10s" data-poll-when-visible data-poll-when-idle' in page
    assert 'hx-swap="outerHTML"' in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://github.com/ada", "https://github.com/ada"),
        ("github.com/ada", "https://github.com/ada"),
        ("HTTP://Example.org/x?y=1", "http://example.org/x?y=1"),
        ("javascript:alert(1)", ""),
        ("JavaScript://example.org/%0Aalert(1)", ""),
        ("data:text/html,<script>", ""),
        ("mailto:ada@example.org", ""),
        ("https://", ""),
        ("not a url", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_web_urls_become_links(value, expected):
    from apps.candidates.selectors import safe_web_url

    assert safe_web_url(value).lower() == expected.lower()


def test_secret_notes_are_read_by_those_who_write_back_only(cast):
    application = ApplicationFactory(connection=cast.connection)
    NoteFactory(application=application, body="Salary expectations: 180k", secret=True)
    NoteFactory(application=application, body="Open note for everyone")
    for user in (cast.viewer, cast.hiring_manager):
        page = profile(cast, application.candidate, user)
        assert "Open note for everyone" in page
        assert "Salary expectations" not in page and "Only recruiters and admins read secret notes." in page
    assert "Salary expectations: 180k" in profile(cast, application.candidate, cast.recruiter)


def test_days_in_stage_count_calendar_days_as_the_board_does(cast):
    application = ApplicationFactory(connection=cast.connection)
    tz = timezone.get_current_timezone()
    application.stage_entered_at = datetime(2026, 3, 1, 23, 30, tzinfo=tz)
    assert _decorate(application, datetime(2026, 3, 2, 0, 30, tzinfo=tz)).days_in_stage == 1  # an hour, a day
    assert _decorate(application, datetime(2026, 3, 1, 23, 59, tzinfo=tz)).days_in_stage == 0
