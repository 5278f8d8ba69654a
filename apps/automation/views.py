"""Automation pages: the rule list, the editor, the preview and switch, a rule's page and activity log.

Everyone in the workspace reads rules, previews and logs; owners and admins (MANAGE_AUTOMATION) create,
edit, switch, apply and delete. A rule of another workspace is a 404. Notifications: views_notifications.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.roles import Capability
from apps.automation import selectors
from apps.automation.definitions import PLACEHOLDERS, Lookups, lookups_for
from apps.automation.forms import RECIPES, ActionRow, RuleDraft, editor_context, recipe_draft
from apps.automation.models import FiringStatus, Rule, RuleMode
from apps.automation.preview import rule_preview
from apps.automation.services import (
    definition_of,
    existing_matches_count,
    rule_apply_to_existing,
    rule_delete,
    rule_mark_previewed,
    rule_save,
    rule_set_mode,
)
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404

MANAGE = Capability.MANAGE_AUTOMATION
VERSIONS_SHOWN = 20


def _workspace_id(request: WorkspaceRequest) -> int:
    return request.workspace.pk  # type: ignore[union-attr]


def _can_manage(request: WorkspaceRequest) -> bool:
    return bool(request.membership and request.membership.can(MANAGE))


def _messages_of(exc: ValidationError) -> dict[str, list[str]]:
    """Messages per editor section; anything not about one section is "general"."""
    found = exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
    if "__all__" in found:
        found["general"] = found.pop("__all__")
    return found


# -- the list --------------------------------------------------------------------------------------------


@require_GET
@workspace_member_required
def rule_index(request: WorkspaceRequest) -> HttpResponse:
    workspace_id = _workspace_id(request)
    rules = list(selectors.rule_list(workspace_id))
    if rules:
        lookups = lookups_for(workspace_id)
        for rule in rules:
            rule.trigger_words = selectors.trigger_words(rule, lookups)
    context = {
        "rules": rules,
        "recipes": RECIPES,
        "paused": selectors.lever_paused(workspace_id),
    }
    return render(request, "automation/index.html", context)


# -- the editor ------------------------------------------------------------------------------------------


def _departments(workspace_id: int) -> list[str]:
    from apps.jobs.models import Job

    found = (
        Job.objects.for_workspace(workspace_id)
        .alive()
        .exclude(department="")
        .values_list("department", flat=True)
        .distinct()
    )
    return sorted(set(found), key=str.lower)


def _editor_page(
    request: WorkspaceRequest,
    draft: RuleDraft,
    rule: Rule | None,
    lookups: Lookups,
    *,
    errors: dict[str, list[str]] | None = None,
    focus: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        **editor_context(draft, lookups, _departments(_workspace_id(request))),
        "rule": rule,
        "errors": errors or {},
        "focus": focus,
        "placeholders": PLACEHOLDERS,
    }
    # htmx (a row added or removed, a trigger or a kind changed) gets the form only.
    template = "automation/edit.html#rule-editor" if request.htmx else "automation/edit.html"
    return render(request, template, context, status=status)


def _rule_editor(request: WorkspaceRequest, rule: Rule | None) -> HttpResponse:
    workspace_id = _workspace_id(request)
    lookups = lookups_for(workspace_id)
    if request.method == "GET":
        if rule is not None:
            draft = RuleDraft.from_definition(definition_of(rule))
        else:
            draft = recipe_draft(request.GET.get("recipe", ""), lookups) or RuleDraft(actions=[ActionRow()])
        return _editor_page(request, draft, rule, lookups)
    draft = RuleDraft.from_post(request.POST)
    focus = draft.apply_button(request.POST)
    if focus is not None:  # a row button or a refresh: show the form again, nothing saved
        return _editor_page(request, draft, rule, lookups, focus=focus)
    was_live, version = (rule.is_live, rule.version) if rule else (False, 0)
    try:
        seen = request.POST.get("version", "")
        saved = rule_save(
            workspace=workspace_id,
            draft=draft.definition(),
            by=request.user,
            rule=rule,
            expected_version=int(seen) if rule is not None and seen.isdigit() else None,
        )
    except ValidationError as exc:
        return _editor_page(request, draft, rule, lookups, errors=_messages_of(exc), status=400)
    if rule is None:
        messages.success(request, "Rule saved. It is off: check what it would do, then switch it on.")
    elif saved.version == version:
        messages.info(request, "Nothing changed.")
    elif was_live:
        messages.warning(
            request,
            f"Saved as version {saved.version}. An edited rule is switched off: check the preview "
            "below, then switch it on again.",
        )
    else:
        messages.success(
            request, f"Saved as version {saved.version}. Check the preview before switching it on."
        )
    return redirect("automation:preview", pk=saved.pk)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def rule_create(request: WorkspaceRequest) -> HttpResponse:
    return _rule_editor(request, None)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def rule_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return _rule_editor(request, get_scoped_or_404(Rule, request, pk=pk))


# -- preview and the switch ----------------------------------------------------------------------------


@require_GET
@workspace_member_required
def rule_preview_page(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """What the rule would do now; an owner's or admin's look counts as the preview that allows switching on."""
    rule = get_scoped_or_404(Rule.objects.prefetch_related("jobs"), request, pk=pk)
    preview = rule_preview(rule)
    if _can_manage(request):
        rule_mark_previewed(rule)
    lookups = lookups_for(_workspace_id(request))
    context = {
        "rule": rule,
        "preview": preview,
        "words": selectors.definition_words(selectors.rule_definition(rule), lookups),
        "previewed": rule.previewed_version == rule.version,
        "paused": selectors.lever_paused(_workspace_id(request)),
    }
    return render(request, "automation/preview.html", context)


MODE_DONE = {
    RuleMode.ON: "Switched on: it acts on events from now on (never on what happened before).",
    RuleMode.DRY_RUN: "Dry run for a week: it records what it would do and sends nothing.",
    RuleMode.OFF: "Switched off.",
}


@require_POST
@capability_required(MANAGE)
def rule_mode(request: WorkspaceRequest, pk: int) -> HttpResponse:
    rule = get_scoped_or_404(Rule, request, pk=pk)
    mode = request.POST.get("mode", "")
    seen = request.POST.get("version", "")
    was = rule.mode
    try:
        rule = rule_set_mode(
            rule=rule, mode=mode, by=request.user, expected_version=int(seen) if seen.isdigit() else None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if any(error.code == "preview" for error in exc.error_list):
            return redirect("automation:preview", pk=rule.pk)
        return redirect("automation:detail", pk=rule.pk)
    if was == rule.mode == RuleMode.OFF:
        messages.info(request, "The rule stays off.")
    else:
        messages.success(request, MODE_DONE[rule.mode])
    return redirect("automation:detail", pk=rule.pk)


# -- a rule's page -----------------------------------------------------------------------------------------


@require_GET
@workspace_member_required
def rule_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    rule = get_scoped_or_404(
        Rule.objects.prefetch_related("jobs").select_related("created_by", "updated_by"), request, pk=pk
    )
    workspace_id = _workspace_id(request)
    lookups = lookups_for(workspace_id)
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUSES else ""
    page = paginate(request, selectors.firing_log(rule, status))
    page.object_list = list(page.object_list)
    logged = selectors.firing_actions(page, workspace_id)
    for firing in page.object_list:
        firing.logged_actions = logged.get(firing.pk, [])
    versions = list(rule.versions.select_related("edited_by")[:VERSIONS_SHOWN])
    for version in versions:
        version.words = selectors.definition_words(version.definition, lookups)
    context = {
        "rule": rule,
        "words": selectors.definition_words(selectors.rule_definition(rule), lookups),
        "counts": selectors.firing_counts(rule),
        "page": page,
        "status": status,
        "statuses": FiringStatus.choices,
        "versions": versions,
        "previewed": rule.previewed_version == rule.version,
        "paused": selectors.lever_paused(workspace_id),
    }
    return render(request, "automation/detail.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def rule_apply(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Show how many current applications match; act on them only with that count confirmed."""
    rule = get_scoped_or_404(Rule.objects.prefetch_related("jobs"), request, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            expected = int(request.POST.get("expected", ""))
        except ValueError:
            error = "Check the number of matches first, then confirm it."
        else:
            try:
                queued = rule_apply_to_existing(rule=rule, expected=expected, by=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                if queued:
                    messages.success(
                        request,
                        f"{queued} existing match{'es' if queued != 1 else ''} queued: the activity log "
                        "below shows what the rule does with each.",
                    )
                else:
                    messages.info(
                        request, "Nothing new to apply: these matches were already handed to the rule."
                    )
                return redirect("automation:detail", pk=rule.pk)
    context = {"rule": rule, "count": existing_matches_count(rule), "error": error}
    return render(request, "automation/apply.html", context, status=409 if error else 200)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def rule_remove(request: WorkspaceRequest, pk: int) -> HttpResponse:
    rule = get_scoped_or_404(Rule, request, pk=pk)
    if request.method == "POST":
        name = rule.name
        rule_delete(rule=rule)
        messages.success(request, f"Rule “{name}” deleted, with its activity log.")
        return redirect("automation:index")
    return render(request, "automation/delete.html", {"rule": rule, "firings": rule.firings.count()})
