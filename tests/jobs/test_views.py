from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.jobs.models import JobStatus
from apps.scoring.engine.types import COMPONENTS
from apps.scoring.models import ScoringProfile
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import (
    HiringTeamMemberFactory,
    JobFactory,
    JobScreeningQuestionFactory,
    JobStageFactory,
)
from tests.scoring.factories import ScoreFactory, ScoringProfileFactory

pytestmark = pytest.mark.django_db
JOB_PAGE_QUERIES = 8
LIST_QUERIES = 9


def names(response):
    return [job.name for job in response.context["page"].object_list]


def test_empty_workspace_gets_a_helpful_empty_state(cast):
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    assert "No jobs yet" in page and "Connect Lever" in page


def test_search_and_filters(cast):
    JobFactory(
        connection=cast.connection, name="Data Engineer", department="Data", requisition_codes=["ENG-145"]
    )
    JobFactory(connection=cast.connection, name="Recruiter", department="People", status=JobStatus.CLOSED)
    JobFactory(connection=cast.connection, name="Old role", remote_deleted_at=timezone.now())
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("jobs:list"))) == ["Data Engineer", "Recruiter"]
    assert names(client.get(reverse("jobs:list"), {"q": "data"})) == ["Data Engineer"]
    assert names(client.get(reverse("jobs:list"), {"q": "ENG-145"})) == ["Data Engineer"]
    assert names(client.get(reverse("jobs:list"), {"status": "open"})) == ["Data Engineer"]
    assert names(client.get(reverse("jobs:list"), {"status": "closed"})) == ["Recruiter"]
    assert names(client.get(reverse("jobs:list"), {"department": "People"})) == ["Recruiter"]
    assert "Old role" in names(client.get(reverse("jobs:list"), {"deleted": "1"}))
    filtered_empty = client.get(reverse("jobs:list"), {"q": "astronaut"}).content.decode()
    assert "No jobs match these filters" in filtered_empty


def test_htmx_search_returns_only_the_results(cast):
    JobFactory(connection=cast.connection, name="Data Engineer")
    response = client_for(cast.recruiter).get(
        reverse("jobs:list"), {"q": "data"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="job-results">')
    assert "<html" not in body and "Data Engineer" in body


def test_pagination_keeps_the_filters(cast):
    for n in range(30):
        JobFactory(connection=cast.connection, name=f"Engineer {n:02d}")
    client = client_for(cast.recruiter)
    first = client.get(reverse("jobs:list"), {"q": "Engineer"})
    assert len(first.context["page"].object_list) == 25
    assert "q=Engineer&amp;page=2" in first.content.decode()
    second = client.get(reverse("jobs:list"), {"q": "Engineer", "page": "2"})
    assert names(second) == [f"Engineer {n}" for n in range(25, 30)]
    assert client.get(reverse("jobs:list"), {"page": "junk"}).status_code == 200


def test_active_application_counts_ignore_rejected_and_deleted(cast):
    job = JobFactory(connection=cast.connection)
    ApplicationFactory(connection=cast.connection, job=job)
    ApplicationFactory(connection=cast.connection, job=job, outcome="rejected")
    ApplicationFactory(connection=cast.connection, job=job, remote_deleted_at=timezone.now())
    response = client_for(cast.recruiter).get(reverse("jobs:list"))
    assert response.context["page"].object_list[0].active_applications == 1


def test_detail_shows_stages_with_counts_and_the_hiring_team(cast):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection), stage__name="Phone Screen")
    ApplicationFactory(connection=cast.connection, job=job_stage.job, current_stage=job_stage.stage)
    member = HiringTeamMemberFactory(job=job_stage.job)
    response = client_for(cast.recruiter).get(reverse("jobs:detail", args=[job_stage.job.pk]))
    assert response.context["stages"] == [(job_stage.stage, 1)]
    page = response.content.decode()
    assert "Phone Screen" in page and member.user.name in page


# -- the list: filters, per-stage counts, last activity, htmx, query bounds --------------------------------


