"""The dashboard's read model: what a recruiter needs to see first."""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Candidate
from apps.integrations.models import Connection, ConnectionStatus, SyncRun
from apps.jobs.models import Job


@dataclass(frozen=True)
class DashboardSummary:
    connection: Connection | None
    last_sync: SyncRun | None
    open_jobs: int
    active_applications: int
    candidates: int

    @property
    def needs_attention(self) -> bool:
        return self.connection is not None and self.connection.status == ConnectionStatus.NEEDS_REAUTH


def dashboard_summary(*, workspace: Workspace) -> DashboardSummary:
    connection = (
        Connection.objects.for_workspace(workspace)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("-created_at")
        .first()
    )
    last_sync = SyncRun.objects.for_workspace(workspace).order_by("-created_at").first()
    return DashboardSummary(
        connection=connection,
        last_sync=last_sync,
        open_jobs=Job.objects.for_workspace(workspace).alive().open().count(),
        active_applications=Application.objects.for_workspace(workspace).alive().active().count(),
        candidates=Candidate.objects.for_workspace(workspace).alive().count(),
    )
