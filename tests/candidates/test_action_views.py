"""Recruiter actions over HTTP and in templates: each endpoint, roles, scoping, errors, bulk, and the sandbox."""

from __future__ import annotations

import html
import json
import uuid
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts.models import Membership, WritebackApproval
from apps.accounts.roles import Role
from apps.candidates.actions import pipeline_stages
from apps.candidates.forms import DRAFTS_SESSION_KEY
from apps.candidates.models import Application, Outcome, ReasonType, RejectionReason
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.outbox import BULK_THRESHOLD
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.candidates.factories import ApplicationFactory, RejectionReasonFactory
from tests.conftest import client_for
from tests.integrations.writeback_sandbox import lever, process, small_sandbox, synced_connection
from tests.jobs.factories import JobFactory, JobStageFactory, StageFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, application):
    return reverse(f"actions:{name}", args=[application.pk])


def pdf(name="take-home.pdf", body=b"%PDF-1.4 take-home"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def endpoint_cases(setup):
    """(url name, POST data, expected kind, expected payload subset) for every write-back endpoint."""
    phone, reason = setup["stages"][1], setup["reason"]
    return [
        (
            "application-move",
            {"stage": phone.pk},
            WritebackKind.MOVE_STAGE,
            {"stage_id": phone.remote_id, "stage_name": "Phone Screen"},
        ),
        (
            "application-reject",
            {"reason": reason.pk, "clean_interviews": "on"},
            WritebackKind.REJECT,
            {"reason_id": reason.remote_id, "reason_name": "Underqualified", "clean_interviews": True},
        ),
        ("application-tag-add", {"tag": " Tier 1 "}, WritebackKind.ADD_TAG, {"tag": "Tier 1"}),
        ("application-tag-remove", {"tag": "python"}, WritebackKind.REMOVE_TAG, {"tag": "python"}),
        (
            "application-note",
            {"text": "Strong systems answer", "secret": "on"},
            WritebackKind.ADD_NOTE,
            {"text": "Strong systems answer", "secret": True},
        ),
        (
            "application-attachment",
            {"file": pdf()},
            WritebackKind.ADD_ATTACHMENT,
            {"file_name": "take-home.pdf", "on": "application"},
        ),
        (
            "application-result-link",
            {"label": "Coding test", "url": "tests.example/report/7"},
            WritebackKind.ADD_RESULT_LINK,
            {"label": "Coding test", "url": "https://tests.example/report/7"},
        ),
    ]


ENDPOINTS = [
    "application-move",
    "application-reject",
    "application-tag-add",
    "application-tag-remove",
    "application-note",
    "application-attachment",
    "application-result-link",
]


def case(setup, name):
    return next(c for c in endpoint_cases(setup) if c[0] == name)


# -- each endpoint ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_endpoint_enqueues_its_action_and_answers_htmx_with_the_polling_chip(cast, setup, name):
    application = setup["application"]
    _, data, kind, payload = case(setup, name)
    response = client_for(cast.recruiter).post(url(name, application), data, **HTMX)
    assert response.status_code == 200, response.content
    action = WritebackAction.objects.get()
    assert (action.kind, action.application, action.requested_by) == (kind, application, cast.recruiter)
    assert payload.items() <= action.payload.items()
    body = response.content.decode()
    assert f'id="writeback-{action.pk}"' in body
    assert f'hx-get="{reverse("integrations:writeback-status", args=[action.pk])}"' in body
    assert f"{action.summary}: pending" in body
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {
        "writeback-enqueued": {"application": application.pk, "action": action.pk, "status": "pending"}
    }


@pytest.mark.parametrize("name", ENDPOINTS)
def test_without_htmx_each_endpoint_redirects_to_next_with_a_message(cast, setup, name):
    application = setup["application"]
    _, data, _, _ = case(setup, name)
    page = reverse("jobs:detail", args=[setup["job"].pk]) + "?tab=pipeline"
    response = client_for(cast.recruiter).post(url(name, application), {**data, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    action = WritebackAction.objects.get()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"{action.summary}: queued for Lever."]


def test_an_unsafe_next_falls_back_to_the_candidate(cast, setup):
    application = setup["application"]
    response = client_for(cast.recruiter).post(
        url("application-tag-add", application), {"tag": "Tier 1", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("candidates:detail", args=[application.candidate_id])


def test_with_approval_for_everything_the_chip_and_message_say_so(cast, setup):
    cast.workspace.writeback_approval = WritebackApproval.ALL
    cast.workspace.save()
    client = client_for(cast.recruiter)
    chip = client.post(url("application-tag-add", setup["application"]), {"tag": "Tier 1"}, **HTMX)
    assert "awaiting approval" in chip.content.decode() and "Approvals" in chip.content.decode()
    response = client.post(url("application-tag-add", setup["application"]), {"tag": "Tier 2"})
    (message,) = get_messages(response.wsgi_request)
    assert "waiting for an admin's approval" in str(message)


def test_a_double_submission_with_the_same_form_token_is_one_action(cast, setup):
    client = client_for(cast.recruiter)
    data = {"text": "Call went well", "form_token": str(uuid.uuid4())}
    first = client.post(url("application-note", setup["application"]), data, **HTMX)
    second = client.post(url("application-note", setup["application"]), data, **HTMX)
    action = WritebackAction.objects.get()
    assert f'id="writeback-{action.pk}"' in first.content.decode()
    assert f'id="writeback-{action.pk}"' in second.content.decode()
    client.post(url("application-note", setup["application"]), {**data, "form_token": str(uuid.uuid4())})
    assert WritebackAction.objects.count() == 2  # a fresh form is a new note


# -- roles and scoping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "hiring_manager"])
def test_read_only_roles_get_403_and_nothing_is_enqueued(cast, setup, who):
    client = client_for(getattr(cast, who))
    for name, data, _, _ in endpoint_cases(setup):
        assert client.post(url(name, setup["application"]), data, **HTMX).status_code == 403, name
    assert client.post(url("application-rescore", setup["application"])).status_code == 403
    bulk = {"application": [setup["application"].pk], "action": "tag_add", "tag": "Tier 1"}
    assert client.post(reverse("actions:bulk"), bulk).status_code == 403
    assert not WritebackAction.objects.exists()


@pytest.mark.parametrize("name", [*ENDPOINTS, "application-rescore"])
def test_another_workspace_s_application_is_a_404(cast, setup, name):
    theirs = ApplicationFactory(connection=cast.other_connection)
    _, data, _, _ = case(setup, name) if name != "application-rescore" else (name, {}, None, None)
    assert client_for(cast.recruiter).post(url(name, theirs), data, **HTMX).status_code == 404
    # …and the outsider, owner of the other workspace, cannot reach ours either.
    assert client_for(cast.outsider).post(url(name, setup["application"]), data).status_code == 404
    assert not WritebackAction.objects.exists()


def test_actions_answer_only_posts(cast, setup):
    assert client_for(cast.recruiter).get(url("application-move", setup["application"])).status_code == 405
    assert client_for(cast.recruiter).get(reverse("actions:bulk")).status_code == 405


# -- refusals ---------------------------------------------------------------------------------------------


def refusal_cases(cast, setup):
    other_job_stage = JobStageFactory(job=JobFactory(connection=cast.connection), connection=cast.connection)
    hired = RejectionReasonFactory(connection=cast.connection, name="Hired", reason_type=ReasonType.HIRED)
    return [
        ("application-move", {"stage": other_job_stage.stage.pk}, "Choose a stage of this job's pipeline."),
        ("application-move", {"stage": setup["stages"][0].pk}, "Already in Applied."),
        ("application-reject", {"reason": hired.pk}, "Choose an active rejection reason"),
        ("application-tag-add", {"tag": "   "}, "Enter a tag."),
        ("application-tag-add", {"tag": "python"}, "Already tagged “python”."),
        ("application-tag-remove", {"tag": ""}, "Enter a tag."),
        ("application-note", {"text": ""}, "Write the note first."),
        ("application-attachment", {}, "Choose a file to upload."),
        ("application-attachment", {"file": pdf("script.exe")}, "Lever accepts doc, docx"),
        ("application-result-link", {"label": "Coding test", "url": "not a url"}, "Enter a web address"),
    ]


def test_invalid_input_answers_htmx_with_a_400_fragment_and_enqueues_nothing(cast, setup):
    client = client_for(cast.recruiter)
    for name, data, message in refusal_cases(cast, setup):
        response = client.post(url(name, setup["application"]), data, **HTMX)
        assert response.status_code == 400, (name, data)
        body = html.unescape(response.content.decode())
        assert body.startswith('<p class="action-error" role="alert">') and message in body, body
    assert not WritebackAction.objects.exists()


def test_invalid_input_without_htmx_redirects_back_with_the_message(cast, setup):
    client = client_for(cast.recruiter)
    page = f"/candidates/{setup['application'].candidate_id}/?tab=actions"
    for name, data, message in refusal_cases(cast, setup):
        response = client.post(url(name, setup["application"]), {**data, "next": page})
        assert response.status_code == 302 and response["Location"] == page
        shown = list(get_messages(response.wsgi_request))[-1]  # earlier ones were never displayed
        assert shown.level_tag == "error" and message in str(shown)
    assert not WritebackAction.objects.exists()


def test_a_refused_form_keeps_what_was_typed_for_the_next_render(cast, setup):
    client = client_for(cast.recruiter)
    client.post(
        url("application-result-link", setup["application"]), {"label": "Coding test", "url": "not a url"}
    )
    draft = client.session[DRAFTS_SESSION_KEY][str(setup["application"].pk)]
    assert draft == {"action": "result_link", "label": "Coding test", "url": "not a url"}
    page = render_actions(
        cast,
        cast.recruiter,
        setup["application"],
        session={DRAFTS_SESSION_KEY: {str(setup["application"].pk): draft}},
    )
    assert 'value="Coding test"' in page and 'value="not a url"' in page
    assert '<details class="app-actions-more" open>' in page


def test_an_oversized_upload_is_refused_with_the_limit(cast, setup, monkeypatch):
    monkeypatch.setattr("apps.candidates.forms.MAX_ATTACHMENT_BYTES", 10)
    response = client_for(cast.recruiter).post(
        url("application-attachment", setup["application"]), {"file": pdf(body=b"x" * 20)}, **HTMX
    )
    assert response.status_code == 400
    assert "take-home.pdf is 20\xa0bytes; files can be at most 10\xa0bytes." in response.content.decode()
    assert not WritebackAction.objects.exists()


def test_a_lead_has_no_pipeline_to_move_in(cast, setup):
    lead = ApplicationFactory(connection=cast.connection, job=None)
    response = client_for(cast.recruiter).post(
        url("application-move", lead), {"stage": setup["stages"][1].pk}, **HTMX
    )
    assert response.status_code == 400
    assert html.unescape(response.content.decode()) == (
        '<p class="action-error" role="alert">'
        "This lead is not on a job yet, so there is no pipeline to move in.</p>\n"
    )
    assert url("application-move", lead) not in render_actions(cast, cast.recruiter, lead)


def test_an_application_not_in_lever_is_refused(cast, setup):
    local = ApplicationFactory(connection=cast.connection, job=setup["job"], remote_id=None)
    response = client_for(cast.recruiter).post(url("application-note", local), {"text": "Hi"}, **HTMX)
    assert response.status_code == 400 and "Not in Lever yet." in response.content.decode()


# -- rescore -----------------------------------------------------------------------------------------------


def test_rescore_queues_a_forced_rescore_of_that_application(cast, setup):
    application = setup["application"]
    with mock.patch("apps.scoring.tasks.enqueue_on_commit") as enqueue:
        response = client_for(cast.recruiter).post(url("application-rescore", application), **HTMX)
    assert response.status_code == 200 and "Rescore: queued" in response.content.decode()
    enqueue.assert_called_once_with("apps.candidates.actions.rescore_applications", [application.pk])
    assert json.loads(response["HX-Trigger"]) == {"rescore-queued": {"applications": [application.pk]}}
    assert not WritebackAction.objects.exists()


def test_a_lead_cannot_be_rescored(cast):
    lead = ApplicationFactory(connection=cast.connection, job=None)
    with mock.patch("apps.scoring.tasks.enqueue_on_commit") as enqueue:
        response = client_for(cast.recruiter).post(url("application-rescore", lead), **HTMX)
    assert response.status_code == 400 and "no job to score against" in response.content.decode()
    enqueue.assert_not_called()


# -- bulk ---------------------------------------------------------------------------------------------------


def test_bulk_answers_htmx_with_the_summary_skips_and_batch_progress(cast, setup):
    job, stages = setup["job"], setup["stages"]
    movable = [
        ApplicationFactory(connection=cast.connection, job=job, current_stage=stages[0]) for _ in range(2)
    ]
    there = ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stages[1], candidate__name="Grace Hopper"
    )
    theirs = ApplicationFactory(connection=cast.other_connection)
    data = {
        "application": [a.pk for a in [*movable, there, theirs]],
        "action": "move",
        "stage": stages[1].pk,
        "job": job.pk,
        "reason": "",
        "tag": "ignored: not this action's field",
    }
    response = client_for(cast.recruiter).post(reverse("actions:bulk"), data, **HTMX)
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert "Move 2 applications to Phone Screen" in body and "Queued 2 of 4; 2 skipped." in body
    assert "Grace Hopper" in body and "already in Phone Screen" in body
    assert f"Application #{theirs.pk}: not found in this workspace" in body
    queued = list(WritebackAction.objects.order_by("pk"))
    assert [a.application for a in queued] == movable
    assert len({a.batch_id for a in queued}) == 1
    assert reverse("actions:batch-status", args=[queued[0].batch_id]) in body  # one poll for the batch
    assert json.loads(response["HX-Trigger"]) == {
        "writeback-enqueued": {"applications": [a.pk for a in movable], "batch": str(queued[0].batch_id)}
    }


def test_bulk_without_htmx_redirects_with_the_summary(cast, setup):
    application = setup["application"]
    response = client_for(cast.recruiter).post(
        reverse("actions:bulk"),
        {"application": [application.pk], "action": "tag_add", "tag": "Tier 1", "job": setup["job"].pk},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[setup["job"].pk]
    )
    (message,) = get_messages(response.wsgi_request)
    assert str(message) == 'Add tag "Tier 1" to 1 application: Queued 1 of 1.'


def test_a_large_bulk_batch_links_to_approvals(cast, setup):
    cast.workspace.writeback_approval = WritebackApproval.BULK
    cast.workspace.save()
    many = [
        ApplicationFactory(connection=cast.connection, job=setup["job"]) for _ in range(BULK_THRESHOLD + 1)
    ]
    response = client_for(cast.recruiter).post(
        reverse("actions:bulk"), {"application": [a.pk for a in many], "action": "note", "text": "Hi"}, **HTMX
    )
    body = response.content.decode()
    assert f"Waiting for approval: {BULK_THRESHOLD + 1} of {BULK_THRESHOLD + 1}." in body
    assert reverse("integrations:approvals") in body
    assert 'hx-trigger="every 2s"' not in body  # nothing moves until someone approves: no polling
    assert set(WritebackAction.objects.values_list("status", flat=True)) == {
        WritebackStatus.AWAITING_APPROVAL
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "tag_add", "tag": "x"}, "Select at least one application."),
        ({"application": ["1"], "action": "move"}, "Choose a stage to move to."),
        ({"application": ["1"], "action": "tag_add"}, "Enter the tag to add."),
        ({"application": ["1"], "action": "note", "text": " "}, "Write the note first."),
        ({"application": ["1"], "action": "launch"}, "Choose what to do."),
        ({"application": ["x"], "action": "rescore"}, "The selection is not valid"),
    ],
)
def test_bulk_refuses_an_incomplete_form(cast, setup, data, message):
    response = client_for(cast.recruiter).post(reverse("actions:bulk"), data, **HTMX)
    assert response.status_code == 400 and message in response.content.decode()
    assert not WritebackAction.objects.exists()