def test_the_filter_form_has_labels_and_every_filter(cast):
    owner = AtsUserFactory(connection=cast.connection, name="Olga Owner")
    JobFactory(connection=cast.connection, owner=owner, team="Platform", location="Berlin")
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    for name, label in (
        ("q", "Search"),
        ("status", "Status"),
        ("department", "Department"),
        ("team", "Team"),
        ("location", "Location"),
        ("person", "Owner or hiring manager"),
        ("confidential", "Confidential"),
    ):
        assert f'id="job-{name}"' in page and f'for="job-{name}">{label}</label>' in page, name
    assert f'<option value="{owner.pk}" >Olga Owner</option>' in page
    assert 'method="get"' in page and 'hx-push-url="true"' in page


def test_each_filter_works_through_the_page(cast):
    person = AtsUserFactory(connection=cast.connection)
    JobFactory(connection=cast.connection, name="A", team="Core", location="Paris", hiring_manager=person)
    JobFactory(connection=cast.connection, name="B", team="Edge", location="Rome", confidential=True)
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("jobs:list"), {"team": "Edge"})) == ["B"]
    assert names(client.get(reverse("jobs:list"), {"location": "Paris"})) == ["A"]
    assert names(client.get(reverse("jobs:list"), {"person": person.pk})) == ["A"]
    assert names(client.get(reverse("jobs:list"), {"confidential": "yes"})) == ["B"]
    assert names(client.get(reverse("jobs:list"), {"confidential": "no"})) == ["A"]
    filtered = client.get(reverse("jobs:list"), {"team": "Edge"}).content.decode()
    assert "Clear filters" in filtered and "1 job matches these filters" in filtered


def test_rows_show_counts_per_stage_last_activity_and_a_pipeline_link(cast):
    job = JobFactory(connection=cast.connection, name="Data Engineer")
    new = JobStageFactory(job=job, stage__name="New", position=0).stage
    screen = JobStageFactory(job=job, stage__name="Screen", position=1).stage
    JobStageFactory(job=job, stage__name="Offer", position=2)
    for stage in (new, new, screen):
        ApplicationFactory(connection=cast.connection, job=job, current_stage=stage)
    ApplicationFactory(connection=cast.connection, job=job, current_stage=screen, outcome="rejected")
    response = client_for(cast.recruiter).get(reverse("jobs:list"))
    row = response.context["jobs"][0]
    assert [(s.name, s.count) for s in row.stage_counts] == [("New", 2), ("Screen", 1), ("Offer", 0)]
    page = response.content.decode()
    assert "<li>New <strong>2</strong></li><li>Screen <strong>1</strong></li>" in page
    assert "Offer <strong>" not in page  # empty stages stay out of the compact list
    assert row.last_activity is not None and f'<time datetime="{row.last_activity.isoformat()}' in page
    assert reverse("jobs:pipeline", args=[job.pk]) in page


def test_the_list_costs_the_same_queries_for_3_or_20_jobs(cast):
    client = client_for(cast.recruiter)
    client.get(reverse("jobs:list"))  # the first request also saves the session

    def add_jobs(n):
        for _ in range(n):
            job = JobFactory(connection=cast.connection, owner=AtsUserFactory(connection=cast.connection))
            stage = JobStageFactory(job=job, position=0).stage
            ApplicationFactory(connection=cast.connection, job=job, current_stage=stage)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("jobs:list"))
        return len(captured)

    add_jobs(3)
    with_three = queries()
    add_jobs(17)
    assert queries() == with_three
    # Session, user, membership, the layout's banners; the count, the page of jobs, their applications
    # (activity and stage counts at once), their stages, the filter choices (two).
    assert with_three <= LIST_QUERIES


