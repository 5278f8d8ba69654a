"""Scoring pages: a job's ranking and profile, feedback on a score, the CSV export, write-back settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.candidates.models import Application
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404
from apps.jobs.models import Job
from apps.jobs.views import job_detail_page
from apps.scoring import audit, profiles, selectors, writeback
from apps.scoring.forms import FeedbackForm, ScoringProfileForm, ScoringSettingsForm
from apps.scoring.services import scoring_settings_for
from apps.scoring.tasks import SCORE_JOB_TASK, enqueue_on_commit


def _job_page(request: WorkspaceRequest, job: Job, form: ScoringProfileForm | None = None) -> HttpResponse:
    profile = profiles.scoring_profile_for(job)
    context = {
        "job": job,
        "profile": profile,
        "form": form or ScoringProfileForm.for_profile(profile, profiles.effective_weights(profile)),
        "ranking": selectors.job_ranking(job),
        "agreement": selectors.job_agreement(job),
        "counts": selectors.job_scoring_counts(job),
    }
    return render(request, "scoring/job.html", context, status=400 if form is not None else 200)


@require_GET
@workspace_member_required
def job_scoring(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return _job_page(request, get_scoped_or_404(Job, request, pk=pk))


def _safe_next(request: WorkspaceRequest) -> str:
    """Return the form's `next` when it points into this site, else "" (never an open redirect)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else ""


def _is_job_page(target: str, job: Job) -> bool:
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return False
    return match.view_name == "jobs:detail" and str(match.kwargs.get("pk")) == str(job.pk)


@require_POST
@capability_required(Capability.EDIT_SCORING)
def job_profile_update(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Save the profile; a safe `next` (the job page's inline form sends one) is where people return."""
    job = get_scoped_or_404(Job, request, pk=pk)
    form = ScoringProfileForm(request.POST)
    target = _safe_next(request)
    if not form.is_valid():
        if _is_job_page(target, job):
            return job_detail_page(request, job, profile_form=form)
        return _job_page(request, job, form)
    profiles.scoring_profile_update(job=job, user=request.user, **form.profile_values())
    messages.success(request, "Scoring profile saved. The pipeline is being rescored in the background.")
    return redirect(target or reverse("scoring:job", args=[job.pk]))


@require_POST
@capability_required(Capability.EDIT_SCORING)
def job_rescore(request: WorkspaceRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(Job, request, pk=pk)
    enqueue_on_commit(SCORE_JOB_TASK, job.pk)
    messages.info(request, "Rescoring started. Scores whose inputs did not change stay as they are.")
    return redirect("scoring:job", pk=job.pk)


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@capability_required(Capability.EDIT_SCORING)
def job_audit_export(request: WorkspaceRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(Job, request, pk=pk)
    return _csv(audit.job_audit_csv(job), f"scores-job-{job.pk}.csv")


@require_GET
@capability_required(Capability.MANAGE_INTEGRATIONS)
def job_audit_keys(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The pseudonym → Lever opportunity id file, for joining EEO answers (owners and admins only)."""
    job = get_scoped_or_404(Job, request, pk=pk)
    return _csv(audit.job_audit_keys_csv(job), f"scores-job-{job.pk}-join-keys.csv")


@require_POST
@capability_required(Capability.EDIT_SCORING)
def application_feedback(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Record a thumbs up or down; htmx gets the refreshed panel, a plain form post goes back."""
    application = get_scoped_or_404(Application.objects.select_related("job"), request, pk=pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        profiles.score_feedback_set(application=application, user=request.user, **form.cleaned_data)
    elif not request.htmx:
        messages.error(request, "Choose agree or disagree (a reason is optional, up to 1,000 characters).")
    if not request.htmx:
        return redirect(
            reverse("candidates:detail", args=[application.candidate_id]) + f"#score-{application.pk}"
        )
    panel = selectors.score_panel(application=application, user=request.user)
    return render(
        request, "scoring/_score_panel.html", {"panel": panel, "feedback_error": not form.is_valid()}
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_INTEGRATIONS)
def scoring_settings(request: WorkspaceRequest) -> HttpResponse:
    current = scoring_settings_for(request.workspace)  # type: ignore[arg-type]
    was_on = current.writeback_enabled and current.pk is not None
    form = ScoringSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        profiles.scoring_settings_update(workspace=request.workspace, user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        if form.cleaned_data["writeback_enabled"] and not was_on:
            messages.success(request, "Write-back is on: the current tiers are being sent to Lever.")
        else:
            messages.success(request, "Scoring settings saved.")
        return redirect("scoring:settings")
    plans, pending = writeback.writeback_preview(request.workspace)  # type: ignore[arg-type]
    context = {"form": form, "settings": current, "plans": plans, "pending": pending}
    return render(request, "scoring/settings.html", context, status=400 if form.errors else 200)
