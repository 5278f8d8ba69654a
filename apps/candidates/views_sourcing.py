"""Sourcing pages: add (and correct) a candidate, export them to Lever, resolve a duplicate, a job's ATS sync.

Adding, exporting and resolving send things to Lever, so they need WRITE_BACK; so does correcting a
person not in Lever yet, since what is corrected is what their export will send. A job's export trigger
needs EDIT_SCORING: it is per-job configuration like the scoring profile (whose tiers the tier trigger
uses), held by the recruiters who source; it only automates what their Export to ATS button does, and
every action it queues still passes the workspace's write-back approval setting, which admins own.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.candidates import sourcing
from apps.candidates.forms_sourcing import AddCandidateForm, EditCandidateForm, ExportSettingsForm
from apps.candidates.models import Application, Candidate, CandidateExport, ExportStatus
from apps.candidates.selectors import lever_link
from apps.candidates.sourcing_triggers import (
    BUTTON_ONLY,
    export_settings_for,
    job_export_settings_update,
    trigger_description,
)
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped
from apps.jobs.models import ExportTrigger, Job

EXPORT_LOG_PAGE = 25


def _profile(candidate_pk: int) -> str:
    return reverse("candidates:detail", args=[candidate_pk])


def _export_message(request: WorkspaceRequest, export: CandidateExport, name: str, *, added: bool) -> None:
    """Say what became of an export: queued, waiting for approval, duplicate found (with a link), failed."""
    if export.status == ExportStatus.DUPLICATE and export.matched_candidate_id:
        messages.warning(
            request,
            format_html(
                '{} {}: <a href="{}">{}</a> {} ({}). Add them to this job instead, or skip.',
                name,
                "was added, but not exported" if added else "was not exported",
                _profile(export.matched_candidate_id),
                export.matched_name or "someone",
                "is already in Lever" if export.matched_contact_id else "was already added",
                export.match_reason,
            ),
        )
    elif export.status == ExportStatus.FAILED:
        what = "was added, but could not be exported" if added else "could not be exported"
        messages.error(request, f"{name} {what}: {export.message}")
    elif export.status == ExportStatus.PENDING and export.message == "Queued for Lever.":
        messages.success(request, f"{name} {'was added and ' if added else 'was '}queued for Lever.")
    else:
        messages.info(request, f"{name}{' was added' if added else ''}: {export.message}")


def _add_message(request: WorkspaceRequest, result: sourcing.AddResult) -> None:
    name = result.candidate.name
    if result.export is not None:
        _export_message(request, result.export, name, added=True)
        return
    job = result.application.job if result.application is not None else None
    if result.waiting_for == BUTTON_ONLY:
        messages.success(request, f"{name} was added. Use Export to ATS when they should go to Lever.")
    else:
        messages.success(request, f"{name} was added. {job} exports them {result.waiting_for}.")
    for match in result.duplicates[:3]:
        assert match.candidate is not None
        messages.warning(
            request,
            format_html(
                'Possible duplicate: <a href="{}">{}</a> ({}).',
                _profile(match.candidate.pk),
                match.name or "someone",
                match.reason,
            ),
        )


# -- adding ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.WRITE_BACK)
def candidate_add(request: WorkspaceRequest) -> HttpResponse:
    initial = {"job": request.GET.get("job")} if request.GET.get("job", "").isdigit() else {}
    form = AddCandidateForm(
        request.POST or None, request.FILES or None, workspace=request.workspace, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = sourcing.candidate_add(
                workspace=request.workspace,
                new=form.new_candidate(),
                requested_by=request.user,
                **form.add_options(),
            )
        except ValidationError as exc:
            form.add_errors(exc)
        else:
            _add_message(request, result)
            return redirect(_profile(result.candidate.pk))
    return render(request, "candidates/add.html", {"form": form}, status=400 if form.errors else 200)


# -- correcting a person not in Lever yet ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.WRITE_BACK)
def candidate_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Correct the details of a person added here; one in Lever (or on the way there) is edited in Lever.

    A GET for someone who cannot be edited here says why, with their Lever link when they have one.
    """
    candidate = get_scoped_or_404(Candidate.objects.defer("remote_data"), request, pk=pk)
    form: EditCandidateForm | None = None
    refusal = ""
    if request.method == "POST":
        form = EditCandidateForm(request.POST, candidate=candidate)
        if form.is_valid():
            try:
                saved = sourcing.candidate_update_local(
                    candidate=candidate, new=form.new_candidate(), requested_by=request.user
                )
            except ValidationError as exc:
                form.add_errors(exc)
                refusal = " ".join(exc.messages) if not hasattr(exc, "error_dict") else ""
            else:
                if saved.updated_at != candidate.updated_at:
                    messages.success(request, f"{saved.name}'s details were saved.")
                else:
                    messages.info(request, f"Nothing changed in {saved.name}'s details.")
                return redirect(_profile(candidate.pk))
    else:
        refusal = sourcing.local_edit_refusal(candidate)
        form = None if refusal else EditCandidateForm(candidate=candidate)
    context = {
        "candidate": candidate,
        "form": form,
        "refusal": refusal,
        "lever_url": lever_link(candidate) if refusal else "",
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "candidates/edit.html", context, status=status)


