"""The abstract base of every row mirrored from an ATS (DESIGN.md §4)."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from apps.core.models import WorkspaceQuerySet, WorkspaceScopedModel


class MirroredQuerySet(WorkspaceQuerySet):
    def alive(self) -> Self:
        return self.filter(remote_deleted_at__isnull=True)

    def deleted(self) -> Self:
        return self.filter(remote_deleted_at__isnull=False)

    def for_connection(self, connection: Any) -> Self:
        return self.filter(connection=connection)


class MirroredModel(WorkspaceScopedModel):
    """A record that mirrors one remote object of one connection.

    `remote_id` is unique per connection (the same Lever id may exist under two connections).
    Rows created in Recruitdesk before they reach the ATS (sourcing) have no remote id yet.
    """

    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # NULL, not "": rows not yet in the ATS must not collide under the unique constraint.
    remote_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    remote_data = models.JSONField(default=dict, blank=True, help_text="The object as the ATS last sent it.")
    remote_created_at = models.DateTimeField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    remote_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the object disappeared from the ATS; null means alive."
    )
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When our mapped content last really changed."
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects: Any = MirroredQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_id"], name="%(app_label)s_%(class)s_unique_remote_id"
            ),
            models.CheckConstraint(
                condition=Q(remote_id__isnull=True) | Q(connection__isnull=False),
                name="%(app_label)s_%(class)s_remote_id_needs_connection",
            ),
        ]

    @property
    def is_deleted(self) -> bool:
        return self.remote_deleted_at is not None

    @property
    def is_in_ats(self) -> bool:
        return self.remote_id is not None
