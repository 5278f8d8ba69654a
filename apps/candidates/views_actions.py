"""Recruiter actions over HTTP: one small POST endpoint per action, plus the bulk endpoint.

htmx requests get a fragment: the self-polling status chip of the queued write-back (200) or a short
error (400). Plain form posts get a message and a redirect to `next` (or the candidate), so every
action also works without JavaScript. On an error the entered text is kept for the next render of
the form (see templatetags/recruiter_actions.py), so only the failing field needs retyping.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.candidates import actions
from apps.candidates.actions import Action
from apps.candidates.forms import (
    DRAFTS_SESSION_KEY,
    MAX_ATTACHMENT_BYTES,
    SINGLE_FORMS,
    BulkActionForm,
    RescoreForm,
    error_text,
)
from apps.candidates.models import Application
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404, scoped
from apps.integrations.models import WritebackAction, WritebackStatus

DRAFT_FIELDS = ("stage", "reason", "clean_interviews", "tag", "text", "secret", "label", "url")
MAX_DRAFT_CHARS = 20_000


# -- helpers ------------------------------------------------------------------------------------------------


# What an action reads of its application: the checks (forms, actions.skip_reason, the write-back
# services), the enqueue (the connection's status, workspace and default user; the person's pk) and
# the answer (the job's name). The rows are wide (remote_data, a job's descriptions, a connection's
# encrypted tokens): a field missing here costs a query when read (tests/candidates/test_action_cost.py).
ACTION_APPLICATION_FIELDS = (
    "workspace",
    "connection",
    "remote_id",
    "remote_deleted_at",
    "candidate",
    "job",
    "current_stage",
    "outcome",
    "candidate__id",
    "job__workspace",
    "job__name",
    "connection__workspace",
    "connection__status",
    "connection__writeback_user",
)


def _application(request: WorkspaceRequest, pk: int) -> Application:
    application = get_scoped_or_404(
        Application.objects.select_related("candidate", "job", "connection").only(*ACTION_APPLICATION_FIELDS),
        request,
        pk=pk,
    )
    # The enqueue reads the workspace's approval mode: the request's own row, loaded already.
    connection, workspace = application.connection, request.workspace
    if connection is not None and workspace is not None and connection.workspace_id == workspace.pk:
        connection.workspace = workspace
    return application


def _next_url(request: WorkspaceRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _back(request: WorkspaceRequest, application: Application) -> HttpResponse:
    return redirect(_next_url(request, reverse("candidates:detail", args=[application.candidate_id])))


def _error_fragment(request: WorkspaceRequest, message: str) -> HttpResponse:
    return render(request, "candidates/_action_error.html", {"message": message}, status=400)


def _keep_draft(request: WorkspaceRequest, application: Application, action: str) -> None:
    """Remember what was typed into a refused form, so the redirect does not lose it."""
    draft = {name: request.POST[name] for name in DRAFT_FIELDS if request.POST.get(name)}
    if sum(len(value) for value in draft.values()) > MAX_DRAFT_CHARS:
        return
    drafts = request.session.get(DRAFTS_SESSION_KEY, {})
    drafts[str(application.pk)] = {"action": action, **draft}
    request.session[DRAFTS_SESSION_KEY] = drafts


def _refused(request: WorkspaceRequest, application: Application, action: str, message: str) -> HttpResponse:
    if request.htmx:
        return _error_fragment(request, message)
    _keep_draft(request, application, action)
    messages.error(request, message)
    return _back(request, application)


def _queued(request: WorkspaceRequest, application: Application, writeback: WritebackAction) -> HttpResponse:
    if request.htmx:
        response = render(request, "integrations/_writeback_status.html", {"action": writeback})
        return trigger_client_event(
            response,
            "writeback-enqueued",
            {"application": application.pk, "action": writeback.pk, "status": writeback.status},
        )
    if writeback.status == WritebackStatus.AWAITING_APPROVAL:
        messages.info(
            request, f"{writeback.summary}: waiting for an admin's approval before it goes to Lever."
        )
    else:
        messages.success(request, f"{writeback.summary}: queued for Lever.")
    return _back(request, application)


def _perform(request: WorkspaceRequest, pk: int, action: str) -> HttpResponse:
    """Check the action's form, enqueue it, and answer with its status chip or why it was refused."""
    application = _application(request, pk)
    form = SINGLE_FORMS[action](request.POST, request.FILES, application=application)
    try:
        if not form.is_valid():
            raise ValidationError(error_text(form))
        writeback = actions.application_action_perform(
            application=application,
            action=action,
            values=form.values(),
            requested_by=request.user,
            form_token=form.cleaned_data.get("form_token"),
        )
    except ValidationError as exc:
        return _refused(request, application, action, " ".join(exc.messages))
    return _queued(request, application, writeback)


