"""jobs:edit: the posting edit form, its partial update, and conflicts found when saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.integrations.lever.parsing import to_ms
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from apps.jobs.services import job_update_in_lever
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory, WritebackActionFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def job(cast):
    cast.connection.writeback_user = AtsUserFactory(connection=cast.connection)
    cast.connection.save()
    return JobFactory(
        connection=cast.connection,
        name="Backend Engineer",
        description_html="<div>Build the services that power our product.</div>",
        requirement_lists=[{"text": "You have", "items": ["Python", "Django"]}],
        employment_type="Full-time",
        workplace_type="onsite",
        salary_min=Decimal("70000.00"),
        salary_max=Decimal("90000.00"),
        salary_currency="EUR",
        salary_interval="per-year-salary",
        remote_updated_at=OPENED,
    )


@pytest.fixture
def recruiter(cast):
    return client_for(cast.recruiter)


def url(job):
    return reverse("jobs:edit", args=[job.pk])


def opened(client, job):
    """Return the form as the browser would post it back untouched."""
    response = client.get(url(job))
    assert response.status_code == 200
    form = response.context["form"]
    return {name: "" if (value := form[name].value()) is None else str(value) for name in form.fields}


def as_if_lever_changed(job, **fields):
    """What a sync or webhook does when the posting changed in Lever: new values, a newer version."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.remote_updated_at = (job.remote_updated_at or OPENED) + timedelta(minutes=5)
    job.save()


def updates(job):
    return list(WritebackAction.objects.filter(job=job, kind=WritebackKind.UPDATE_JOB).order_by("pk"))


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# -- access ----------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_mirror(recruiter, job):
    data = opened(recruiter, job)
    assert data["name"] == "Backend Engineer"
    assert data["description_html"] == job.description_html
    assert (data["list_0_text"], data["list_0_items"]) == ("You have", "Python\nDjango")
    assert (data["list_1_text"], data["list_1_items"]) == ("", "")  # a slot to add a list
    assert (data["salary_min"], data["salary_max"], data["salary_currency"]) == ("70000", "90000", "EUR")
    assert (data["commitment"], data["workplace_type"], data["state"]) == ("Full-time", "onsite", "published")
    assert data["base"]


@pytest.mark.parametrize("role", ["viewer", "hiring_manager"])
def test_people_who_cannot_write_back_are_refused(cast, job, role):
    client = client_for(getattr(cast, role))
    assert client.get(url(job)).status_code == 403
    assert client.post(url(job), {"name": "x"}).status_code == 403
    assert updates(job) == []


def test_another_workspace_gets_a_404(cast, job):
    client = client_for(cast.outsider)
    assert client.get(url(job)).status_code == 404
    assert client.post(url(job), {"name": "x"}).status_code == 404


def test_the_job_page_links_to_the_form_only_for_those_who_can_write_back(cast, job):
    detail = reverse("jobs:detail", args=[job.pk])
    assert url(job) in client_for(cast.recruiter).get(detail).content.decode()
    assert url(job) not in client_for(cast.viewer).get(detail).content.decode()


def test_a_job_not_in_lever_any_more_says_so(recruiter, job):
    job.remote_deleted_at = OPENED
    job.save()
    response = recruiter.get(url(job))
    assert "deleted in Lever" in response.content.decode()
    assert response.context["problem"]


# -- partial updates -------------------------------------------------------------------------------------


