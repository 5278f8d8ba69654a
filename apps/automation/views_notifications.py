"""A member's own notifications in the current workspace: the bell's count, the list, reading, the digest.

Every query is filtered by the current workspace and the requesting user, so nobody sees (or marks)
anyone else's notices; another member's notice is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import workspace_member_required
from apps.automation import selectors
from apps.automation.models import Notification, NotificationSettings
from apps.automation.notifications import unread_count
from apps.core.http import WorkspaceRequest
from apps.core.pagination import paginate
from apps.core.scoping import get_scoped_or_404, scoped


@require_GET
def notification_count(request: WorkspaceRequest) -> HttpResponse:
    """The bell's unread count (polled by htmx): one COUNT on an index, nothing else."""
    if not request.user.is_authenticated or getattr(request, "membership", None) is None:
        if (
            request.htmx
        ):  # a poll after logging out: htmx swaps nothing on a 403 (a login page would land in the bell)
            return HttpResponse(status=403)
        return redirect_to_login(request.get_full_path())
    count = unread_count(request.workspace.pk, request.user.pk)  # type: ignore[union-attr]
    return render(request, "automation/_bell_count.html", {"unread": count})


@require_GET
@workspace_member_required
def notification_list(request: WorkspaceRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    workspace_id, user_id = request.workspace.pk, request.user.pk  # type: ignore[union-attr]
    page = paginate(request, selectors.notifications_for(workspace_id, user_id, unread_only=unread_only))
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": unread_count(workspace_id, user_id),
        "digest": selectors.notification_settings_for(workspace_id, user_id),
    }
    return render(request, "automation/notifications.html", context)


def _local(url: str) -> bool:
    """A path of this site ("/candidates/7/"), never another host or scheme."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


@require_http_methods(["GET", "POST"])
@workspace_member_required
def notification_open(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Mark the notice read and go to the page it is about (a page of this site only)."""
    notice = get_scoped_or_404(Notification.objects.filter(user=request.user), request, pk=pk)
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk, read_at=None).update(read_at=timezone.now())
    if notice.url and _local(notice.url):
        return redirect(notice.url)
    if notice.url:
        messages.warning(request, "That notification points outside Recruitdesk, so it was not opened.")
    return redirect("automation:notifications")


@require_POST
@workspace_member_required
def notifications_read_all(request: WorkspaceRequest) -> HttpResponse:
    marked = (
        scoped(Notification, request).filter(user=request.user, read_at=None).update(read_at=timezone.now())
    )
    messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked read.")
    return redirect("automation:notifications")


@require_POST
@workspace_member_required
def notification_settings(request: WorkspaceRequest) -> HttpResponse:
    """Switch the member's daily email digest of unread notices (for this workspace) on or off."""
    wanted = request.POST.get("daily_digest") in ("on", "true", "1")
    NotificationSettings.objects.update_or_create(
        workspace=request.workspace, user=request.user, defaults={"daily_digest": wanted}
    )
    if wanted:
        messages.success(
            request, "Daily digest on: once a day you get an email of your unread notifications."
        )
    else:
        messages.success(request, "Daily digest off.")
    return redirect("automation:notifications")
