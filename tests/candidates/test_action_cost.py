"""What an action costs, and the cached lists of the profile's action menus (bench/page_cpu.py: the
profile is fetched before every action, and both are most of the web load).

An action reads its application with the fields it needs only (views_actions.ACTION_APPLICATION_FIELDS):
a field read that was not loaded costs a query, which the budgets below catch. The menus' stages,
reasons and tag names are kept in the cache under a version of their tables (action_menus.py): a sync
that changes them must show on the next view.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.candidates import action_menus
from apps.candidates.models import RejectionReason
from apps.integrations.models import ConnectionStatus, WritebackAction
from apps.jobs.models import JobStage, Stage
from tests.candidates.factories import RejectionReasonFactory, TagFactory
from tests.conftest import client_for
from tests.jobs.factories import JobStageFactory, StageFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def post(client, name, application, data):
    path = reverse(f"actions:{name}", args=[application.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, {**data, "form_token": uuid.uuid4().hex}, **HTMX)
    return response, [query["sql"] for query in captured]


# -- actions ------------------------------------------------------------------------------------------------

# Session, user, membership; the application (one query, joins included); the requester's membership,
# the existing action with this form's key and the Lever user to act as (the outbox's); the insert in
# a savepoint. A tag action reads the application's tag names; a move the job's pipeline, the chosen
# stage and the pipeline check; a reject the reasons and the chosen one. Before the trim, each also
# read the workspace and the existing action a second time (joined to the application and person).
ACTION_BUDGETS = {
    "application-tag-add": ({"tag": "Tier 1"}, 12),
    "application-tag-remove": ({"tag": "python"}, 12),
    "application-note": ({"text": "Call went well"}, 11),
    "application-result-link": ({"label": "Coding test", "url": "https://example.org/t"}, 11),
    "application-move": (None, 14),
    "application-reject": (None, 13),
}


@pytest.mark.parametrize("name", list(ACTION_BUDGETS))
def test_an_action_reads_its_application_once_and_narrowly(cast, setup, name):
    data, budget = ACTION_BUDGETS[name]
    if name == "application-move":
        data = {"stage": setup["stages"][1].pk}
    elif name == "application-reject":
        data = {"reason": setup["reason"].pk}
    client = client_for(cast.recruiter)
    client.get(reverse("candidates:detail", args=[setup["application"].candidate_id]))  # as a recruiter does
    response, queries = post(client, name, setup["application"], data)
    assert response.status_code == 200, response.content.decode()
    assert WritebackAction.objects.count() == 1
    assert len(queries) <= budget, "\n".join(queries)
    # One read of the application, none of its person's, job's or connection's rows on their own, and
    # the workspace (its approval mode) is the request's.
    assert sum('FROM "candidates_application"' in sql for sql in queries) == 1
    for table in ("candidates_candidate", "jobs_job", "integrations_connection", "accounts_workspace"):
        assert not any(f'FROM "{table}"' in sql for sql in queries), table
    assert not any('"remote_data"' in sql for sql in queries if 'FROM "candidates_application"' in sql)


def test_an_attachment_reads_its_application_once(cast, setup):
    client = client_for(cast.recruiter)
    upload = SimpleUploadedFile("take-home.pdf", b"%PDF-1.4 take-home", content_type="application/pdf")
    response, queries = post(client, "application-attachment", setup["application"], {"file": upload})
    assert response.status_code == 200, response.content.decode()
    assert sum('FROM "candidates_application"' in sql for sql in queries) == 1
    assert not any('FROM "candidates_candidate"' in sql or 'FROM "jobs_job"' in sql for sql in queries)


def test_a_resubmitted_form_answers_with_its_action_even_when_it_would_now_be_refused(cast, setup):
    client = client_for(cast.recruiter)
    path = reverse("actions:application-tag-add", args=[setup["application"].pk])
    data = {"tag": "Tier 1", "form_token": uuid.uuid4().hex}
    first = client.post(path, data, **HTMX)
    cast.connection.status = ConnectionStatus.DISCONNECTED  # the write-back services refuse now
    cast.connection.save()
    again = client.post(path, data, **HTMX)
    action = WritebackAction.objects.get()
    assert again.status_code == first.status_code == 200
    assert f'id="writeback-{action.pk}"' in again.content.decode()
    fresh = client.post(path, {**data, "form_token": uuid.uuid4().hex}, **HTMX)
    assert fresh.status_code == 400 and "disconnected" in fresh.content.decode()


# -- the menus' cache ---------------------------------------------------------------------------------------


# The lists the menus read: each job's pipeline, the reasons, the tag names (not the version's UNION).
MENU_LISTS = (
    'FROM "jobs_jobstage"',
    'FROM "candidates_rejectionreason"',
    'SELECT DISTINCT "candidates_tag"."name"',
)


def profile(client, application):
    path = reverse("candidates:detail", args=[application.candidate_id])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(path).content.decode()
    queries = [query["sql"] for query in captured if "UNION ALL" not in query["sql"]]
    return page, [sql for sql in queries if any(mark in sql for mark in MENU_LISTS)]


def move_options(page, application):
    form = page[page.index(f'id="a{application.pk}-stage"') :]
    return form[: form.index("</select>")]


def test_the_menus_are_read_once_then_kept_until_their_tables_change(cast, setup):
    client = client_for(cast.recruiter)
    application = setup["application"]
    _, cold = profile(client, application)
    page, warm = profile(client, application)
    assert len(cold) == 3 and warm == []
    assert ">Phone Screen</option>" in move_options(page, application)
    assert ">Underqualified</option>" in page and '<option value="python">' in page


def test_a_sync_that_renames_or_removes_a_stage_shows_on_the_next_view(cast, setup):
    client = client_for(cast.recruiter)
    application, (_, phone, onsite) = setup["application"], setup["stages"]
    profile(client, application)
    # As the sync writes (bulk_update and mark_deleted): `changed_at`, never `updated_at`.
    now = timezone.now()
    Stage.objects.filter(pk=phone.pk).update(name="Recruiter Screen", changed_at=now)
    Stage.objects.filter(pk=onsite.pk).update(remote_deleted_at=now, changed_at=now)
    page, lists = profile(client, application)
    options = move_options(page, application)
    assert lists and ">Recruiter Screen</option>" in options
    assert "Phone Screen" not in options and "Onsite" not in options


def test_a_new_pipeline_stage_reason_or_tag_shows_on_the_next_view(cast, setup):
    client = client_for(cast.recruiter)
    application = setup["application"]
    profile(client, application)
    final = StageFactory(connection=cast.connection, name="Final Round", global_index=3)
    JobStageFactory(job=setup["job"], stage=final, position=3)
    RejectionReasonFactory(connection=cast.connection, name="Timing")
    TagFactory(connection=cast.connection, name="referral")
    page, _ = profile(client, application)
    assert ">Final Round</option>" in move_options(page, application)
    assert ">Timing</option>" in page and '<option value="referral">' in page


def test_a_reason_the_sync_deactivates_leaves_the_menu(cast, setup):
    client = client_for(cast.recruiter)
    application = setup["application"]
    page, _ = profile(client, application)
    assert ">Underqualified</option>" in page
    RejectionReason.objects.filter(pk=setup["reason"].pk).update(is_active=False, changed_at=timezone.now())
    page, _ = profile(client, application)
    assert ">Underqualified</option>" not in page
    assert "No rejection reasons synced from Lever yet." in page


def test_a_job_stage_moved_in_the_pipeline_reorders_the_menu(cast, setup):
    client = client_for(cast.recruiter)
    application, phone = setup["application"], setup["stages"][1]
    options = move_options(profile(client, application)[0], application)
    assert options.index("Phone Screen") < options.index("Onsite")
    JobStage.objects.filter(stage=phone).update(position=9, changed_at=timezone.now())
    options = move_options(profile(client, application)[0], application)
    assert options.index("Onsite") < options.index("Phone Screen")


def test_the_version_is_the_workspaces_own(cast, setup):
    mine, theirs = (
        action_menus.menus_version(cast.workspace.pk),
        action_menus.menus_version(cast.other_workspace.pk),
    )
    StageFactory(connection=cast.other_connection, name="Elsewhere")
    assert action_menus.menus_version(cast.workspace.pk) == mine
    assert action_menus.menus_version(cast.other_workspace.pk) != theirs