def test_only_the_changed_fields_are_queued_with_the_version_they_were_made_on(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer", "team": "Core"}
    response = recruiter.post(url(job), data)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    [action] = updates(job)
    assert action.payload == {
        "name": "Staff Backend Engineer",
        "team": "Core",
        "base_updated_at": to_ms(OPENED),
    }
    assert action.requested_by == job.workspace.memberships.get(role="recruiter").user


def test_the_job_page_then_shows_a_message_with_the_updates_status_chip(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer"}
    response = recruiter.post(url(job), data, follow=True)
    [action] = updates(job)
    page = response.content.decode()
    assert "Your changes (Title) are queued for Lever." in page
    assert f'id="writeback-{action.pk}"' in page
    assert reverse("integrations:writeback-status", args=[action.pk]) in page  # it polls itself


def test_nothing_changed_queues_nothing(recruiter, job):
    response = recruiter.post(url(job), opened(recruiter, job), follow=True)
    assert "Nothing changed" in " ".join(messages_of(response))
    assert updates(job) == []


def test_windows_line_endings_and_padding_are_no_change(recruiter, job):
    data = opened(recruiter, job)
    data["description_html"] = f"\r\n  {data['description_html']}  \r\n"
    data["list_0_items"] = "Python\r\nDjango\r\n"
    recruiter.post(url(job), data)
    assert updates(job) == []


def test_requirement_lists_are_edited_added_and_removed_as_a_whole(recruiter, job):
    data = opened(recruiter, job) | {
        "list_0_items": "• Python\n\n- Django\nPostgres",
        "list_1_text": "Nice to have",
        "list_1_items": "Go",
    }
    recruiter.post(url(job), data)
    assert updates(job)[-1].payload["requirement_lists"] == [
        {"text": "You have", "items": ["Python", "Django", "Postgres"]},
        {"text": "Nice to have", "items": ["Go"]},
    ]
    data = opened(recruiter, job) | {"list_0_text": "", "list_0_items": ""}
    recruiter.post(url(job), data)
    assert updates(job)[-1].payload["requirement_lists"] == []


def test_untouched_items_that_look_like_bullets_are_no_change(recruiter, job):
    job.requirement_lists = [{"text": "You have", "items": ["- 5 years of Python", "• Django"]}]
    job.save()
    recruiter.post(url(job), opened(recruiter, job))
    assert updates(job) == []


def test_a_description_is_sanitised_before_it_is_queued(recruiter, job):
    data = opened(recruiter, job) | {"description_html": '<div onclick="x()">Join <strong>us</strong></div>'}
    response = recruiter.post(url(job), data, follow=True)
    assert updates(job)[-1].payload["description_html"] == "<div>Join <b>us</b></div>"
    assert "Removed from the description what Lever does not accept: onclick on &lt;div&gt;" in (
        response.content.decode()
    )


def test_a_new_salary_range_is_queued_in_full(recruiter, job):
    data = opened(recruiter, job) | {"salary_max": "95000.50", "salary_currency": "usd"}
    recruiter.post(url(job), data)
    assert updates(job)[-1].payload["salary"] == {
        "min": 70000,
        "max": 95000.5,
        "currency": "USD",
        "interval": "per-year-salary",
    }


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"salary_currency": ""}, "salary_currency", "all four salary fields, or none"),
        ({"salary_min": "100000"}, "salary_max", "maximum is below the minimum"),
        (
            {"salary_min": "", "salary_max": "", "salary_currency": "", "salary_interval": ""},
            "salary_min",
            "cannot remove a salary range",
        ),
        ({"salary_currency": "E1R"}, "salary_currency", "three-letter"),
        ({"salary_interval": "per-decade"}, "salary_interval", "Select a valid choice"),
        ({"state": "archived"}, "state", "Select a valid choice"),
        ({"state": "pending"}, "state", "Lever sets that state itself"),
        ({"workplace_type": "unspecified"}, "workplace_type", "back to unspecified"),
        ({"name": "  "}, "name", "required"),
        ({"description_html": "<div>Hi<script>alert(1)</script></div>"}, "description_html", "<script>"),
        ({"list_1_items": "Go"}, "list_1_text", "Give this list a title"),
    ],
)
def test_invalid_edits_come_back_with_the_error_next_to_the_field(recruiter, job, changes, field, message):
    response = recruiter.post(url(job), opened(recruiter, job) | changes)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert updates(job) == []


