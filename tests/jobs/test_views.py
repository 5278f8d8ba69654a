from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.jobs.models import JobStatus
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.jobs.factories import HiringTeamMemberFactory, JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db


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
