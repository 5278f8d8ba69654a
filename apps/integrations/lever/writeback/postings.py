"""Update a job's Lever posting (§9.7): a partial POST with only the changed fields, safe to repeat."""

from __future__ import annotations

import html
from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.credentials import connection_environment
from apps.integrations.lever.validation import SALARY_RANGE_FIELDS, validate_posting_fields
from apps.integrations.lever.wire import segment
from apps.integrations.lever.writeback.base import Handler, PlannedCall, WritebackRefused, perform_as
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter

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


class UpdateJob(Handler):
    kind = WritebackKind.UPDATE_JOB

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        job = action.job
        if job is None or not job.remote_id or job.remote_deleted_at is not None:
            raise WritebackRefused("This job is not in Lever (any more).")
        return [
            PlannedCall(
                "POST",  # POST is Lever's partial update of a posting, not PUT (§11.11)
                f"/postings/{segment(job.remote_id)}",
                perform_as(action),
                json=posting_body(action.payload),
            )
        ]

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        """Mirror the updated posting and its hiring team."""
        if not isinstance(answer, dict) or not answer.get("id"):
            return
        web_app_url = connection_environment(writer.connection).web_app_url
        writer.write([mapping.map_posting(answer, web_app_url=web_app_url), *mapping.map_hiring_team(answer)])