def test_a_salary_with_only_some_fields_names_each_missing_one(recruiter, job):
    data = opened(recruiter, job) | {"salary_currency": "", "salary_interval": ""}
    form = recruiter.post(url(job), data).context["form"]
    assert set(form.errors) == {"salary_currency", "salary_interval"}


def test_a_form_of_another_job_or_a_tampered_one_is_refused(recruiter, job, cast):
    other = JobFactory(connection=cast.connection)
    data = opened(recruiter, other) | {"name": "Hijack"}
    response = recruiter.post(url(job), data)
    assert response.status_code == 400 and "reload the page" in response.content.decode()
    response = recruiter.post(url(job), opened(recruiter, job) | {"base": "forged"})
    assert response.status_code == 400
    assert updates(job) == []


# -- conflicts when saving -------------------------------------------------------------------------------


def test_a_field_changed_here_and_in_lever_since_is_a_conflict_and_nothing_is_queued(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer", "team": "Core"}
    as_if_lever_changed(job, name="Senior Backend Engineer")
    response = recruiter.post(url(job), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "The posting changed in Lever since you opened it" in page
    assert response.context["conflicts"] == [
        {"label": "Title", "lever": "Senior Backend Engineer", "mine": "Staff Backend Engineer"}
    ]
    assert response.context["also_changed"] == ["Team"]
    assert "Keep my changes (overwrite Lever)" in page and "Take Lever's version" in page
    assert updates(job) == []


def test_keep_mine_queues_an_overwrite_of_what_was_shown(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer", "team": "Core"}
    as_if_lever_changed(job, name="Senior Backend Engineer")
    shown = recruiter.post(url(job), data).context["form"]
    response = recruiter.post(url(job), data | {"seen": shown["seen"].value(), "confirm": "overwrite"})
    assert response.status_code == 302
    [action] = updates(job)
    assert action.payload == {
        "name": "Staff Backend Engineer",
        "team": "Core",
        "base_updated_at": to_ms(job.remote_updated_at),
        "overwrite": True,
    }


def test_keep_mine_after_lever_changed_again_shows_the_conflict_again(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer"}
    as_if_lever_changed(job, name="Senior Backend Engineer")
    shown = recruiter.post(url(job), data).context["form"]
    as_if_lever_changed(job, name="Principal Backend Engineer")
    response = recruiter.post(url(job), data | {"seen": shown["seen"].value(), "confirm": "overwrite"})
    assert response.status_code == 409
    assert response.context["conflicts"][0]["lever"] == "Principal Backend Engineer"
    assert updates(job) == []


def test_an_overwrite_without_having_seen_the_conflict_is_only_a_save(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer", "confirm": "overwrite"}
    as_if_lever_changed(job, name="Senior Backend Engineer")
    assert recruiter.post(url(job), data).status_code == 409
    assert updates(job) == []


def test_take_levers_version_queues_nothing(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer"}
    as_if_lever_changed(job, name="Senior Backend Engineer")
    shown = recruiter.post(url(job), data).context["form"]
    response = recruiter.post(
        url(job), data | {"seen": shown["seen"].value(), "confirm": "discard"}, follow=True
    )
    assert "Kept Lever's version" in " ".join(messages_of(response))
    assert updates(job) == []


def test_changes_in_lever_to_other_fields_are_kept_and_not_a_conflict(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer"}
    as_if_lever_changed(job, team="Core", location="Lisbon")
    assert recruiter.post(url(job), data).status_code == 302
    [action] = updates(job)  # the form's stale team and location are not sent back
    assert action.payload == {
        "name": "Staff Backend Engineer",
        "base_updated_at": to_ms(job.remote_updated_at),
    }


def test_the_same_change_made_in_lever_is_no_conflict_and_nothing_to_send(recruiter, job):
    data = opened(recruiter, job) | {"name": "Staff Backend Engineer"}
    as_if_lever_changed(job, name="Staff Backend Engineer")
    response = recruiter.post(url(job), data, follow=True)
    assert "Nothing changed" in " ".join(messages_of(response))
    assert updates(job) == []


# -- an update the worker refused because Lever moved on ---------------------------------------------


@pytest.fixture
def refused(cast, job):
    """A failed update of the recruiter's: Lever's title changed before it went out."""
    as_if_lever_changed(job, name="Senior Backend Engineer")
    return WritebackActionFactory(
        connection=cast.connection,
        kind=WritebackKind.UPDATE_JOB,
        job=job,
        requested_by=cast.recruiter,
        status=WritebackStatus.FAILED,
        payload={"name": "Staff Backend Engineer", "team": "Core", "base_updated_at": to_ms(OPENED)},
        request={"calls": [], "conflict": {"lever_updated_at": to_ms(job.remote_updated_at)}},
        last_error="The posting changed in Lever since you opened it: …",
    )


def test_reopening_the_form_shows_the_conflict_of_a_refused_update(recruiter, job, refused):
    response = recruiter.get(url(job))
    assert response.status_code == 200
    assert response.context["conflicts"] == [
        {"label": "Title", "lever": "Senior Backend Engineer", "mine": "Staff Backend Engineer"},
        {"label": "Team", "lever": "Platform", "mine": "Core"},
    ]
    form = response.context["form"]
    assert (form["name"].value(), form["from_action"].value()) == ("Staff Backend Engineer", refused.pk)
    assert "The posting changed in Lever since you opened it" in response.content.decode()


def test_keep_mine_from_a_reopened_form_replaces_the_refused_update(recruiter, job, refused):
    data = opened(recruiter, job) | {"confirm": "overwrite"}
    assert recruiter.post(url(job), data).status_code == 302
    refused.refresh_from_db()
    [_, action] = updates(job)
    assert action.payload == {
        "name": "Staff Backend Engineer",
        "team": "Core",
        "base_updated_at": to_ms(job.remote_updated_at),
        "overwrite": True,
    }
    assert refused.status == WritebackStatus.CANCELLED and f"#{action.pk}" in refused.status_reason
    assert "conflicts" not in recruiter.get(url(job)).context  # resolved: the next edit starts afresh


def test_take_levers_version_from_a_reopened_form_retires_the_refused_update(recruiter, job, refused):
    data = opened(recruiter, job) | {"confirm": "discard"}
    recruiter.post(url(job), data)
    refused.refresh_from_db()
    assert refused.status == WritebackStatus.CANCELLED
    assert updates(job) == [refused]
    assert recruiter.get(url(job)).context["form"]["name"].value() == "Senior Backend Engineer"


def test_someone_elses_refused_update_does_not_reopen_in_my_form(cast, job, refused):
    response = client_for(cast.admin).get(url(job))
    assert "conflicts" not in response.context
    assert response.context["form"]["name"].value() == "Senior Backend Engineer"


# -- the service's conflict options ----------------------------------------------------------------------


def test_the_base_version_is_stored_as_levers_epoch_milliseconds(job):
    action = job_update_in_lever(job=job, changes={"team": "Core"}, requested_by=None, base_updated_at=OPENED)
    assert action.payload == {"team": "Core", "base_updated_at": 1795167000000}
    action = job_update_in_lever(
        job=job, changes={"team": "Core"}, requested_by=None, base_updated_at=1795167000123, overwrite=True
    )
    assert action.payload == {"team": "Core", "base_updated_at": 1795167000123, "overwrite": True}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_updated_at": OPENED.replace(tzinfo=None)}, "aware datetime"),
        ({"base_updated_at": "2026-11-20"}, "epoch milliseconds"),
        ({"base_updated_at": True}, "epoch milliseconds"),
        ({"base_updated_at": -1}, "epoch milliseconds"),
        ({"overwrite": "yes"}, "true or false"),
    ],
)
def test_malformed_conflict_options_are_refused(job, options, message):
    with pytest.raises(ValidationError, match=message):
        job_update_in_lever(job=job, changes={"team": "Core"}, requested_by=None, **options)
