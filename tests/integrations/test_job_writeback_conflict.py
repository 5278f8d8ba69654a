"""Job edits written back to Lever postings, end to end: the edit reaches the posting, a posting changed in
Lever after the form was opened stops the update until the person chooses, and Lever's refusals show."""

from __future__ import annotations

import pytest
import responses
from django.urls import reverse

from apps.accounts.roles import Role
from apps.integrations.lever.environments import PRODUCTION
from apps.integrations.lever.parsing import to_ms
from apps.integrations.models import Environment, WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.outbox import writeback_enqueue, writeback_preview
from apps.jobs.models import Job
from apps.jobs.services import job_update_in_lever
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory, ConnectionFactory
from tests.integrations.writeback_sandbox import lever, posts, process, small_sandbox, synced_connection
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db

CONFLICT = "The posting changed in Lever since you opened it"


@pytest.fixture(scope="module")
def sandbox():
    yield from small_sandbox()


@pytest.fixture
def connection(sandbox):
    return synced_connection(sandbox)


@pytest.fixture
def recruiter(connection):
    user = UserFactory()
    MembershipFactory(workspace=connection.workspace, user=user, role=Role.RECRUITER)
    return user


def a_job(connection, index):
    jobs = Job.objects.for_connection(connection).alive().filter(status="published").order_by("remote_id")
    return list(jobs)[index]


def url(job):
    return reverse("jobs:edit", args=[job.pk])


def opened(client, job):
    response = client.get(url(job))
    assert response.status_code == 200
    form = response.context["form"]
    return {name: "" if (value := form[name].value()) is None else str(value) for name in form.fields}


def change_in_lever(sandbox, connection, job, fields):
    """Someone edits the posting in Lever's own UI (here: through our client, straight to the sandbox)."""
    with lever(sandbox) as client:
        return client.update_posting(job.remote_id, connection.writeback_user.remote_id, fields)


def posting(sandbox, job):
    with lever(sandbox) as client:
        return client.get_posting(job.remote_id)


def updates(job):
    return list(WritebackAction.objects.filter(job=job, kind=WritebackKind.UPDATE_JOB).order_by("pk"))


def test_a_recruiters_edit_reaches_the_posting_and_the_mirror(sandbox, connection, recruiter):
    job = a_job(connection, 0)
    client = client_for(recruiter)
    data = opened(client, job) | {
        "name": "Principal Platform Engineer",
        "description_html": "<div>Own the <strong>platform</strong>.</div><div>Ship weekly.</div>",
    }
    assert client.post(url(job), data).status_code == 302
    assert process(connection) == {"succeeded": 1}

    [action] = updates(job)
    assert [call["method"] for call in action.request["calls"]] == ["GET", "POST"]  # read, then update
    assert action.request["calls"][1]["body"] == {
        "text": "Principal Platform Engineer",
        "content": {"descriptionHtml": "<div>Own the <b>platform</b>.</div><div>Ship weekly.</div>"},
    }
    theirs = posting(sandbox, job)
    assert theirs["text"] == "Principal Platform Engineer"
    assert (
        theirs["content"]["descriptionHtml"] == "<div>Own the <b>platform</b>.</div><div>Ship weekly.</div>"
    )
    job.refresh_from_db()
    assert job.name == "Principal Platform Engineer"
    assert job.description_html == theirs["content"]["descriptionHtml"]
    assert job.remote_updated_at and to_ms(job.remote_updated_at) == theirs["updatedAt"]
    chip = client.get(reverse("integrations:writeback-status", args=[action.pk]))
    assert chip.status_code == 286 and "done" in chip.content.decode()


def test_a_posting_changed_in_lever_after_the_form_was_opened_stops_the_update_until_the_person_chooses(
    sandbox, connection, recruiter
):
    job = a_job(connection, 1)
    client = client_for(recruiter)
    data = opened(client, job) | {"name": "Mine: Staff Engineer", "team": "Core"}
    change_in_lever(sandbox, connection, job, {"text": "Theirs: Senior Engineer"})
    assert client.post(url(job), data).status_code == 302  # the mirror has not seen Lever's change yet

    assert process(connection) == {"failed": 1}
    [refused] = updates(job)
    assert refused.status == WritebackStatus.FAILED and refused.last_error.startswith(CONFLICT)
    assert [call["method"] for call in refused.request["calls"]] == ["GET", "POST"]
    theirs = posting(sandbox, job)
    assert theirs["text"] == "Theirs: Senior Engineer"  # Lever keeps its version
    assert theirs["categories"]["team"] != "Core"
    job.refresh_from_db()
    assert job.name == "Theirs: Senior Engineer"  # and the mirror now holds it
    chip = client.get(reverse("integrations:writeback-status", args=[refused.pk])).content.decode()
    assert CONFLICT in chip

    page = client.get(url(job))  # reopening the form shows the conflict
    assert page.context["conflicts"][0] == {
        "label": "Title",
        "lever": "Theirs: Senior Engineer",
        "mine": "Mine: Staff Engineer",
    }
    form = page.context["form"]
    mine = {name: "" if (value := form[name].value()) is None else str(value) for name in form.fields}
    assert client.post(url(job), mine | {"confirm": "overwrite"}).status_code == 302
    assert process(connection) == {"succeeded": 1}

    theirs = posting(sandbox, job)
    assert (theirs["text"], theirs["categories"]["team"]) == ("Mine: Staff Engineer", "Core")
    refused.refresh_from_db()
    overwrite = updates(job)[-1]
    assert refused.status == WritebackStatus.CANCELLED
    assert overwrite.payload["overwrite"] is True
    assert [call["method"] for call in overwrite.request["calls"]] == ["POST"]  # no check: the person chose


