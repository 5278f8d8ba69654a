"""A job's pipeline: the board, the list, the CSV export and the "anything changed?" poll."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from apps.accounts.decorators import workspace_member_required
from apps.accounts.roles import Capability
from apps.candidates.models import Origin
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped
from apps.jobs import pipeline
from apps.jobs.models import Job
from apps.jobs.pipeline import PipelineFilters
from apps.scoring.models import Tier

LIST_PAGE_SIZE = 50
POLL_MARGIN = timedelta(seconds=2)  # a change committed while the page rendered is still caught
# Columns that read best from the top value down when first clicked.
DESCENDING_FIRST = {"score", "days", "applied"}
URL_SENTINEL = 987_654_321


def _job_and_stages(
    request: WorkspaceRequest, pk: int, filters: PipelineFilters
) -> tuple[Job, pipeline.StageList]:
    """Return the job (404 unless in the current workspace) and its stages with filtered counts.

    The stages bring the job along (one query); only a job without stages costs a second one.
    """
    stages = pipeline.pipeline_stages(workspace_id=request.workspace.pk, job_id=pk, filters=filters)  # type: ignore[union-attr]
    if stages:
        return stages[0].job, stages
    return get_scoped_or_404(Job.objects.only(*pipeline.PAGE_JOB_FIELDS), request, pk=pk), stages


def _url_maker(name: str) -> Callable[[int], str]:
    """Return pk -> URL of `name`, reversed once: on a board of 120 cards, reversing per card
    would cost more than the rest of the card."""
    head, tail = reverse(name, args=[URL_SENTINEL]).split(str(URL_SENTINEL))
    return lambda pk: f"{head}{pk}{tail}"


def _is_fragment(request: WorkspaceRequest) -> bool:
    """Whether htmx asked for the results only (a history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _context(request: WorkspaceRequest, job: Job, filters: PipelineFilters, view: str) -> dict:
    board_url = reverse("jobs:pipeline", args=[job.pk])
    list_url = reverse("jobs:pipeline-list", args=[job.pk])
    context = {
        "job": job,
        "filters": filters,
        "view": view,
        "fragment": _is_fragment(request),
        "next_url": request.get_full_path(),
        "board_url": board_url + filters.querystring(stage=None),
        "list_url": list_url + filters.querystring(),
        "export_url": reverse("jobs:pipeline-export", args=[job.pk]) + filters.querystring(),
        "clear_url": board_url if view == "board" else list_url,
    }
    if not context["fragment"]:  # the whole page: filter choices and the poll around the results
        since = stamp_to_token(timezone.now() - POLL_MARGIN)
        context |= {
            "facets": pipeline.pipeline_facets(job=job),
            "tier_choices": [*Tier.choices, (pipeline.UNSCORED, "Not scored")],
            "origin_choices": Origin.choices,
            "poll_url": f"{reverse('jobs:pipeline-changes', args=[job.pk])}?since={since}",
        }
    return context


@require_GET
@workspace_member_required
@vary_on_headers("HX-Request")
def job_pipeline(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The board: a column per stage with its count and its best cards by fit score."""
    filters = PipelineFilters.from_query(request.GET)
    job, stages = _job_and_stages(request, pk, filters)
    board = pipeline.pipeline_board(job=job, stages=stages, filters=filters)
    list_url = reverse("jobs:pipeline-list", args=[job.pk])
    profile_url, move_url = _url_maker("candidates:detail"), _url_maker("actions:application-move")
    # The same "Move to…" choices for every card of a column (the other stages): each built once.
    options = [format_html('<option value="{}">{}</option>', c.stage.pk, c.stage.name) for c in board.columns]
    for n, column in enumerate(board.columns):
        column.list_url = list_url + filters.querystring(stage=column.stage.pk)
        column.move_options = mark_safe("".join(options[:n] + options[n + 1 :]))  # noqa: S308 - format_html's
        for card in column.cards:
            card.profile_url, card.move_url = profile_url(card.candidate_id), move_url(card.pk)
    context = _context(request, job, filters, "board") | {
        "board": board,
        # Archived applications are not moved between stages; a single stage has nowhere to go.
        "can_move": request.membership.can(Capability.WRITE_BACK)  # type: ignore[union-attr]
        and not filters.archived
        and len(board.columns) > 1,
    }
    template = "jobs/pipeline.html#board-results" if context["fragment"] else "jobs/pipeline.html"
    return render(request, template, context)


@require_GET
@workspace_member_required
@vary_on_headers("HX-Request")
def job_pipeline_list(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The same applications as a sortable, paginated table, for large pipelines and bulk actions."""
    filters = PipelineFilters.from_query(request.GET)
    job, stages = _job_and_stages(request, pk, filters)
    key, descending = pipeline.parse_sort(request.GET.get("sort", ""))
    sort = f"-{key}" if descending else key
    applications = pipeline.pipeline_list_pages(job=job, stages=stages, filters=filters, sort=sort)
    page = paginate(request, applications, per_page=LIST_PAGE_SIZE)  # type: ignore[arg-type]
    page.object_list = pipeline.cards_from(page.object_list)
    profile_url = _url_maker("candidates:detail")
    for card in page.object_list:
        card.profile_url = profile_url(card.candidate_id)
    context = _context(request, job, filters, "list") | {
        "page": page,
        "stages": stages,
        "sort": sort,
        "sort_headers": _sort_headers(request, filters, key, descending),
        "total": page.paginator.count,
        # The bulk bar reuses what the page already loaded instead of asking again.
        "bulk_stages": [job_stage.stage for job_stage in stages],
    }
    facets = context.get("facets")
    context["bulk_tags"] = [label for _, label in facets.tags] if facets is not None else None
    template = "jobs/pipeline.html#list-results" if context["fragment"] else "jobs/pipeline.html"
    return render(request, template, context)


def _sort_headers(
    request: WorkspaceRequest, filters: PipelineFilters, current: str, descending: bool
) -> list[dict[str, str]]:
    headers = []
    for key, label in pipeline.SORTS.items():
        if key == current:
            next_descending = not descending
            aria = "descending" if descending else "ascending"
        else:
            next_descending = key in DESCENDING_FIRST
            aria = ""
        params = {**filters.params(), "sort": f"-{key}" if next_descending else key}
        headers.append(
            {
                "key": key,
                "label": label,
                "aria": aria,
                "url": f"{request.path}?{urlencode(params)}",
                "numeric": "num" if key in {"score", "days"} else "",
            }
        )
    return headers


# -- CSV export --------------------------------------------------------------------------------

CSV_HEADER = (
    "Candidate",
    "Email",
    "Stage",
    "Score",
    "Tier",
    "Top reason",
    "Tags",
    "Source",
    "Origin",
    "Owner",
    "Days in stage",
    "Applied",
    "Outcome",
    "Profile URL",
)
# Rows per query: a 2,000-application job exports in one.
EXPORT_CHUNK = 2_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP: CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


@require_GET
@workspace_member_required
def job_pipeline_export(request: WorkspaceRequest, pk: int) -> StreamingHttpResponse:
    """Every application that passes the filters (not just one page), as CSV for Excel and Sheets."""
    filters = PipelineFilters.from_query(request.GET)
    job, stages = _job_and_stages(request, pk, filters)
    applications = pipeline.pipeline_list(
        job=job, stages=stages, filters=filters, sort=request.GET.get("sort", "")
    )
    profile_base = request.build_absolute_uri("/")[:-1]
    response = StreamingHttpResponse(
        _csv_lines(applications, profile_base), content_type="text/csv; charset=utf-8"
    )
    filename = f"pipeline-{slugify(job.name) or job.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_lines(rows, profile_base: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    writer = csv.writer(_Echo())
    profile_url = _url_maker("candidates:detail")
    # The byte order mark tells Excel the file is UTF-8 (names with accents stay readable).
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for card in pipeline.iter_cards(rows, chunk_size=EXPORT_CHUNK):
        cells = [
            card.name,
            card.email,
            card.stage_name,
            card.score_label,
            card.tier_label if card.tier else "",
            card.top_reason,
            ", ".join(card.tags),
            card.source_label,
            card.origin_label,
            card.owner,
            "" if card.days_in_stage is None else card.days_in_stage,
            timezone.localdate(card.applied_at).isoformat() if card.applied_at else "",
            card.outcome_label,
            profile_base + profile_url(card.candidate_id),
        ]
        yield writer.writerow([csv_safe(cell) for cell in cells])


# -- Live updates ------------------------------------------------------------------------------


@require_GET
@workspace_member_required
def job_pipeline_changes(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Answer 204 when nothing on the job changed since `since`; else a new poller and a trigger.

    The trigger (`pipeline-changed`) makes the page's results area fetch itself again with its
    filters; the new poller carries the new `since`. One query.
    """
    found, stamp = pipeline.pipeline_last_change(jobs=scoped(Job, request), job_id=pk)
    if not found:
        raise Http404("No such job.")
    since = token_to_stamp(request.GET.get("since", ""))
    if since is not None and (stamp is None or stamp <= since):
        return HttpResponse(status=204)
    token = stamp_to_token(stamp or timezone.now() - POLL_MARGIN)
    poll_url = f"{reverse('jobs:pipeline-changes', args=[pk])}?since={token}"
    response = render(request, "jobs/pipeline.html#pipeline-poller", {"poll_url": poll_url})
    if since is not None:
        trigger_client_event(response, "pipeline-changed")
    return response


def stamp_to_token(stamp: datetime) -> str:
    """Encode a moment as integer microseconds since the epoch (exact, URL-safe)."""
    delta = stamp - datetime(1970, 1, 1, tzinfo=UTC)
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def token_to_stamp(token: str) -> datetime | None:
    """Decode a `since` value: epoch seconds, milliseconds or microseconds, or an ISO 8601 time."""
    token = token.strip()
    if token.isdigit():
        number = int(token)
        divisor = 1 if number < 10**11 else 1_000 if number < 10**14 else 1_000_000
        whole, fraction = divmod(number, divisor)
        try:
            return datetime.fromtimestamp(whole, tz=UTC) + timedelta(
                microseconds=fraction * 1_000_000 // divisor
            )
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(token)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
