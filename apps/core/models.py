"""Abstract bases and the workspace-scoping QuerySet shared by every domain app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from apps.accounts.models import Workspace


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkspaceQuerySet(models.QuerySet):
    """The one door to domain rows: every view and selector starts from `for_workspace`."""

    def for_workspace(self, workspace: Workspace | int | None) -> Self:
        if workspace is None:
            return self.none()
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        return self.filter(workspace_id=workspace_id)


class WorkspaceScopedModel(TimeStampedModel):
    """A row that belongs to exactly one workspace (denormalised so scoping is one filter)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")

    objects: Any = WorkspaceQuerySet.as_manager()

    class Meta:
        abstract = True