def test_two_edits_in_a_row_of_one_person_do_not_conflict_with_each_other(sandbox, connection, recruiter):
    job = a_job(connection, 2)
    client = client_for(recruiter)
    first = opened(client, job) | {"name": "Edited twice"}
    second = opened(client, job) | {"location": "Lisbon"}  # opened before the first went out
    assert client.post(url(job), first).status_code == 302
    assert client.post(url(job), second).status_code == 302
    assert process(connection) == {"succeeded": 2}
    theirs = posting(sandbox, job)
    assert (theirs["text"], theirs["categories"]["location"]) == ("Edited twice", "Lisbon")


def test_someone_elses_update_in_between_is_a_conflict(sandbox, connection, recruiter):
    job = a_job(connection, 3)
    colleague = UserFactory()
    MembershipFactory(workspace=connection.workspace, user=colleague, role=Role.RECRUITER)
    mine = opened(client_for(recruiter), job) | {"location": "Lisbon"}
    theirs = opened(client_for(colleague), job) | {"location": "Porto"}
    client_for(colleague).post(url(job), theirs)
    client_for(recruiter).post(url(job), mine)
    assert process(connection) == {"succeeded": 1, "failed": 1}
    assert posting(sandbox, job)["categories"]["location"] == "Porto"


def test_lever_already_holding_the_values_is_no_conflict_and_sends_nothing(sandbox, connection):
    job = a_job(connection, 4)
    base = job.remote_updated_at
    change_in_lever(sandbox, connection, job, {"text": "Same either way"})
    action = job_update_in_lever(
        job=job, changes={"name": "Same either way"}, requested_by=None, base_updated_at=base
    )
    sandbox.reset_counts()
    assert process(connection) == {"succeeded": 1}
    assert posts(sandbox, "POST /v1/postings/:id") == 0
    action.refresh_from_db()
    assert action.response["text"] == "Same either way"


def test_the_preview_of_a_checked_update_shows_the_read_and_the_update(connection):
    job = a_job(connection, 5)
    action = job_update_in_lever(
        job=job, changes={"name": "Previewed"}, requested_by=None, base_updated_at=job.remote_updated_at
    )
    assert [call["method"] for call in writeback_preview(action)["calls"]] == ["GET", "POST"]


def test_an_update_lever_refuses_fails_at_once_with_levers_message(sandbox, connection):
    job = a_job(connection, 6)
    change_in_lever(
        sandbox, connection, job, {"workplaceType": "remote"}
    )  # the mirror still says unspecified
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.UPDATE_JOB,
        payload={"workplace_type": "unspecified"},
        job=job,
    )
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert action.attempts == 1  # a 400 is permanent: never retried
    assert action.last_error == "workplaceType cannot be changed back to unspecified"


def test_an_update_naming_an_unusable_base_version_is_refused(connection):
    job = a_job(connection, 7)
    action = writeback_enqueue(
        connection=connection,
        kind=WritebackKind.UPDATE_JOB,
        payload={"name": "x", "base_updated_at": "yesterday"},
        job=job,
    )
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert "no usable posting version" in action.last_error


@responses.activate
def test_levers_400_answer_is_the_failed_actions_message():
    connection = ConnectionFactory(environment=Environment.PRODUCTION)
    connection.writeback_user = AtsUserFactory(connection=connection)
    connection.save()
    job = JobFactory(connection=connection)
    base = to_ms(job.remote_updated_at) if job.remote_updated_at else 1_700_000_000_000
    action = job_update_in_lever(
        job=job,
        changes={"description_html": "<div>Fine by us</div>"},
        requested_by=None,
        base_updated_at=base,
    )
    path = f"{PRODUCTION.api_base}/postings/{job.remote_id}"
    responses.get(path, json={"data": {"id": job.remote_id, "updatedAt": base}})
    refusal = {"code": "BadRequestError", "message": "Invalid HTML in content.descriptionHtml"}
    responses.post(path, status=400, json=refusal)
    assert process(connection) == {"failed": 1}
    action.refresh_from_db()
    assert (action.status, action.last_error) == (WritebackStatus.FAILED, refusal["message"])
    assert len([call for call in responses.calls if call.request.method == "POST"]) == 1
