"""Recruiter action controls for templates: `{% application_actions application %}` on a profile and
`{% bulk_action_bar job form_id="pipeline-bulk" %}` above a list whose checkboxes point at the bar's form.

Both render nothing for members who may not write back. What many controls on one page share (the
workspace's tags for the datalist, reasons, the stylesheet and script) is loaded once per request;
the profile's controls take pipelines, reasons and tags from the cache (action_menus.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import template
from django.http import HttpRequest

from apps.accounts.models import WritebackApproval
from apps.candidates import action_menus
from apps.candidates.actions import BULK_ACTIONS, Action, next_stage, pipeline_stages, rejection_reasons
from apps.candidates.forms import DRAFTS_SESSION_KEY
from apps.candidates.models import Application
from apps.integrations.models import Connection, ConnectionStatus
from apps.integrations.outbox import BULK_THRESHOLD
from apps.jobs.models import Job, Stage

register = template.Library()


def _memo(request: HttpRequest | None) -> dict[str, Any]:
    """Return a per-request cache (a fresh one without a request)."""
    if request is None:
        return {}
    if not hasattr(request, "_recruiter_actions"):
        request._recruiter_actions = {}  # type: ignore[attr-defined]
    return request._recruiter_actions  # type: ignore[attr-defined]


def _once(memo: dict[str, Any], name: str) -> bool:
    """True the first time `name` is asked for in this request (assets and datalists render once)."""
    seen = memo.setdefault("rendered", set())
    if name in seen:
        return False
    seen.add(name)
    return True


def _tag_suggestions(memo: dict[str, Any], workspace_id: int) -> list[str]:
    key = f"tags:{workspace_id}"
    if key not in memo:
        memo[key] = action_menus.load_tag_names(workspace_id)
    return memo[key]


def _menus_version(memo: dict[str, Any], workspace_id: int) -> str:
    """The version the action menus' cached lists are kept under, read once per request (the profile
    view reads it with its other version and passes it in the context as `menus_version`)."""
    key = f"menus-version:{workspace_id}"
    if key not in memo:
        memo[key] = action_menus.menus_version(workspace_id)
    return memo[key]


def _cached_tag_suggestions(memo: dict[str, Any], workspace_id: int) -> list[str]:
    key = f"tags:{workspace_id}"
    if key not in memo:
        memo[key] = action_menus.tag_names(workspace_id, _menus_version(memo, workspace_id))
    return memo[key]


def _cached_reasons(memo: dict[str, Any], workspace_id: int, connection_id: int | None) -> list[Any]:
    key = f"reasons:{workspace_id}:{connection_id}"
    if key not in memo:
        version = _menus_version(memo, workspace_id)
        memo[key] = action_menus.reasons(workspace_id, connection_id, version)
    return memo[key]


def _reasons(memo: dict[str, Any], workspace_id: int, connection_id: int | None) -> list[Any]:
    key = f"reasons:{workspace_id}:{connection_id}"
    if key not in memo:
        memo[key] = rejection_reasons(workspace_id, connection_id)
    return memo[key]


def _stages(memo: dict[str, Any], context: template.Context, application: Application) -> list[Stage]:
    """The application's job's pipeline. The first call loads the pipelines of every active
    application on the page (the profile's `applications`) at once, from the cache when the
    workspace's stages have not changed (see action_menus.py)."""
    if application.job_id is None:
        return []
    pipelines = memo.setdefault(f"stages:{application.workspace_id}", {})
    if application.job_id not in pipelines:
        on_page = context.get("applications") or []
        job_ids = {
            a.job_id
            for a in on_page
            if isinstance(a, Application) and a.workspace_id == application.workspace_id and a.is_active
        }
        job_ids = {pk for pk in job_ids if pk is not None and pk not in pipelines} | {application.job_id}
        version = _menus_version(memo, application.workspace_id)
        pipelines.update(action_menus.job_pipelines(application.workspace_id, job_ids, version))
    return pipelines[application.job_id]


def _connection_status(memo: dict[str, Any], application: Application) -> str | None:
    """The application's connection status, read once per connection and request.

    Only the status column: loading the whole connection (a query per application, decrypting its
    credentials) was for one field.
    """
    if hasattr(application, "connection_status"):  # annotated by the caller (profile_applications)
        return application.connection_status
    if "connection" in application._state.fields_cache:  # already loaded by the caller
        return application.connection.status
    key = f"connection-status:{application.connection_id}"
    if key not in memo:
        memo[key] = (
            Connection.objects.filter(pk=application.connection_id).values_list("status", flat=True).first()
        )
    return memo[key]


def _draft(request: HttpRequest | None, application: Application) -> dict[str, str]:
    """Take back what was typed into a refused form of this application (kept across the redirect)."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    drafts = session.get(DRAFTS_SESSION_KEY) or {}
    draft = drafts.pop(str(application.pk), None)
    if draft is not None:
        session[DRAFTS_SESSION_KEY] = drafts
    return draft or {}


def _unavailable(application: Application, memo: dict[str, Any]) -> str:
    """Say why an application takes no actions, or "" when it does."""
    if application.remote_deleted_at is not None:
        return "This application was deleted in Lever, so nothing can be sent to it."
    if application.remote_id is None or application.connection_id is None:
        return "Not in Lever yet: actions become available once it is created there and synced."
    if _connection_status(memo, application) == ConnectionStatus.DISCONNECTED:
        return "Lever is disconnected: reconnect it under Integrations to send changes."
    return ""


@register.inclusion_tag("candidates/_application_actions.html", takes_context=True)
def application_actions(context: template.Context, application: Application) -> dict[str, Any]:
    """The action controls of one application (move, reject, tags, note, file, result link, rescore)."""
    can = context.get("can") or {}
    request = context.get("request")
    if not can.get("write_back"):
        return {"show": False}
    memo = _memo(request)
    if context.get("menus_version") and application.workspace_id == context["candidate"].workspace_id:
        memo.setdefault(f"menus-version:{application.workspace_id}", context["menus_version"])
    base: dict[str, Any] = {
        "show": True,
        "application": application,
        "request": request,
        "can": can,
        "next": request.get_full_path() if request is not None else "",
        "assets": _once(memo, "assets"),
    }
    unavailable = _unavailable(application, memo)
    if unavailable:
        return {**base, "unavailable": unavailable}
    archived = not application.is_active
    # An archived application offers no move or reject: its pipeline and the reasons go unread.
    pipeline = [] if archived else _stages(memo, context, application)
    stages = [s for s in pipeline if s.pk != application.current_stage_id]
    suggested = next_stage(pipeline, application.current_stage)  # None: no natural next, ask
    draft = _draft(request, application)
    if draft.get("stage", "").isdigit():
        suggested = next((s for s in stages if s.pk == int(draft["stage"])), suggested)
    datalist_id = f"recruiter-tags-{application.workspace_id}"
    return {
        **base,
        "stages": stages,
        "pipeline_known": bool(pipeline),
        "suggested_stage": suggested,
        "reasons": []
        if archived
        else _cached_reasons(memo, application.workspace_id, application.connection_id),
        "current_tags": [tag.name for tag in application.tags.all()],
        "datalist_id": datalist_id,
        "tag_suggestions": _cached_tag_suggestions(memo, application.workspace_id)
        if _once(memo, datalist_id)
        else None,
        "draft": draft,
        "form_token": uuid.uuid4().hex,
        "archived": archived,
    }


def _bar_stages(workspace_id: int, job: Job | None) -> list[Stage]:
    if job is not None:
        return pipeline_stages(job)
    return list(Stage.objects.for_workspace(workspace_id).alive().order_by("global_index", "name"))


@register.inclusion_tag("candidates/_bulk_action_bar.html", takes_context=True)
def bulk_action_bar(
    context: template.Context,
    job: Job | None,
    form_id: str = "pipeline-bulk",
    stages: list[Stage] | None = None,
    tag_names: list[str] | None = None,
) -> dict[str, Any]:
    """A bulk action form; the list's checkboxes join it with `form="<form_id>"` and `name="application"`.

    A page that already holds the job's stages or tag names passes them, saving their queries (the
    pipeline list has a query budget).
    """
    can = context.get("can") or {}
    request = context.get("request")
    workspace = getattr(request, "workspace", None) or context.get("current_workspace")
    if not can.get("write_back") or workspace is None:
        return {"show": False}
    memo = _memo(request)
    datalist_id = f"recruiter-tags-{workspace.pk}"
    actions = [a for a in BULK_ACTIONS if a != Action.RESCORE or can.get("edit_scoring")]
    return {
        "show": True,
        "job": job,
        "form_id": form_id,
        "result_id": "bulk-result" if form_id == "pipeline-bulk" else f"{form_id}-result",
        "request": request,
        "can": can,
        "next": request.get_full_path() if request is not None else "",
        "assets": _once(memo, "assets"),
        "actions": [(a.value, a.label) for a in actions],
        "stages": stages if stages is not None else _bar_stages(workspace.pk, job),
        "reasons": _reasons(memo, workspace.pk, job.connection_id if job is not None else None),
        "datalist_id": datalist_id,
        "tag_suggestions": (tag_names if tag_names is not None else _tag_suggestions(memo, workspace.pk))
        if _once(memo, datalist_id)
        else None,
        "form_token": uuid.uuid4().hex,
        "approval": workspace.writeback_approval,
        "approval_modes": WritebackApproval,
        "threshold": BULK_THRESHOLD,
    }