# -- one application ----------------------------------------------------------------------------------------


@require_POST
@capability_required(Capability.WRITE_BACK)
def application_action(request: WorkspaceRequest, pk: int, action: str) -> HttpResponse:
    """One action on one application; the URL names which (see urls_actions.py)."""
    if action == Action.ATTACHMENT and int(request.META.get("CONTENT_LENGTH") or 0) > (
        MAX_ATTACHMENT_BYTES + 1024 * 1024
    ):
        # Refuse an oversized upload by its declared length before Django spools it to disk.
        limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        return _refused(request, _application(request, pk), action, f"Files can be at most {limit} MB.")
    return _perform(request, pk, action)


@require_POST
@capability_required(Capability.EDIT_SCORING)
def application_rescore(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Queue a forced rescore of one application in the background."""
    application = _application(request, pk)
    RescoreForm(request.POST, application=application).is_valid()  # nothing to check but the token
    reason = actions.skip_reason(application, Action.RESCORE, {})
    if reason:
        return _refused(request, application, Action.RESCORE, actions.sentence(f"Not rescored: {reason}"))
    actions.applications_rescore([application])
    if request.htmx:
        response = render(request, "candidates/_action_rescore.html", {"application": application})
        return trigger_client_event(response, "rescore-queued", {"applications": [application.pk]})
    messages.info(request, "Rescoring in the background; the score updates in a moment.")
    return _back(request, application)


# -- many applications --------------------------------------------------------------------------------------


def _bulk_back(request: WorkspaceRequest, form: BulkActionForm) -> HttpResponse:
    job = form.cleaned_data.get("job") if hasattr(form, "cleaned_data") else None
    fallback = reverse("jobs:detail", args=[job.pk]) if job else reverse("candidates:list")
    return redirect(_next_url(request, fallback))


def _bulk_message(result: actions.BulkResult) -> str:
    text = f"{result.label}: {result.summary}"
    if result.skipped:
        shown = [
            f"{skip.application.candidate if skip.application else f'#{skip.pk}'} ({skip.reason})"
            for skip in result.skipped[:5]
        ]
        more = f" and {len(result.skipped) - 5} more" if len(result.skipped) > 5 else ""
        text += f" Skipped: {', '.join(shown)}{more}."
    if result.awaiting_approval:
        text += " An admin approves it under Integrations → Approvals before it goes to Lever."
    return text


@require_POST
@capability_required(Capability.WRITE_BACK)
def bulk(request: WorkspaceRequest) -> HttpResponse:
    """Apply one action to the selected applications of this workspace, as one batch."""
    form = BulkActionForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        if request.htmx:
            return _error_fragment(request, error_text(form))
        messages.error(request, error_text(form))
        return _bulk_back(request, form)
    action = form.cleaned_data["action"]
    if action == Action.RESCORE and not request.membership.can(Capability.EDIT_SCORING):  # type: ignore[union-attr]
        raise PermissionDenied("Your role does not allow rescoring.")
    result = actions.applications_bulk_apply(
        workspace=request.workspace,  # type: ignore[arg-type]
        application_ids=form.cleaned_data["application"],
        action=action,
        values=form.values(),
        requested_by=request.user,
        form_token=form.cleaned_data.get("form_token"),
    )
    if request.htmx:
        context: dict[str, Any] = {"result": result, "progress": actions.BatchProgress(result.actions)}
        response = render(request, "candidates/_action_result.html", context)
        event = "rescore-queued" if action == Action.RESCORE else "writeback-enqueued"
        applied = result.rescored or [a.application_id for a in result.actions]
        return trigger_client_event(
            response, event, {"applications": applied, "batch": str(result.batch_id or "")}
        )
    done = result.done_count
    level = messages.SUCCESS if done and not result.skipped else messages.WARNING if done else messages.ERROR
    messages.add_message(request, level, _bulk_message(result))
    return _bulk_back(request, form)


@require_GET
@workspace_member_required
def batch_status(request: WorkspaceRequest, batch_id: uuid.UUID) -> HttpResponse:
    """Where one bulk action's write-backs stand; polls itself while any is on its way (htmx stops on 286)."""
    batch_actions = list(
        scoped(WritebackAction, request)
        .filter(batch_id=batch_id)
        .select_related("application__candidate", "connection")
        .order_by("pk")
    )
    if not batch_actions:
        raise Http404("No such batch.")
    progress = actions.BatchProgress(batch_actions)
    response = render(request, "candidates/_action_batch.html", {"progress": progress})
    if not progress.polling:
        response.status_code = 286
    return response
