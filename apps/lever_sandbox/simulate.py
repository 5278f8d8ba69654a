"""Changes only Lever's UI can make (no API endpoint): deletions, interviews, job-site applications.

The ``simulate_*`` controls use them to trigger the matching webhooks.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from apps.lever_sandbox.create import create_opportunity
from apps.lever_sandbox.generate import people
from apps.lever_sandbox.generate.dataset import OppRow
from apps.lever_sandbox.protocol import bad_request
from apps.lever_sandbox.store import Store
from apps.lever_sandbox.writes import ids_of


def delete_opportunity(store: Store, row: OppRow, user: str | None = None) -> None:
    """Delete an opportunity (a UI-only action in Lever): it leaves every list but ``/deleted``."""
    with store.lock:
        row.deleted_at = store.now()
        row.deleted_by = user or store.ds.admins[0]
        store.emit("candidateDeleted", {**ids_of(row, store), "deletedBy": row.deleted_by}, row.origin)


def interview_event(
    store: Store, row: OppRow, action: str, interview_id: str | None = None
) -> dict[str, Any]:
    """Schedule, reschedule or cancel an interview, as a recruiter would in Lever's UI."""
    if action not in ("created", "updated", "deleted"):
        raise bad_request("action must be created, updated or deleted")
    with store.lock:
        panels = store.added.setdefault((row.id, "panels"), [])
        now = store.now()
        if action == "created":
            opp = store.opportunity(row)
            user = store.ds.interviewers[len(panels) % len(store.ds.interviewers)]
            panel_id, interview_id = str(uuid.uuid4()), str(uuid.uuid4())
            start = now + 2 * 86_400_000
            interview = {
                "id": interview_id,
                "panel": panel_id,
                "subject": f"Interview - {opp['name'] or 'Candidate'}",
                "note": "",
                "interviewers": [
                    {"id": user["id"], "email": user["email"], "name": user["name"], "feedbackTemplate": None}
                ],
                "timezone": "UTC",
                "createdAt": now,
                "date": start,
                "duration": 45,
                "location": "Zoom",
                "feedbackTemplate": None,
                "feedbackForms": [],
                "feedbackReminder": "once",
                "user": opp["owner"],
                "stage": opp["stage"],
                "canceledAt": None,
                "postings": [store.ds.postings[row.posting]["id"]] if row.posting >= 0 else [],
            }
            panels.append(
                {
                    "id": panel_id,
                    "applications": list(opp["applications"]),
                    "canceledAt": None,
                    "createdAt": now,
                    "start": start,
                    "end": start + 45 * 60_000,
                    "timezone": "UTC",
                    "feedbackReminder": "once",
                    "user": opp["owner"],
                    "stage": opp["stage"],
                    "note": "",
                    "externallyManaged": False,
                    "externalUrl": None,
                    "interviews": [interview],
                }
            )
        else:
            found = [(p, i) for p in panels for i in p["interviews"] if interview_id in (None, i["id"])]
            if not found:
                raise bad_request(
                    "No simulated interview to change: simulate one with action 'created' first"
                )
            panel, interview = found[-1]
            if action == "updated":
                interview["date"] += 3_600_000
                panel["start"], panel["end"] = interview["date"], interview["date"] + 45 * 60_000
            else:
                panel["interviews"].remove(interview)
                if not panel["interviews"]:
                    panels.remove(panel)
        event = {
            "interviewId": interview["id"],
            "panelId": interview["panel"],
            "opportunityId": row.id,
            "createdAt": interview["createdAt"],
        }
        store.emit(f"interview{action.capitalize()}", event, row.origin)
        return copy.deepcopy(interview)


def simulate_application(
    store: Store, posting_id: str | None = None, name: str | None = None, email: str | None = None
) -> dict[str, Any]:
    """Create an applicant as if they applied on the job site (``applicationCreated`` webhook)."""
    with store.lock:
        if posting_id is None:
            open_postings = [
                p
                for p in store.ds.postings
                if p["state"] == "published" and p["confidentiality"] == "non-confidential"
            ]
            posting_id = open_postings[len(store.ds.rows) % len(open_postings)]["id"]
        if name is None or email is None:
            p = people.profile(store.ds.seed, 1_000_000 + len(store.ds.contacts))
            name = name or p.name
            email = email or people.contact_emails(p, set(store.email_contact))[0]
        body = {
            "name": name,
            "emails": [email],
            "postings": [posting_id],
            "origin": "applied",
            "stage": "applicant-new",
            "sources": ["Company website"],
        }
        recruiter = next(u["id"] for u in store.ds.recruiters if u["deactivatedAt"] is None)
        return create_opportunity(store, body, recruiter)
