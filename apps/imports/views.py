"""CSV import pages: upload → columns → preview → run (live progress) → report. HTTP glue only."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from apps.accounts.decorators import capability_required
from apps.accounts.roles import Capability
from apps.candidates.csv_import.report import REPORT_HEADERS, csv_lines, template_csv
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped
from apps.imports import conf, selectors, services
from apps.imports.forms import MappingForm, RunForm, UploadForm
from apps.imports.models import CandidateImport, ImportRow, ImportStatus, RowStatus
from apps.jobs.models import Job, Stage

can_import = capability_required(Capability.WRITE_BACK)
PROBLEMS_PER_PAGE = 50


def _csv_response(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@can_import
def import_list(request: WorkspaceRequest) -> HttpResponse:
    page = paginate(request, scoped(CandidateImport, request).select_related("created_by"))
    return render(request, "imports/list.html", {"page": page})


@require_GET
@can_import
def import_template(request: WorkspaceRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recruitdesk-candidates-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
@can_import
def import_new(request: WorkspaceRequest) -> HttpResponse:
    declared = int(request.META.get("CONTENT_LENGTH") or 0) if request.method == "POST" else 0
    if declared > conf.max_bytes() + 1024 * 1024:
        # Refuse an oversized upload by its declared length, before Django spools it to disk (the form
        # has nothing else to lose); a body under-declaring its length is still caught by import_create.
        form = UploadForm({}, {})
        form.is_valid()
        form.errors["file"] = form.error_class([services.too_large_message("The file", declared)])
    else:
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        try:
            candidate_import = services.import_create(
                workspace=request.workspace,  # type: ignore[arg-type]
                user=request.user,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("imports:mapping", pk=candidate_import.pk)
    limits = {"max_mb": conf.max_bytes() // (1024 * 1024), "max_rows": conf.max_rows()}
    status = 400 if form.errors else 200
    return render(request, "imports/new.html", {"form": form, **limits}, status=status)


@require_http_methods(["GET", "POST"])
@can_import
def import_mapping(request: WorkspaceRequest, pk: int) -> HttpResponse:
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    if not candidate_import.is_editable:
        return redirect("imports:detail", pk=pk)
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        candidate_import=candidate_import,
        jobs=scoped(Job, request).alive().order_by("name"),
        stages=scoped(Stage, request).alive(),
    )
    if form.is_bound and form.is_valid():
        try:
            services.import_save_mapping(
                candidate_import=candidate_import,
                mapping=form.mapping(),
                job=form.cleaned_data["job"],
                stage=form.cleaned_data["stage"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:preview", pk=pk)
    context = {"candidate_import": candidate_import, "form": form, "step": "mapping"}
    return render(request, "imports/mapping.html", context, status=400 if form.errors else 200)


@require_GET
@can_import
def import_preview(request: WorkspaceRequest, pk: int) -> HttpResponse:
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    if candidate_import.status == ImportStatus.UPLOADED:
        return redirect("imports:mapping", pk=pk)
    if not candidate_import.is_editable:
        return redirect("imports:detail", pk=pk)
    return _preview(request, candidate_import, RunForm())


def _preview(request: WorkspaceRequest, candidate_import: CandidateImport, form: RunForm) -> HttpResponse:
    preview = candidate_import.preview or {}
    problems = Paginator(preview.get("problems", []), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "candidate_import": candidate_import,
        "preview": preview,
        "page": problems,
        "jobs": selectors.preview_jobs(candidate_import),
        "form": form,
        "step": "preview",
        "shown_limit": conf.PREVIEW_PROBLEMS,
    }
    return render(request, "imports/preview.html", context, status=400 if form.errors else 200)


@require_POST
@can_import
def import_run(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Start a ready import, or resume a stopped one; then show its progress."""
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    if candidate_import.status == ImportStatus.FAILED:
        try:
            services.import_resume(candidate_import=candidate_import)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("imports:detail", pk=pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        return _preview(request, candidate_import, form)
    try:
        services.import_start(candidate_import=candidate_import, export=form.cleaned_data["export"])
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=pk)


@require_GET
@can_import
def import_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    candidate_import = get_scoped_or_404(
        CandidateImport.objects.select_related("job", "stage"), request, pk=pk
    )
    rows = ImportRow.objects.filter(candidate_import=candidate_import).exclude(status=RowStatus.CREATED)
    page = paginate(request, rows, per_page=PROBLEMS_PER_PAGE) if candidate_import.is_finished else None
    context = {
        "candidate_import": candidate_import,
        "page": page,
        "polling": not candidate_import.is_finished,
    }
    return render(request, "imports/detail.html", context)


@require_GET
@can_import
@never_cache
def import_progress(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Answer the progress bar's poll; once the import is over, 286 tells htmx to stop asking."""
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    polling = not candidate_import.is_finished and not candidate_import.is_editable
    context = {"candidate_import": candidate_import, "polling": polling, "polling_stopped": not polling}
    response = render(request, "imports/detail.html#import-progress", context)
    return response if polling else HttpResponseStopPolling(response.content)


@require_GET
@can_import
def import_report(request: WorkspaceRequest, pk: int) -> StreamingHttpResponse:
    """Stream every row's result: row number, status, name, reason and a link to the candidate."""
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    link = request.build_absolute_uri(reverse("candidates:detail", args=[0])).replace("/0/", "/{}/")
    rows = (
        ImportRow.objects.filter(candidate_import=candidate_import)
        .order_by("row_number")
        .values_list("row_number", "status", "name", "reason", "candidate_id")
        .iterator(chunk_size=2000)
    )
    labels = dict(RowStatus.choices)
    results = (
        (number, labels.get(status, status), name, reason, link.format(candidate) if candidate else "")
        for number, status, name, reason, candidate in rows
    )
    # A BOM first, so Excel reads the UTF-8 (accents in names) instead of guessing Windows-1252.
    lines = chain(["\ufeff"], csv_lines(chain([REPORT_HEADERS], results)))
    return _csv_response(lines, f"import-{candidate_import.pk}-report.csv")


@require_POST
@can_import
def import_discard(request: WorkspaceRequest, pk: int) -> HttpResponse:
    candidate_import = get_scoped_or_404(CandidateImport, request, pk=pk)
    try:
        services.import_discard(candidate_import=candidate_import)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:detail", pk=pk)
    messages.success(request, "The import was removed. People it added stay in Recruitdesk.")
    return redirect("imports:list")