def test_htmx_history_restore_gets_the_whole_page(cast):
    JobFactory(connection=cast.connection, name="Data Engineer")
    response = client_for(cast.recruiter).get(
        reverse("jobs:list"),
        {"q": "data"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_pagination_links_swap_only_the_results_with_htmx(cast):
    for n in range(30):
        JobFactory(connection=cast.connection, name=f"Engineer {n:02d}")
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    assert 'hx-boost="true" hx-target="#job-results"' in page
    assert 'href="?page=2"' in page  # a real link without JavaScript


def test_list_output_is_escaped(cast):
    JobFactory(connection=cast.connection, name="<img src=x onerror=alert(1)>")
    page = client_for(cast.recruiter).get(reverse("jobs:list")).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


# -- the job page ------------------------------------------------------------------------------------------


def profile_data(**overrides):
    data = {f"weight_{name}": "0.2" for name in COMPONENTS}
    data |= {"must_haves": "Rust\nErlang", "nice_to_haves": "Elixir", "required_years": "3"}
    return data | overrides


def detail_url(job):
    return reverse("jobs:detail", args=[job.pk])


def profile_url(job):
    return reverse("scoring:job-profile", args=[job.pk])


def test_detail_shows_the_posting_safely(cast):
    job = JobFactory(
        connection=cast.connection,
        description="",
        description_html="<p>We build <b>payments</b>.</p><p>Join us.</p><script>steal()</script>",
        requirement_lists=[{"text": "What you bring", "items": ["Python", "SQL"]}],
        closing_html="<p>We value <i>diversity</i>.</p>",
        salary_min=60000,
        salary_max=80000,
        salary_currency="EUR",
        salary_interval="per-year-salary",
        all_locations=["Berlin", "Remote EU"],
        workplace_type="hybrid",
        remote_url="https://hire.lever.co/jobs/postings/abc",
    )
    page = client_for(cast.viewer).get(detail_url(job)).content.decode()
    assert "<p>We build payments.</p>" in page and "<p>Join us.</p>" in page
    assert "<b>payments</b>" not in page and "steal()" not in page
    assert "<h3>What you bring</h3>" in page and "<li>Python</li>" in page
    assert "We value diversity." in page
    assert "EUR 60,000–80,000" in page and "Berlin, Remote EU" in page and "Hybrid" in page
    assert 'href="https://hire.lever.co/jobs/postings/abc"' in page and "Open in Lever ↗" in page
    assert f'class="btn primary" href="{reverse("jobs:pipeline", args=[job.pk])}">Open pipeline' in page


def test_plain_description_keeps_its_paragraphs_and_is_escaped(cast):
    job = JobFactory(connection=cast.connection, description="First <line>\n\nSecond paragraph")
    page = client_for(cast.viewer).get(detail_url(job)).content.decode()
    assert "<p>First &lt;line&gt;</p>" in page and "<p>Second paragraph</p>" in page


def test_detail_shows_team_roles_questions_and_stage_links(cast):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection), stage__name="Phone Screen")
    job = job_stage.job
    HiringTeamMemberFactory(job=job, user__name="Hana Manager", team_role="hiring_manager")
    HiringTeamMemberFactory(job=job, user__name="Finn Follower", team_role="follower")
    JobScreeningQuestionFactory(job=job, question__text="Do you need a visa?", required=True)
    page = client_for(cast.viewer).get(detail_url(job)).content.decode()
    assert 'Hana Manager <small class="muted">Hiring manager' in page
    assert 'Finn Follower <small class="muted">Follower' in page
    assert "Do you need a visa?" in page and "Required" in page
    pipeline_list = reverse("jobs:pipeline-list", args=[job.pk])
    assert f'<a href="{pipeline_list}?stage={job_stage.stage_id}">Phone Screen</a>' in page


def test_recruiters_get_the_profile_form_and_viewers_a_read_only_profile(cast):
    job = JobFactory(connection=cast.connection)
    ScoringProfileFactory(job=job, must_haves=["Kubernetes"], required_years=4)
    recruiter_page = client_for(cast.recruiter).get(detail_url(job)).content.decode()
    assert f'action="{profile_url(job)}"' in recruiter_page
    assert f'name="next" value="{detail_url(job)}#scoring-profile"' in recruiter_page
    viewer_page = client_for(cast.viewer).get(detail_url(job)).content.decode()
    assert f'action="{profile_url(job)}"' not in viewer_page
    assert "<li>Kubernetes</li>" in viewer_page and "<dd>4</dd>" in viewer_page
    assert "Relevance to the job:" in viewer_page  # the weights, as shares


def test_saving_the_profile_from_the_job_page_returns_there(cast, django_capture_on_commit_callbacks):
    job = JobFactory(connection=cast.connection)
    client = client_for(cast.recruiter)
    next_url = f"{detail_url(job)}#scoring-profile"
    response = client.post(profile_url(job), profile_data(next=next_url))
    assert response.status_code == 302 and response["Location"] == next_url
    assert ScoringProfile.objects.get(job=job).must_haves == ["Rust", "Erlang"]
    page = client.get(response["Location"]).content.decode()
    assert "Scoring profile saved. The pipeline is being rescored in the background." in page


