"""The outbox in the browser: the candidate timeline, retry, approvals, the approval setting, admin."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from apps.accounts.models import WritebackApproval
from apps.integrations.models import WritebackAction, WritebackKind, WritebackStatus
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.integrations.factories import WritebackActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(cast):
    application = ApplicationFactory(connection=cast.connection)
    return WritebackActionFactory(
        connection=cast.connection,
        application=application,
        candidate=application.candidate,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "Tier 1"},
        status=WritebackStatus.FAILED,
        status_reason="Lever: tag text too long",
        requested_by=cast.recruiter,
    )


def test_the_candidate_timeline_shows_what_was_sent_and_why_it_failed(cast, failed):
    page = (
        client_for(cast.viewer).get(reverse("candidates:detail", args=[failed.candidate_id])).content.decode()
    )
    assert "Add tag “Tier 1”" in page and "Lever: tag text too long" in page
    assert "Retry" not in page  # viewers cannot write back
    assert (
        "Retry"
        in client_for(cast.recruiter)
        .get(reverse("candidates:detail", args=[failed.candidate_id]))
        .content.decode()
    )


def test_a_recruiter_retries_a_failed_action(cast, failed, django_capture_on_commit_callbacks):
    url = reverse("integrations:writeback-retry", args=[failed.pk])
    assert client_for(cast.viewer).post(url).status_code == 403
    with django_capture_on_commit_callbacks():
        response = client_for(cast.recruiter).post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse(
        "candidates:detail", args=[failed.candidate_id]
    )  # no open redirect
    failed.refresh_from_db()
    assert failed.status == WritebackStatus.PENDING


def test_the_status_chip_polls_while_open_and_stops_with_lever_s_message(cast, failed):
    url = reverse("integrations:writeback-status", args=[failed.pk])
    WritebackAction.objects.filter(pk=failed.pk).update(status=WritebackStatus.PENDING)
    pending = client_for(cast.viewer).get(url)
    assert pending.status_code == 200 and f'hx-get="{url}"' in pending.content.decode()

    WritebackAction.objects.filter(pk=failed.pk).update(
        status=WritebackStatus.FAILED, last_error="Lever: stage not in this pipeline"
    )
    as_viewer = client_for(cast.viewer).get(url)
    assert as_viewer.status_code == 286  # htmx swaps this answer and stops polling
    body = as_viewer.content.decode()
    assert "Lever: stage not in this pipeline" in body and "hx-get" not in body
    assert "Retry" not in body
    assert "Retry" in client_for(cast.recruiter).get(url).content.decode()


def test_an_htmx_retry_answers_with_the_chip_polling_again(cast, failed, django_capture_on_commit_callbacks):
    url = reverse("integrations:writeback-retry", args=[failed.pk])
    with django_capture_on_commit_callbacks():
        response = client_for(cast.recruiter).post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-status="pending"' in body
    assert reverse("integrations:writeback-status", args=[failed.pk]) in body


def batch(cast, size=12):
    batch_id = uuid.uuid4()
    return [
        WritebackActionFactory(
            connection=cast.connection,
            status=WritebackStatus.AWAITING_APPROVAL,
            batch_id=batch_id,
            batch_label="Add tag Tier 1 to 12 applications",
            application=ApplicationFactory(connection=cast.connection),
            payload={"tag": "Tier 1"},
        )
        for _ in range(size)
    ], batch_id


def test_approvals_list_batches_with_a_preview_and_approve_sends_them(
    cast, django_capture_on_commit_callbacks
):
    actions, batch_id = batch(cast)
    client = client_for(cast.admin)
    page = client.get(reverse("integrations:approvals")).content.decode()
    assert "Add tag Tier 1 to 12 applications" in page and "12 actions" in page
    assert "/addTags" in page  # the exact call that would be sent
    with django_capture_on_commit_callbacks():
        client.post(reverse("integrations:approvals-decide"), {"batch": str(batch_id), "decision": "approve"})
    assert set(WritebackAction.objects.filter(batch_id=batch_id).values_list("status", flat=True)) == {
        "pending"
    }
    assert WritebackAction.objects.filter(batch_id=batch_id, approved_by=cast.admin).count() == 12


def test_discarding_a_batch_sends_nothing(cast):
    actions, batch_id = batch(cast, size=3)
    client_for(cast.owner).post(
        reverse("integrations:approvals-decide"), {"batch": str(batch_id), "decision": "discard"}
    )
    assert set(WritebackAction.objects.filter(batch_id=batch_id).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_approvals_are_for_owners_and_admins_of_this_workspace(cast):
    actions, batch_id = batch(cast, size=2)
    assert client_for(cast.recruiter).get(reverse("integrations:approvals")).status_code == 403
    response = client_for(cast.outsider).post(
        reverse("integrations:approvals-decide"), {"batch": str(batch_id), "decision": "approve"}
    )
    assert response.status_code == 404
    assert (
        client_for(cast.admin)
        .post(reverse("integrations:approvals-decide"), {"batch": "junk", "decision": "approve"})
        .status_code
        == 404
    )


def test_owners_choose_the_approval_mode(cast):
    url = reverse("accounts:writeback-approval")
    client_for(cast.admin).post(url, {"writeback_approval": WritebackApproval.ALL})
    cast.workspace.refresh_from_db()
    assert cast.workspace.writeback_approval == WritebackApproval.ALL
    client_for(cast.admin).post(url, {"writeback_approval": "sometimes"})
    cast.workspace.refresh_from_db()
    assert cast.workspace.writeback_approval == WritebackApproval.ALL
    assert client_for(cast.recruiter).post(url, {"writeback_approval": "none"}).status_code == 403


def test_staff_retry_and_cancel_from_the_admin(
    staff_client, cast, failed, django_capture_on_commit_callbacks
):
    pending = WritebackActionFactory(connection=cast.connection, status=WritebackStatus.PENDING)
    changelist = reverse("admin:integrations_writebackaction_changelist")
    with django_capture_on_commit_callbacks():
        staff_client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]})
    staff_client.post(changelist, {"action": "cancel", "_selected_action": [pending.pk]})
    failed.refresh_from_db()
    pending.refresh_from_db()
    assert (failed.status, pending.status) == (WritebackStatus.PENDING, WritebackStatus.CANCELLED)