def test_bulk_refuses_a_hired_reason_and_another_workspace_s_stage(cast, setup):
    hired = RejectionReasonFactory(connection=cast.connection, reason_type=ReasonType.HIRED)
    theirs = StageFactory(connection=cast.other_connection)
    client = client_for(cast.recruiter)
    pk = setup["application"].pk
    for data in ({"action": "reject", "reason": hired.pk}, {"action": "move", "stage": theirs.pk}):
        response = client.post(reverse("actions:bulk"), {"application": [pk], **data}, **HTMX)
        assert response.status_code == 400
    assert not WritebackAction.objects.exists()


def test_bulk_rescore_needs_the_scoring_capability_and_queues_one_task(cast, setup):
    application = setup["application"]
    with mock.patch("apps.scoring.tasks.enqueue_on_commit") as enqueue:
        response = client_for(cast.recruiter).post(
            reverse("actions:bulk"), {"application": [application.pk], "action": "rescore"}, **HTMX
        )
    assert response.status_code == 200 and "Rescore: queued" in response.content.decode()
    enqueue.assert_called_once_with("apps.candidates.actions.rescore_applications", [application.pk])


def test_the_batch_status_polls_until_every_action_finished(cast, setup):
    client = client_for(cast.recruiter)
    client.post(
        reverse("actions:bulk"), {"application": [setup["application"].pk], "action": "note", "text": "Hi"}
    )
    action = WritebackAction.objects.get()
    status_url = reverse("actions:batch-status", args=[action.batch_id])
    assert client.get(status_url).status_code == 200
    WritebackAction.objects.filter(pk=action.pk).update(
        status=WritebackStatus.FAILED, last_error="Lever: gone"
    )
    finished = client.get(status_url)
    assert finished.status_code == 286
    body = finished.content.decode()
    assert "Lever: gone" in body and "Retry" in body and 'hx-trigger="every 2s"' not in body
    assert client_for(cast.outsider).get(status_url).status_code == 404
    assert client.get(reverse("actions:batch-status", args=[uuid.uuid4()])).status_code == 404


