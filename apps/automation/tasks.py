"""django-q2 entry points (thin: the work is in engine, events and notifications)."""

from __future__ import annotations

from typing import Any


def evaluate_events() -> dict[str, Any]:
    """Evaluate every pending event (queued when events are recorded; also every minute as a backstop)."""
    from apps.automation.engine import evaluate_pending

    summary = evaluate_pending()
    return {"events": summary.events, **summary.firings}


def scan_idle() -> dict[str, int]:
    """Record "idle in a stage for N days" events, end finished dry runs, then evaluate."""
    from apps.automation.engine import evaluate_pending
    from apps.automation.events import idle_events
    from apps.automation.services import dry_runs_expire

    ended = dry_runs_expire()
    recorded = idle_events()
    evaluated = evaluate_pending().events if recorded else 0
    return {"dry_runs_ended": ended, "idle_events": recorded, "evaluated": evaluated}


def send_digests() -> int:
    from apps.automation.notifications import send_daily_digests

    return send_daily_digests()
