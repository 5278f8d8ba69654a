"""The slim "Syncing Lever: 42 %" strip on every page while one of the workspace's syncs runs.

One query: the running run with its connection. Unlike `integrations.progress.run_progress`, no time
estimate (that costs counting queries), because the strip is on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Workspace
from apps.integrations.models import SyncKind, SyncRun, SyncStatus
from apps.integrations.progress import PHASE_LABELS


@dataclass(frozen=True)
class SyncStrip:
    provider: str
    kind: str
    percent: int
    phase_label: str
    records: int


def sync_strip_for(*, workspace: Workspace | None) -> SyncStrip | None:
    """Return what the strip says while a full or delta sync of the workspace runs, else None."""
    from apps.integrations.lever.sync.runner import DELTA_PHASES, FULL_PHASES

    if workspace is None:
        return None
    run = (
        SyncRun.objects.for_workspace(workspace)
        .filter(status=SyncStatus.RUNNING, kind__in=(SyncKind.FULL, SyncKind.DELTA))
        .select_related("connection")
        .order_by("-created_at")
        .first()
    )
    if run is None:
        return None
    phases = FULL_PHASES if run.kind == SyncKind.FULL else DELTA_PHASES
    done = {phase for phase in run.checkpoint.get("done", []) if phase in phases}
    phase = run.checkpoint.get("phase", "")
    records = sum(n for label, counts in run.stats.items() if label != "requests" for n in counts.values())
    return SyncStrip(
        provider=run.connection.get_provider_display(),
        kind=run.get_kind_display(),
        percent=int(100 * len(done) / len(phases)) if phases else 0,
        phase_label=PHASE_LABELS.get(phase, phase.replace("_", " ").capitalize()) if phase else "Starting",
        records=records,
    )