# -- the template tags ----------------------------------------------------------------------------------


def render(cast, user, source, session=None, **context):
    request = RequestFactory().get("/candidates/1/?tab=applications")
    membership = Membership.objects.get(user=user, workspace=cast.workspace)
    request.user, request.workspace, request.membership = user, cast.workspace, membership
    request.session = session if session is not None else {}
    return Template("{% load recruiter_actions %}" + source).render(RequestContext(request, context))


def render_actions(cast, user, application, session=None):
    return render(cast, user, "{% application_actions application %}", session, application=application)


def test_the_profile_controls_for_a_recruiter(cast, setup):
    application = setup["application"]
    RejectionReasonFactory(connection=cast.connection, name="Hired", reason_type=ReasonType.HIRED)
    RejectionReasonFactory(connection=cast.connection, name="Retired reason", is_active=False)
    page = render_actions(cast, cast.recruiter, application)
    for name in [*ENDPOINTS, "application-rescore"]:
        assert f'action="{url(name, application)}"' in page and f'hx-post="{url(name, application)}"' in page
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form ")
    assert page.count('name="next" value="/candidates/1/?tab=applications"') == page.count("<form ")
    assert f'id="action-result-{application.pk}"' in page and 'aria-live="polite"' in page
    assert f'hx-target="#action-result-{application.pk}"' in page
    phone, onsite = setup["stages"][1], setup["stages"][2]
    assert f'<option value="{phone.pk}" selected>Phone Screen</option>' in page  # the next stage
    assert f'<option value="{onsite.pk}">Onsite</option>' in page and ">Applied<" not in page
    assert "Underqualified" in page and "Hired" not in page and "Retired reason" not in page
    assert 'aria-label="Remove tag python"' in page
    assert "<summary>More actions</summary>" in page
    assert 'enctype="multipart/form-data"' in page and 'name="secret"' in page
    # Every control has a label.
    for control in ("stage", "reason", "tag", "note", "file", "link-label", "link-url"):
        assert f'for="a{application.pk}-{control}"' in page and f'id="a{application.pk}-{control}"' in page


