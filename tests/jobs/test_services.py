"""job_update_in_lever: what it enqueues for a posting update and what it refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.integrations.models import WritebackKind
from apps.jobs.services import job_update_in_lever
from tests.accounts.factories import UserFactory
from tests.integrations.factories import AtsUserFactory, ConnectionFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    connection = ConnectionFactory()
    connection.writeback_user = AtsUserFactory(connection=connection)
    connection.save()
    return JobFactory(connection=connection, workplace_type="onsite")


def test_only_the_given_fields_are_enqueued_in_json_friendly_form(job):
    action = job_update_in_lever(
        job=job,
        changes={
            "name": " Staff Engineer ",
            "requirement_lists": [{"text": "You have", "items": [" Python ", "Go"]}],
            "team": "Core",
            "salary": {
                "min": Decimal("90000"),
                "max": "120000.50",
                "currency": "eur",
                "interval": "per-year-salary",
            },
            "state": "closed",
        },
        requested_by=None,
    )
    assert (action.kind, action.job, action.target_key) == (WritebackKind.UPDATE_JOB, job, f"job:{job.pk}")
    assert action.payload == {
        "name": "Staff Engineer",
        "requirement_lists": [{"text": "You have", "items": ["Python", "Go"]}],
        "team": "Core",
        "salary": {"min": 90000, "max": 120000.5, "currency": "EUR", "interval": "per-year-salary"},
        "state": "closed",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Nothing to change"),
        ({"title": "x"}, "Unknown job field"),
        ({"name": ""}, "job title is required"),
        ({"description_html": "<div><script>x</script></div>"}, "<script> is not allowed"),
        ({"description_html": '<p class="big">x</p>'}, "postings-link"),
        ({"requirement_lists": "Python"}, "as a list"),
        ({"requirement_lists": [{"text": "Must", "items": "Python"}]}, "items must be a list"),
        ({"workplace_type": "moon"}, "Unknown workplace type"),
        ({"workplace_type": "unspecified"}, "back to unspecified"),
        ({"salary": {"min": 1, "max": 2, "currency": "EUR"}}, "missing interval"),
        (
            {"salary": {"min": 3, "max": 2, "currency": "EUR", "interval": "per-year-salary"}},
            "above the maximum",
        ),
        (
            {"salary": {"min": 1, "max": 2, "currency": "EURO", "interval": "per-year-salary"}},
            "currency code",
        ),
        (
            {"salary": {"min": "lots", "max": 2, "currency": "EUR", "interval": "per-year-salary"}},
            "not an amount",
        ),
        (
            {"salary": {"min": 1, "max": 2, "currency": "EUR", "interval": "per-decade"}},
            "Unknown salary interval",
        ),
        ({"state": "pending"}, "can be set to"),
    ],
)
def test_changes_lever_would_refuse_are_refused_first(job, changes, message):
    with pytest.raises(ValidationError, match=message):
        job_update_in_lever(job=job, changes=changes, requested_by=None)


def test_jobs_not_in_lever_deleted_or_without_a_lever_user_are_refused(job):
    with pytest.raises(ValidationError, match="not a member"):
        job_update_in_lever(job=job, changes={"name": "x"}, requested_by=UserFactory())
    job.connection.writeback_user = None
    job.connection.save()
    with pytest.raises(ValidationError, match="No Lever user"):
        job_update_in_lever(job=job, changes={"name": "x"}, requested_by=None)
    gone = JobFactory(connection=job.connection, remote_deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="deleted in Lever"):
        job_update_in_lever(job=gone, changes={"name": "x"}, requested_by=None)
