from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.jobs import selectors
from apps.jobs.selectors import JobFilters
from tests.candidates.factories import ApplicationFactory
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db


def names(workspace, **params):
    jobs = selectors.job_list(workspace=workspace, filters=JobFilters.from_query(params))
    return [job.name for job in jobs]


@pytest.fixture
def jobs(cast):
    alice = AtsUserFactory(connection=cast.connection, name="Alice")
    bob = AtsUserFactory(connection=cast.connection, name="Bob")
    JobFactory(
        connection=cast.connection,
        name="Data Engineer",
        department="Data",
        team="Analytics",
        location="Berlin",
        owner=alice,
    )
    JobFactory(
        connection=cast.connection,
        name="Designer",
        department="Product",
        team="Design",
        location="Lisbon",
        all_locations=["Lisbon", "Remote EU"],
        hiring_manager=alice,
        confidential=True,
    )
    JobFactory(
        connection=cast.connection,
        name="Recruiter",
        department="People",
        team="Talent",
        location="London",
        owner=bob,
        status="closed",
    )
    return {"alice": alice, "bob": bob}


def test_each_filter_narrows_the_list(cast, jobs):
    ws = cast.workspace
    assert names(ws) == ["Data Engineer", "Designer", "Recruiter"]
    assert names(ws, department="Product") == ["Designer"]
    assert names(ws, team="Talent") == ["Recruiter"]
    assert names(ws, location="Berlin") == ["Data Engineer"]
    assert names(ws, location="Remote EU") == ["Designer"]  # any of the job's locations
    assert names(ws, person=str(jobs["alice"].pk)) == ["Data Engineer", "Designer"]  # owner or manager
    assert names(ws, person=str(jobs["bob"].pk)) == ["Recruiter"]
    assert names(ws, confidential="yes") == ["Designer"]
    assert names(ws, confidential="no") == ["Data Engineer", "Recruiter"]
    assert names(ws, status="open") == ["Data Engineer", "Designer"]
    assert names(ws, q="analytics") == ["Data Engineer"]  # the team is searched too
    assert names(ws, q="lisbon", status="open") == ["Designer"]


def test_junk_filter_values_are_ignored():
    filters = JobFilters.from_query({"person": "abc", "confidential": "maybe", "status": "weird"})
    assert (filters.person, filters.confidential, filters.status) == (None, "", "")
    assert not filters.active


def test_filter_choices_list_the_people_who_own_or_manage_jobs(cast, jobs):
    AtsUserFactory(connection=cast.connection, name="Carol")  # owns nothing
    choices = selectors.job_filter_choices(workspace=cast.workspace)
    assert [str(person) for person in choices.people] == ["Alice", "Bob"]
    assert choices.departments == ["Data", "People", "Product"]
    assert choices.teams == ["Analytics", "Design", "Talent"]
    assert choices.locations == ["Berlin", "Lisbon", "London"]


def test_stage_counts_for_many_jobs_in_two_queries(cast, django_assert_num_queries):
    first, second = JobFactory(connection=cast.connection), JobFactory(connection=cast.connection)
    onsite = JobStageFactory(job=first, stage__name="Onsite", position=1).stage
    new = JobStageFactory(job=first, stage__name="New", position=0).stage
    JobStageFactory(job=second, stage=new, position=0)
    for stage in (new, new, onsite):
        ApplicationFactory(connection=cast.connection, job=first, current_stage=stage)
    ApplicationFactory(connection=cast.connection, job=first, current_stage=new, outcome="hired")
    ApplicationFactory(connection=cast.connection, job=first, current_stage=None)  # in no stage
    ApplicationFactory(connection=cast.connection, job=second, current_stage=new)
    with django_assert_num_queries(2):
        counts = selectors.stage_counts_for_jobs([first.pk, second.pk])
    assert [(s.name, s.count) for s in counts[first.pk]] == [("New", 2), ("Onsite", 1), ("Other stages", 1)]
    assert [(s.name, s.count) for s in counts[second.pk]] == [("New", 1)]


def test_last_activity_is_the_latest_of_the_job_and_its_applications(cast):
    now = timezone.now()
    job = JobFactory(connection=cast.connection, remote_updated_at=now - timedelta(days=30))
    ApplicationFactory(
        connection=cast.connection,
        job=job,
        applied_at=now - timedelta(days=20),
        remote_updated_at=now - timedelta(days=10),
        last_interaction_at=now - timedelta(days=3),
    )
    ApplicationFactory(  # deleted in Lever: its activity does not count
        connection=cast.connection, job=job, applied_at=now - timedelta(days=1), remote_deleted_at=now
    )
    quiet = JobFactory(connection=cast.connection, remote_updated_at=now - timedelta(days=30))
    rows = {
        j.pk: j
        for j in selectors.job_list_rows(selectors.job_list(workspace=cast.workspace, filters=JobFilters()))
    }
    assert rows[job.pk].last_activity == now - timedelta(days=3)
    assert rows[quiet.pk].last_activity == now - timedelta(days=30)


def test_plain_text_keeps_paragraphs_and_items_and_drops_markup():
    text = selectors.plain_text(
        "<p>We build <b>payments</b> &amp; more.</p><ul><li>Python</li><li>SQL</li></ul>"
        "<script>alert(1)</script>"
    )
    assert text.splitlines()[0] == "We build payments & more."
    assert "• Python\n• SQL" in text
    assert "<" not in text and "alert" not in text
