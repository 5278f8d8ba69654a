"""Edit a job's Lever posting: a form prefilled from the mirror; saving queues a partial update.

Saving compares the form with what it was opened on and with the mirror now (services.job_edit_compare).
A field changed here and, differently, in Lever since is a conflict: the page comes back (409) with
both values side by side and the person chooses to keep theirs (overwrite Lever) or take Lever's.
An update the worker refused because Lever moved on first reopens the same way.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import capability_required
from apps.accounts.roles import Capability
from apps.core.http import WorkspaceRequest
from apps.core.scoping import get_scoped_or_404
from apps.integrations.models import WritebackAction, WritebackKind
from apps.jobs import services
from apps.jobs.forms import LABELS, JobEditForm, display, sign
from apps.jobs.models import Job

# Where the service's refusals belong on the form (by ValidationError code).
ERROR_FIELDS = {"html": "description_html", "salary": "salary_min", "workplace_type": "workplace_type"}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.WRITE_BACK)
def job_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    job = get_scoped_or_404(Job.objects.select_related("connection"), request, pk=pk)
    last = services.job_update_last(job=job, user=request.user)
    if request.method == "GET":
        if services.job_update_conflicted(last):
            assert last is not None
            form = JobEditForm.reopened(job, last)
            original, edited = form.opened_on or ({}, {})
            edit = services.job_edit_compare(job=job, original=original, edited=edited)
            if edit.conflicts:
                return edit_page(request, job, form, last=last, edit=edit)
        return edit_page(request, job, JobEditForm.opened(job), last=last)

    resolves = resolved_action(job, request, request.POST.get("from_action"))
    if request.POST.get("confirm") == "discard":  # whatever else the form holds: nothing of it is kept
        if resolves is not None:
            services.job_update_retire(resolves, reason="Lever's version was kept instead.")
        messages.info(request, "Kept Lever's version: your changes were not sent.")
        return redirect("jobs:detail", pk=job.pk)

    form = JobEditForm(request.POST, job=job)
    if not form.is_valid():
        return edit_page(request, job, form, last=last, status=400)
    choice = form.cleaned_data["confirm"]
    assert form.parsed_base is not None
    edit = services.job_edit_compare(
        job=job, original=form.parsed_base.fingerprints, edited=form.edited_values()
    )
    seen = form.cleaned_data["seen"]
    overwrite = choice == "overwrite" and seen is not None and seen.get("v") == edit.version
    if edit.conflicts and not overwrite:
        # Show both versions; the panel's buttons send the form again with a choice, bound to the
        # version shown (if Lever moves on again before the click, the conflict comes back).
        data = request.POST.copy()
        data["seen"], data["confirm"] = sign(job, {"v": edit.version}), ""
        form = JobEditForm(data, job=job)
        form.is_valid()
        return edit_page(request, job, form, last=last, edit=edit, status=409)
    if not edit.changes:
        messages.info(request, "Nothing changed: nothing was sent to Lever.")
        return redirect("jobs:detail", pk=job.pk)
    try:
        action = services.job_update_in_lever(
            job=job,
            changes=edit.changes,
            requested_by=request.user,
            base_updated_at=edit.version,
            overwrite=overwrite and bool(edit.conflicts),
        )
    except ValidationError as exc:
        form.add_error(ERROR_FIELDS.get(str(getattr(exc, "code", ""))), exc.messages)
        return edit_page(request, job, form, last=last, status=400)
    if resolves is not None:
        services.job_update_retire(resolves, reason=f"Replaced by update #{action.pk}.")
    changed = [LABELS[name] for name in edit.changes]
    messages.success(
        request,
        render_to_string("jobs/edit.html#queued", {"action": action, "changed": changed}, request=request),
    )
    if form.html_removed:
        messages.warning(
            request,
            "Removed from the description what Lever does not accept: " + ", ".join(form.html_removed),
        )
    return redirect("jobs:detail", pk=job.pk)


def resolved_action(job: Job, request: WorkspaceRequest, pk: str | None) -> WritebackAction | None:
    """Return the person's update of this job that the form was reopened from, if any."""
    if not pk or not pk.isdigit():
        return None
    return WritebackAction.objects.filter(
        pk=pk, job=job, kind=WritebackKind.UPDATE_JOB, requested_by=request.user
    ).first()


def edit_page(
    request: WorkspaceRequest,
    job: Job,
    form: JobEditForm,
    *,
    last: WritebackAction | None,
    edit: services.JobEdit | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, object] = {
        "job": job,
        "form": form,
        "last": last,
        "problem": services.job_edit_problem(job=job, user=request.user),
    }
    if edit is not None:
        context["conflicts"] = [
            {
                "label": LABELS[name],
                "lever": display(name, edit.lever[name]),
                "mine": display(name, edit.changes[name]),
            }
            for name in edit.conflicts
        ]
        context["also_changed"] = [LABELS[name] for name in edit.changes if name not in edit.conflicts]
    return render(request, "jobs/edit.html", context, status=status)