def test_an_invalid_profile_from_the_job_page_shows_the_job_page_with_errors(cast):
    job = JobFactory(connection=cast.connection, name="Platform Engineer")
    data = profile_data(next=f"{detail_url(job)}#scoring-profile", required_years="-3", weight_relevance="x")
    response = client_for(cast.recruiter).post(profile_url(job), data)
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "jobs/detail.html"
    page = response.content.decode()
    assert '<h2 id="posting-h">Posting</h2>' in page  # the job page, not the scoring page
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Enter a number." in page
    assert not ScoringProfile.objects.filter(job=job).exists()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/jobs/1/", "//evil.example/", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(cast, next_url):
    job = JobFactory(connection=cast.connection)
    response = client_for(cast.recruiter).post(profile_url(job), profile_data(next=next_url))
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:job", args=[job.pk])


def test_an_invalid_profile_without_next_stays_on_the_scoring_page(cast):
    job = JobFactory(connection=cast.connection)
    response = client_for(cast.recruiter).post(profile_url(job), profile_data(required_years="-1"))
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "scoring/job.html"


def test_viewers_cannot_save_the_profile_from_the_job_page(cast):
    job = JobFactory(connection=cast.connection)
    response = client_for(cast.viewer).post(profile_url(job), profile_data(next=detail_url(job)))
    assert response.status_code == 403


def test_scoring_status_says_when_a_rescore_is_under_way(cast):
    job = JobFactory(connection=cast.connection)
    ScoreFactory(application=ApplicationFactory(connection=cast.connection, job=job))
    ApplicationFactory(connection=cast.connection, job=job)  # not scored yet
    client = client_for(cast.viewer)
    page = client.get(detail_url(job)).content.decode()
    assert "1 of 2 applications scored" in page and "Rescoring in progress" not in page
    ScoringProfileFactory(job=job)  # saved after the score was computed
    page = client.get(detail_url(job)).content.decode()
    assert "Rescoring in progress" in page


def test_scoring_status_counts_every_alive_application_of_every_stage(cast):
    job_stage = JobStageFactory(job=JobFactory(connection=cast.connection), stage__name="Phone Screen")
    job = job_stage.job
    ScoreFactory(
        application=ApplicationFactory(connection=cast.connection, job=job, current_stage=job_stage.stage)
    )
    ScoreFactory(application=ApplicationFactory(connection=cast.connection, job=job, outcome="rejected"))
    ApplicationFactory(connection=cast.connection, job=job, current_stage=job_stage.stage)
    ApplicationFactory(connection=cast.connection, job=job, remote_deleted_at=timezone.now())
    response = client_for(cast.viewer).get(detail_url(job))
    assert "2 of 3 applications scored" in response.content.decode()
    assert response.context["stages"] == [(job_stage.stage, 2)] and response.context["active_count"] == 2


def test_a_deleted_jobs_applications_are_not_scorable(cast):
    job = JobFactory(connection=cast.connection, remote_deleted_at=timezone.now())
    ScoreFactory(application=ApplicationFactory(connection=cast.connection, job=job))
    page = client_for(cast.viewer).get(detail_url(job)).content.decode()
    assert "0 of 0 applications scored" in page


def test_the_job_page_costs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    """The job with its people and scoring profile (and who changed it), the applications (stage counts
    and scoring status at once), the stages, the hiring team, the questions; whatever their number."""
    job = JobFactory(
        connection=cast.connection,
        owner=AtsUserFactory(connection=cast.connection),
        hiring_manager=AtsUserFactory(connection=cast.connection),
    )
    ScoringProfileFactory(job=job, updated_by=cast.recruiter)
    for position, name in enumerate(["New", "Screen", "Onsite"]):
        stage = JobStageFactory(job=job, stage__name=name, position=position).stage
        ScoreFactory(application=ApplicationFactory(connection=cast.connection, job=job, current_stage=stage))
    HiringTeamMemberFactory.create_batch(3, job=job)
    JobScreeningQuestionFactory.create_batch(3, job=job)
    client = client_for(cast.recruiter)
    client.get(detail_url(job))  # the first request also saves the session
    # Session, user, membership and the layout's banners included.
    with django_assert_max_num_queries(JOB_PAGE_QUERIES):
        page = client.get(detail_url(job)).content.decode()
    assert f"by {cast.recruiter}" in page  # the profile's author came with the job