# -- exporting ---------------------------------------------------------------------------------------------


def _chip(request: WorkspaceRequest, export: CandidateExport) -> HttpResponse:
    return render(request, "candidates/_export_status.html", {"export": export})


@require_POST
@capability_required(Capability.WRITE_BACK)
def candidate_export(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The Export to ATS button: export a person not in Lever yet (to one of their local applications)."""
    candidate = get_scoped_or_404(Candidate, request, pk=pk)
    application = None
    if request.POST.get("application", "").isdigit():
        application = get_scoped_or_404(
            Application.objects.filter(candidate=candidate), request, pk=int(request.POST["application"])
        )
    try:
        export = sourcing.candidate_export(
            candidate=candidate,
            application=application,
            requested_by=request.user,
            token=request.POST.get("token", "")[:64],
        )
    except ValidationError as exc:
        if request.htmx:
            return render(
                request, "candidates/_action_error.html", {"message": " ".join(exc.messages)}, status=400
            )
        messages.error(request, " ".join(exc.messages))
        return redirect(_profile(candidate.pk))
    if request.htmx:
        return _chip(request, export)
    _export_message(request, export, str(candidate), added=False)
    return redirect(_profile(export.candidate_id))


@require_GET
@workspace_member_required
def export_status(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """One export's chip; it polls itself while pending and stops once settled."""
    export = get_scoped_or_404(CandidateExport.objects.select_related("job", "action"), request, pk=pk)
    sourcing.exports_settle([export])
    return _chip(request, export)


def _resolved(request: WorkspaceRequest, export: CandidateExport, text: str) -> HttpResponse:
    target = _profile(export.candidate_id)
    if request.htmx:
        messages.success(request, text)
        return HttpResponseClientRedirect(target)
    messages.success(request, text)
    return redirect(target)


def _refused(request: WorkspaceRequest, export: CandidateExport, exc: ValidationError) -> HttpResponse:
    text = " ".join(exc.messages)
    if request.htmx:
        return render(request, "candidates/_action_error.html", {"message": text}, status=400)
    messages.error(request, text)
    return redirect(_profile(export.candidate_id))


@require_POST
@capability_required(Capability.WRITE_BACK)
def export_add_to_job(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """ "Add to this job instead": a new opportunity on the person Lever already has; the local row joins them."""
    export = get_scoped_or_404(
        CandidateExport.objects.select_related("job", "matched_candidate", "candidate"), request, pk=pk
    )
    try:
        export = sourcing.export_add_to_job(export=export, requested_by=request.user)
    except ValidationError as exc:
        return _refused(request, export, exc)
    return _resolved(request, export, f"{export.matched_name} is being added to {export.job} in Lever.")


@require_POST
@capability_required(Capability.WRITE_BACK)
def export_skip(request: WorkspaceRequest, pk: int) -> HttpResponse:
    export = get_scoped_or_404(CandidateExport.objects.select_related("candidate"), request, pk=pk)
    try:
        export = sourcing.export_skip(export=export, by=request.user)
    except ValidationError as exc:
        return _refused(request, export, exc)
    if request.htmx:
        return _chip(request, export)
    messages.info(request, f"{export.candidate} stays out of Lever.")
    return redirect(_profile(export.candidate_id))


# -- a job's ATS sync ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_member_required
def job_ats_sync(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """A job's export trigger (EDIT_SCORING to change it) and its export log, newest first."""
    job = get_scoped_or_404(Job, request, pk=pk)
    can_edit = bool(request.membership and request.membership.can(Capability.EDIT_SCORING))
    settings = export_settings_for(job)
    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Your role does not allow changing a job's ATS sync.")
        form = ExportSettingsForm(request.POST)
        if form.is_valid():
            settings = job_export_settings_update(
                job=job, trigger=form.cleaned_data["trigger"], tier=form.cleaned_data["tier"], by=request.user
            )
            messages.success(
                request,
                f"Saved. Candidates added to {job} from now on are exported {trigger_description(settings)}."
                if settings.trigger != ExportTrigger.NEVER
                else f"Saved. Candidates added to {job} are exported only with the Export to ATS button.",
            )
            return redirect("candidates:job-ats-sync", pk=job.pk)
    elif can_edit:
        initial = {"trigger": settings.trigger, "tier": settings.tier} if settings else {"trigger": "never"}
        form = ExportSettingsForm(initial=initial)
    log = scoped(CandidateExport, request).filter(job=job)
    sourcing.exports_settle(log.filter(status=ExportStatus.PENDING).select_related("action", "job"))
    page = paginate(
        request,
        log.select_related("candidate", "matched_candidate", "requested_by", "job").order_by(
            "-created_at", "-pk"
        ),
        per_page=EXPORT_LOG_PAGE,
    )
    context = {
        "job": job,
        "settings": settings,
        "description": trigger_description(settings),
        "form": form,
        "page": page,
    }
    return render(
        request, "candidates/job_ats_sync.html", context, status=400 if form and form.errors else 200
    )