@pytest.mark.parametrize("who", ["viewer", "hiring_manager"])
def test_read_only_roles_see_no_controls(cast, setup, who):
    user = getattr(cast, who)
    assert render_actions(cast, user, setup["application"]).strip() == ""
    assert render(cast, user, "{% bulk_action_bar job %}", job=setup["job"]).strip() == ""


def test_an_application_outside_lever_shows_why_instead_of_controls(cast, setup):
    local = ApplicationFactory(connection=cast.connection, job=setup["job"], remote_id=None)
    page = render_actions(cast, cast.recruiter, local)
    assert "Not in Lever yet" in page and "<form" not in page


def test_an_archived_application_offers_no_move_or_reject(cast, setup):
    application = setup["application"]
    Application.objects.filter(pk=application.pk).update(
        outcome=Outcome.REJECTED, rejection_reason=setup["reason"]
    )
    application.refresh_from_db()
    page = render_actions(cast, cast.recruiter, application)
    assert url("application-move", application) not in page
    assert url("application-reject", application) not in page
    assert "Rejected (Underqualified)" in page and url("application-note", application) in page


def test_shared_assets_and_the_tag_list_render_once_per_page(cast, setup):
    other = ApplicationFactory(
        connection=cast.connection, job=setup["job"], candidate=setup["application"].candidate
    )
    page = render(
        cast,
        cast.recruiter,
        "{% application_actions a %}{% application_actions b %}{% bulk_action_bar job %}",
        a=setup["application"],
        b=other,
        job=setup["job"],
    )
    assert page.count("js/actions.js") == 1 and page.count("css/actions.css") == 1
    assert page.count("<datalist") == 1 and '<option value="python">' in page


