"""django-q2 entry point for imports: an id in, one runner call. The dotted path is stored in queued tasks."""

from __future__ import annotations

from django.conf import settings


def import_candidates(import_id: int) -> str:
    """Import the rows of one CandidateImport, within a time slice of the worker's timeout."""
    from apps.imports.runner import import_run

    return import_run(import_id, time_budget=settings.Q_CLUSTER["timeout"] * 0.8)
