from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.accounts.decorators import workspace_member_required
from apps.candidates import selectors
from apps.candidates.duplicates import duplicate_groups, duplicates_of
from apps.candidates.files import download_name, is_pdf, starts_like_pdf
from apps.candidates.models import Attachment, Candidate
from apps.candidates.search import CandidateSearchForm
from apps.candidates.timeline import Cursor, candidate_timeline
from apps.candidates.versions import workspace_versions
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped
from apps.jobs.models import Job
from apps.scoring.selectors import score_panels_for_candidate

DUPLICATE_GROUPS_PER_PAGE = 20


def _fragment(request: WorkspaceRequest) -> bool:
    """An htmx swap asks for a fragment; an htmx history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_GET
@workspace_member_required
@vary_on_headers("HX-Request")
def candidate_list(request: WorkspaceRequest) -> HttpResponse:
    form = CandidateSearchForm(request.GET, jobs=scoped(Job, request).alive())
    filters = form.filters()
    page = paginate(request, selectors.candidate_list(workspace=request.workspace, filters=filters))
    page.object_list = selectors.with_tier_labels(page.object_list)
    context = {"page": page, "filters": filters, "form": form}
    template = "candidates/list.html#candidate-results" if _fragment(request) else "candidates/list.html"
    return render(request, template, context)


@require_GET
@workspace_member_required
@vary_on_headers("HX-Request")
def candidate_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    # Nothing on the profile reads the Lever payload: not decoding it is most of the row's cost.
    candidate = get_scoped_or_404(Candidate.objects.defer("remote_data"), request, pk=pk)
    cursor = Cursor.decode(request.GET.get("before"))
    if cursor is not None and _fragment(request):  # "Show older": the next entries only
        applications = selectors.timeline_applications(candidate)
        timeline = candidate_timeline(candidate=candidate, applications=applications, cursor=cursor)
        context = {"candidate": candidate, "timeline": timeline, "focus_first": True}
        return render(request, "candidates/_timeline.html#timeline-entries", context)
    # The marker is read before the timeline: a change landing in between is then fetched by the poll.
    # It also says which kinds of rows the person has none of: those queries are skipped.
    marker = selectors.candidate_marker(candidate.pk, candidate.workspace_id) or selectors.NO_MARKER
    profile = selectors.candidate_profile(candidate=candidate, has_files=marker.files)
    timeline = candidate_timeline(
        candidate=candidate, applications=profile["applications"], cursor=cursor, empty=marker.empty_sources
    )
    # One query for what the duplicates notice and the action menus keep in the cache.
    versions = workspace_versions(candidate.workspace_id)
    panels = score_panels_for_candidate(applications=profile["applications"], user=request.user)
    sections = selectors.resume_sections(
        candidate=candidate, panels=panels, attachments=profile["attachments"]
    )
    context = {
        "candidate": candidate,
        **profile,
        "score_sections": [(panel, sections.get(panel["application"].pk)) for panel in panels],
        "timeline": timeline,
        "live": cursor is None,  # an older page stays put; the newest one follows changes
        "version": marker.version,
        "duplicates": duplicates_of(candidate, people_version=versions.people),
        "menus_version": versions.menus,  # read by {% application_actions %}
    }
    return render(request, "candidates/detail.html", context)


@require_GET
@workspace_member_required
@never_cache
def candidate_changes(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Answer the profile's poll: 204 when nothing changed since `since`, else the fresh timeline."""
    # The marker query finds the person in the request's workspace: the 204 needs no other query.
    workspace = request.workspace
    marker = selectors.candidate_marker(pk, workspace.pk if workspace is not None else None)
    if marker is None:
        raise Http404("No such person.")
    if request.GET.get("since") == marker.version:
        return HttpResponse(status=204)
    # The timeline reads the person's pk and workspace only.
    candidate = get_scoped_or_404(Candidate.objects.only("pk", "workspace"), request, pk=pk)
    applications = selectors.timeline_applications(candidate)
    timeline = candidate_timeline(candidate=candidate, applications=applications, empty=marker.empty_sources)
    context = {
        "candidate": candidate,
        "timeline": timeline,
        "version": marker.version,
        "live": True,
    }
    return render(request, "candidates/_timeline.html", context)


@require_GET
@workspace_member_required
def candidate_duplicates(request: WorkspaceRequest) -> HttpResponse:
    groups = duplicate_groups(request.workspace.pk)
    page = Paginator(groups, DUPLICATE_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.duplicate_rows(workspace=request.workspace, groups=page.object_list)
    return render(request, "candidates/duplicates.html", {"page": page, "rows": rows, "total": len(groups)})


def _stored_file(request: WorkspaceRequest, pk: int) -> Attachment:
    attachment = get_scoped_or_404(Attachment.objects.alive().select_related("candidate"), request, pk=pk)
    if attachment.candidate.is_anonymized or not attachment.file:
        raise Http404("This file has not been downloaded from Lever.")
    return attachment


def _no_sniffing(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@workspace_member_required
def file_download(request: WorkspaceRequest, pk: int) -> HttpResponse:
    attachment = _stored_file(request, pk)
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:  # the row says stored, the storage disagrees
        raise Http404("This file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment),
        content_type="application/octet-stream",
    )
    return _no_sniffing(response)


@require_GET
@workspace_member_required
def file_preview(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Show a PDF in the browser's own viewer; anything else must be downloaded."""
    attachment = _stored_file(request, pk)
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404("This file is missing from storage.") from exc
    if not (is_pdf(attachment) and starts_like_pdf(handle)):
        handle.close()
        refused = HttpResponse(
            "Only PDF files can be previewed. Download this file instead.",
            status=415,
            content_type="text/plain; charset=utf-8",
        )
        return _no_sniffing(refused)
    response = FileResponse(
        handle, as_attachment=False, filename=download_name(attachment), content_type="application/pdf"
    )
    # Not `Content-Security-Policy: sandbox`: Chromium then refuses to run its PDF viewer at all. The
    # viewer runs PDFs out of our origin's reach; nosniff keeps the bytes from being read as HTML.
    response["X-Frame-Options"] = "SAMEORIGIN"
    return _no_sniffing(response)