def test_the_bulk_bar(cast, setup):
    cast.workspace.writeback_approval = WritebackApproval.BULK
    cast.workspace.save()
    page = render(cast, cast.recruiter, '{% bulk_action_bar job form_id="pipeline-bulk" %}', job=setup["job"])
    assert '<form id="pipeline-bulk"' in page and f'action="{reverse("actions:bulk")}"' in page
    assert f'hx-post="{reverse("actions:bulk")}"' in page and 'hx-target="#bulk-result"' in page
    assert '<div id="bulk-result" class="bulk-result-slot" aria-live="polite">' in page
    assert f'name="job" value="{setup["job"].pk}"' in page
    assert all(f'value="{a}"' in page for a in ("move", "reject", "tag_add", "tag_remove", "note", "rescore"))
    assert ">Phone Screen<" in page and ">Underqualified<" in page
    assert f"More than {BULK_THRESHOLD} applications at once wait" in page
    assert 'data-bulk-fields="move"' in page and "data-bulk-count" in page
    other = render(cast, cast.recruiter, '{% bulk_action_bar None form_id="list-bulk" %}')
    assert '<form id="list-bulk"' in other and 'id="list-bulk-result"' in other and 'name="job"' not in other


def test_the_bulk_bar_offers_rescoring_only_to_who_may_rescore(cast, setup):
    user = UserFactory()
    MembershipFactory(workspace=cast.workspace, user=user, role=Role.RECRUITER)
    with mock.patch.dict(
        "apps.accounts.roles.ROLE_CAPABILITIES", {Role.RECRUITER: frozenset({"view", "write_back"})}
    ):
        page = render(cast, user, "{% bulk_action_bar job %}", job=setup["job"])
    assert 'value="rescore"' not in page and 'value="tag_add"' in page


