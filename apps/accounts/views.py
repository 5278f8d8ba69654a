from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import services
from apps.accounts.decorators import capability_required, workspace_member_required
from apps.accounts.emails import send_membership_email
from apps.accounts.forms import MemberAddForm, MemberRoleForm, WorkspaceForm
from apps.accounts.middleware import SESSION_KEY
from apps.accounts.models import Membership, WritebackApproval
from apps.accounts.roles import Capability
from apps.accounts.selectors import membership_list_for_user, membership_list_for_workspace
from apps.core.http import WorkspaceRequest

# -- Workspaces ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: WorkspaceRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.workspace_create(name=form.cleaned_data["name"], owner=request.user)
        request.session[SESSION_KEY] = workspace.pk
        messages.success(request, f"Created {workspace.name}. Next: connect Lever under Integrations.")
        return redirect("dashboard:index")
    return render(request, "accounts/workspace_create.html", {"form": form})


@login_required
@require_POST
def workspace_switch(request: WorkspaceRequest) -> HttpResponse:
    workspace_id = request.POST.get("workspace", "")
    if not workspace_id.isdigit():
        raise Http404("No such workspace.")
    membership = get_object_or_404(
        membership_list_for_user(user=request.user), workspace_id=int(workspace_id)
    )
    request.session[SESSION_KEY] = membership.workspace_id
    messages.info(request, f"Switched to {membership.workspace.name}.")
    # Pages of the old workspace mean nothing in the new one: start from the dashboard.
    return redirect("dashboard:index")


# -- Settings: the workspace and its members ---------------------------------------------------------


@require_GET
@workspace_member_required
def settings_index(request: WorkspaceRequest) -> HttpResponse:
    membership = request.membership
    context = {
        "members": membership_list_for_workspace(workspace_id=request.workspace.pk),
        "can_manage_members": membership.can(Capability.MANAGE_MEMBERS),
        "can_manage_workspace": membership.can(Capability.MANAGE_WORKSPACE),
        "approval_choices": WritebackApproval.choices,
        "add_form": MemberAddForm(actor_role=membership.role),
        "role_form": MemberRoleForm(actor_role=membership.role),
        "workspace_form": WorkspaceForm(initial={"name": request.workspace.name}),
    }
    return render(request, "accounts/settings.html", context)


@require_POST
@capability_required(Capability.MANAGE_WORKSPACE)
def workspace_rename(request: WorkspaceRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST)
    if form.is_valid():
        request.workspace.name = form.cleaned_data["name"].strip()
        request.workspace.save(update_fields=["name", "updated_at"])
        messages.success(request, "Workspace renamed.")
    else:
        messages.error(request, "Give the workspace a name.")
    return redirect("accounts:settings")


@require_POST
@capability_required(Capability.MANAGE_INTEGRATIONS)
def writeback_approval(request: WorkspaceRequest) -> HttpResponse:
    """Choose whether write-backs wait for an owner's or admin's approval before reaching Lever."""
    mode = request.POST.get("writeback_approval", "")
    if mode not in WritebackApproval.values:
        messages.error(request, "Choose one of the approval options.")
        return redirect("accounts:settings")
    request.workspace.writeback_approval = mode
    request.workspace.save(update_fields=["writeback_approval", "updated_at"])
    messages.success(request, f"Write-backs: {WritebackApproval(mode).label.lower()}.")
    return redirect("accounts:settings")


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def member_add(request: WorkspaceRequest) -> HttpResponse:
    form = MemberAddForm(request.POST, actor_role=request.membership.role)
    if not form.is_valid():
        messages.error(request, "Enter a valid email address and a role you may give.")
        return redirect("accounts:settings")
    try:
        membership, created = services.membership_add(
            actor=request.membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
        return redirect("accounts:settings")
    send_membership_email(request=request, membership=membership, new_account=created)
    note = "They will get an email to set a password." if created else "They have been told by email."
    messages.success(request, f"Added {membership.user.email} as {membership.get_role_display()}. {note}")
    return redirect("accounts:settings")


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def member_change_role(request: WorkspaceRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Membership, pk=pk, workspace=request.workspace)
    form = MemberRoleForm(request.POST, actor_role=request.membership.role)
    if not form.is_valid():
        messages.error(request, "Choose a role you may give.")
        return redirect("accounts:settings")
    try:
        services.membership_change_role(
            actor=request.membership, membership=target, role=form.cleaned_data["role"]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"{target.user.email} is now {target.get_role_display()}.")
    return redirect("accounts:settings")


@require_POST
@capability_required(Capability.MANAGE_MEMBERS)
def member_remove(request: WorkspaceRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Membership, pk=pk, workspace=request.workspace)
    try:
        services.membership_remove(actor=request.membership, membership=target)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Removed {target.user.email} from {request.workspace.name}.")
    return redirect("accounts:settings")


def _message(exc: Exception) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
