"""Update a job's Lever posting (§9.7): a partial POST with only the changed fields, safe to repeat.

Lever has no conditional update (no ETag, no If-Unmodified-Since), and its docs say to fetch the latest
version before updating because people edit postings in Lever's UI (§9.7). So when the payload says
which version the change was made on (`base_updated_at`, epoch ms), the posting is read first and the
update is refused if Lever's `updatedAt` moved past it, unless the payload says `overwrite`. A small
window between that read and the POST remains; nothing on Lever's side can close it.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime
from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.credentials import connection_environment
from apps.integrations.lever.parsing import parse_int, unwrap
from apps.integrations.lever.validation import SALARY_RANGE_FIELDS, validate_posting_fields
from apps.integrations.lever.wire import segment
from apps.integrations.lever.writeback.base import Handler, PlannedCall, WritebackRefused, perform_as, send
from apps.integrations.models import ChangeSource, WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.upsert import MirrorWriter

logger = logging.getLogger(__name__)

# Our payload keys → Lever's `categories` keys.
CATEGORIES = {"location": "location", "team": "team", "department": "department", "commitment": "commitment"}


def list_html(items: list[Any]) -> str:
    """Return requirement items as Lever's list HTML: one <li> each, the text escaped."""
    return "".join(
        f"<li>{html.escape(str(item).strip(), quote=False)}</li>" for item in items if str(item).strip()
    )


def posting_body(payload: dict[str, Any]) -> dict[str, Any]:
    """Return the partial posting body for the payload; raise WritebackRefused or ValueError if Lever would."""
    body: dict[str, Any] = {}
    if "name" in payload:
        body["text"] = payload["name"]
    content: dict[str, Any] = {}
    if "description_html" in payload:
        content["descriptionHtml"] = payload["description_html"]
    if "requirement_lists" in payload:
        content["lists"] = [
            {"text": entry["text"], "content": list_html(entry.get("items") or [])}
            for entry in payload["requirement_lists"]
        ]
    if content:
        body["content"] = content
    categories = {lever: payload[ours] for ours, lever in CATEGORIES.items() if ours in payload}
    if categories:
        body["categories"] = categories
    if "workplace_type" in payload:
        body["workplaceType"] = payload["workplace_type"]
    if "salary" in payload:
        salary = payload["salary"] if isinstance(payload["salary"], dict) else {}
        missing = [name for name in SALARY_RANGE_FIELDS if salary.get(name) in (None, "")]
        if missing:
            raise WritebackRefused(
                f"A salary range needs all of min, max, currency and interval; missing {', '.join(missing)}."
            )
        body["salaryRange"] = {name: salary[name] for name in SALARY_RANGE_FIELDS}
    if "state" in payload:
        body["state"] = payload["state"]
    if not body:
        raise WritebackRefused("Nothing to change on the job.")
    validate_posting_fields(body)  # the HTML whitelist, before a request is spent (§13 item 27)
    return body


def base_version(payload: dict[str, Any]) -> int | None:
    """Return the posting version an update was made on, when the worker must check it (else None)."""
    if payload.get("overwrite") is True or payload.get("base_updated_at") is None:
        return None
    base = payload["base_updated_at"]
    if isinstance(base, bool) or not isinstance(base, int):
        raise WritebackRefused(f"The update names no usable posting version ({base!r}).")
    return base


def lever_version(posting: Any) -> int | None:
    """Return a posting's version: its updatedAt (createdAt when it was never updated), epoch ms."""
    if not isinstance(posting, dict):
        return None
    return parse_int(posting.get("updatedAt")) or parse_int(posting.get("createdAt"))


def already_has(posting: dict[str, Any], body: dict[str, Any]) -> bool:
    """Tell whether the posting already holds every value of the update body (sending it changes nothing)."""
    for key, value in body.items():
        current = posting.get(key)
        if isinstance(value, dict):
            if not isinstance(current, dict) or not already_has(current, value):
                return False
        elif isinstance(value, int | float):
            if _numbers(current) != _numbers(value):
                return False
        elif current != value:
            return False
    return True


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _numbers(item) for key, item in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def own_updates_explain(action: WritebackAction, version: int, base: int) -> bool:
    """Tell whether the same person's earlier updates of this posting account for every version after `base`.

    Each checked update records the version it found before its POST (`request.lever_updated_at`) and
    its answer holds the version after. If a chain of them leads from Lever's version back to `base`,
    nobody else wrote in between: two edits made in a row must not conflict with each other.
    """
    if action.requested_by_id is None or action.job_id is None:
        return False
    earlier = WritebackAction.objects.filter(
        job_id=action.job_id,
        kind=WritebackKind.UPDATE_JOB,
        status=WritebackStatus.SUCCEEDED,
        requested_by_id=action.requested_by_id,
        pk__lt=action.pk,
    ).order_by("-pk")[:20]
    produced: dict[int, int] = {}  # version after an update → version before it
    for update in earlier:
        after = lever_version(update.response)
        before = parse_int((update.request or {}).get("lever_updated_at"))
        if after is not None and before is not None and before < after:
            produced.setdefault(after, before)
    while version > base:
        if version not in produced:
            return False
        version = produced.pop(version)
    return True


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%d %b %Y %H:%M:%S UTC")


class UpdateJob(Handler):
    kind = WritebackKind.UPDATE_JOB

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        job = action.job
        if job is None or not job.remote_id or job.remote_deleted_at is not None:
            raise WritebackRefused("This job is not in Lever (any more).")
        path = f"/postings/{segment(job.remote_id)}"
        update = PlannedCall(
            "POST",  # POST is Lever's partial update of a posting, not PUT (§11.11)
            path,
            perform_as(action),
            json=posting_body(action.payload),
        )
        if base_version(action.payload) is None:
            return [update]
        return [PlannedCall("GET", path), update]  # Lever's current version first, to detect a conflict

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        """Send the update; with a base version, first refuse it if the posting changed in Lever since."""
        calls = self.plan(action)
        if len(calls) == 1:
            return unwrap(send(client, calls[0], action))
        read, update = calls
        current = unwrap(send(client, read, action))
        version, base = lever_version(current), base_version(action.payload)
        if isinstance(action.request, dict):
            action.request["lever_updated_at"] = version  # kept with the action: see own_updates_explain
        if version is None or base is None or version <= base or own_updates_explain(action, version, base):
            return unwrap(send(client, update, action))
        if already_has(current, update.json):
            return current  # Lever has these values already (e.g. an earlier attempt of this one landed)
        if isinstance(action.request, dict):
            action.request["conflict"] = {"lever_updated_at": version, "base_updated_at": base}
        self.mirror(action, current)
        # Short enough for the status chip (200 characters) to show it whole.
        raise WritebackRefused(
            f"The posting changed in Lever since you opened it (Lever: {_when(version)}; yours: "
            f"{_when(base)}). Nothing was sent: open Edit posting again to compare and choose."
        )

    def mirror(self, action: WritebackAction, posting: Any) -> None:
        """Bring the mirror up to Lever's version, so the edit page can show the conflict."""
        try:
            self.reflect(action, posting, MirrorWriter(action.connection, source=ChangeSource.WRITEBACK))
        except Exception:  # the refusal matters more; the next sync brings the new version anyway
            logger.exception("could not mirror the posting of write-back #%s", action.pk)

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        """Mirror the updated posting and its hiring team."""
        if not isinstance(answer, dict) or not answer.get("id"):
            return
        web_app_url = connection_environment(writer.connection).web_app_url
        writer.write([mapping.map_posting(answer, web_app_url=web_app_url), *mapping.map_hiring_team(answer)])
