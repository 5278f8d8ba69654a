"""Sourcing marks for templates: `{% candidate_export_panel candidate %}` on a profile, and
`{% lever_marks page.object_list %}` before a list of people (one query for the page's Lever links
and latest exports, attached to each row as `lever_href` and `latest_export`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import template
from django.db.models import F

from apps.candidates.models import Application, Candidate, CandidateExport
from apps.candidates.selectors import safe_web_url
from apps.candidates.sourcing import exports_settle

register = template.Library()

PANEL_EXPORTS = 10


@register.simple_tag
def lever_marks(candidates: Iterable[Any]) -> str:
    """Attach `lever_href` (their newest application's Lever page) and `latest_export` to each person."""
    rows = [c for c in candidates if isinstance(c, Candidate)]
    in_lever = [c.pk for c in rows if c.remote_id is not None]
    local = [c.pk for c in rows if c.remote_id is None]
    urls: dict[int, str] = {}
    if in_lever:
        applications = (
            Application.objects.filter(candidate_id__in=in_lever)
            .alive()
            .exclude(remote_url="")
            .order_by("candidate_id", F("applied_at").desc(nulls_last=True), "-pk")
            .values_list("candidate_id", "remote_url")
        )
        for candidate_id, url in applications:
            urls.setdefault(candidate_id, url)
    latest: dict[int, CandidateExport] = {}
    if local:
        exports = CandidateExport.objects.filter(candidate_id__in=local).select_related("action")
        for export in exports.order_by("candidate_id", "-created_at", "-pk"):
            latest.setdefault(export.candidate_id, export)
        exports_settle(latest.values())
    for candidate in rows:
        candidate.lever_href = safe_web_url(urls.get(candidate.pk, ""))
        candidate.latest_export = latest.get(candidate.pk)
    return ""


@register.inclusion_tag("candidates/_export_panel.html", takes_context=True)
def candidate_export_panel(context: template.Context, candidate: Candidate) -> dict[str, Any]:
    """The person's exports to Lever and, while they are not in Lever, the Export to ATS button."""
    in_lever = candidate.remote_id is not None
    exports = CandidateExport.objects.filter(candidate=candidate)
    # Most people on a profile are in Lever and were never exported: a light indexed existence
    # check then answers, without the joined query (and the settling) the panel needs otherwise.
    if in_lever and not exports.exists():
        return {"show": False}
    exports = exports_settle(
        exports.select_related("job", "action", "matched_candidate").order_by("-created_at", "-pk")[
            :PANEL_EXPORTS
        ]
    )
    local_applications = (
        []
        if in_lever
        else list(
            candidate.applications.alive()
            .filter(remote_id__isnull=True)
            .select_related("job")
            .order_by("-pk")
        )
    )
    return {
        "show": not in_lever or bool(exports),
        "candidate": candidate,
        "in_lever": in_lever,
        "exports": exports,
        "local_applications": local_applications,
        "can": context.get("can") or {},
        "request": context.get("request"),
        "token": uuid.uuid4().hex,
    }