# -- end to end, against the Lever sandbox ----------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    yield from small_sandbox()


def test_a_recruiter_moves_and_rejects_in_the_sandbox(sandbox):
    connection = synced_connection(sandbox)
    recruiter = UserFactory(email="recruiter@sandbox.example")
    MembershipFactory(workspace=connection.workspace, user=recruiter, role=Role.RECRUITER)
    client = client_for(recruiter)
    application = next(
        a
        for a in Application.objects.for_connection(connection)
        .alive()
        .active()
        .exclude(job=None)
        .order_by("pk")
        if len(pipeline_stages(a.job)) > 2
    )
    target = next(s for s in pipeline_stages(application.job) if s.pk != application.current_stage_id)

    response = client.post(
        url("application-move", application), {"stage": target.pk, "form_token": uuid.uuid4().hex}, **HTMX
    )
    assert response.status_code == 200 and f"Move to {target.name}: pending" in response.content.decode()
    assert process(connection) == {"succeeded": 1}
    move = WritebackAction.objects.get(application=application, kind=WritebackKind.MOVE_STAGE)
    chip = client.get(reverse("integrations:writeback-status", args=[move.pk]))
    assert chip.status_code == 286 and f"Move to {target.name}: done" in chip.content.decode()
    with lever(sandbox) as lever_client:
        assert lever_client.get_opportunity(application.remote_id)["stage"] == target.remote_id
    application.refresh_from_db()
    assert application.current_stage == target  # mirrored at once

    reason = (
        RejectionReason.objects.for_connection(connection)
        .filter(reason_type=ReasonType.NON_HIRED, is_active=True)
        .first()
    )
    response = client.post(url("application-reject", application), {"reason": reason.pk}, **HTMX)
    assert response.status_code == 200
    assert process(connection) == {"succeeded": 1}
    with lever(sandbox) as lever_client:
        assert lever_client.get_opportunity(application.remote_id)["archived"]["reason"] == reason.remote_id
    application.refresh_from_db()
    assert (application.outcome, application.rejection_reason) == (Outcome.REJECTED, reason)
