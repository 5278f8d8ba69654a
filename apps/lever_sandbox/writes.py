"""State changes behind the write endpoints and the ``simulate_*`` controls, with their webhooks.

Each change follows LEVER_API.md §8.8: fields in Lever's list (stage, archived, tags, sources,
links, …) move the opportunity's ``updatedAt``; notes and files do not. Callers hold no lock;
every function takes ``store.lock`` itself.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from apps.lever_sandbox import documents
from apps.lever_sandbox.generate.common import WEB_BASE
from apps.lever_sandbox.generate.dataset import OppRow
from apps.lever_sandbox.generate.people import ContactRow
from apps.lever_sandbox.generate.resumes import StoredFile
from apps.lever_sandbox.protocol import ApiError, Upload, bad_request
from apps.lever_sandbox.store import Store

ORIGINS = ("agency", "applied", "internal", "referred", "sourced", "university")
LIST_FIELDS = ("emails", "phones", "links", "tags", "sources", "followers", "postings")


def ids_of(row: OppRow, store: Store) -> dict[str, str]:
    return {"opportunityId": row.id, "candidateId": row.id, "contactId": store.ds.contacts[row.contact].id}


def string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{name} must be a list of strings")
    return value


def change_stage(store: Store, row: OppRow, stage_id: Any, user: str | None) -> dict[str, Any]:
    """Move an opportunity to ``stage_id``: appends to ``stageChanges`` and bumps ``updatedAt``."""
    with store.lock:
        pos = store.ds.stage_pos.get(stage_id) if isinstance(stage_id, str) else None
        if pos is None:
            raise bad_request(f"Invalid stage: {stage_id!r} is not a stage of this account")
        opp = store.overlaid(row)
        previous = opp["stage"]
        if previous != stage_id:
            at = store.now()
            opp["stage"] = stage_id
            opp["stageChanges"].append(
                {"toStageId": stage_id, "toStageIndex": pos, "updatedAt": at, "userId": user}
            )
            opp["lastAdvancedAt"] = row.advanced = at
            row.stage = pos
            store.bump(row, opp, at)
            store.emit(
                "candidateStageChange",
                {**ids_of(row, store), "fromStageId": previous, "toStageId": stage_id},
                row.origin,
            )
        return copy.deepcopy(opp)


def change_archived(store: Store, row: OppRow, body: dict[str, Any], user: str | None) -> dict[str, Any]:
    """Archive with ``reason`` (changing only the reason if already archived) or unarchive with ``null``."""
    if "reason" not in body:
        raise bad_request("reason is required (null unarchives)")
    reason_id = body["reason"]
    with store.lock:
        pos = None
        if reason_id is not None:
            pos = store.ds.reason_pos.get(reason_id) if isinstance(reason_id, str) else None
            if pos is None:
                raise bad_request(f"Invalid archive reason: {reason_id!r}")
        requisition = body.get("requisitionId")
        if requisition and not any(r["id"] == requisition for r in store.ds.requisitions):
            raise bad_request(f"Invalid requisitionId: {requisition!r}")
        opp = store.overlaid(row)
        before = copy.deepcopy(opp["archived"])
        if pos is None and before is None:
            return copy.deepcopy(opp)
        at = store.now()
        if pos is None:
            opp["archived"], row.reason, row.archived_at = None, -1, 0
        else:
            archived_at = before["archivedAt"] if before else at
            opp["archived"] = {"reason": reason_id, "archivedAt": archived_at}
            row.reason, row.archived_at = pos, archived_at
        if body.get("cleanInterviews"):
            for panel in store.added.get((row.id, "panels"), []):
                panel["interviews"] = [i for i in panel["interviews"] if i["date"] < at]
        store.bump(row, opp, at)
        ids = ids_of(row, store)
        store.emit(
            "candidateArchiveChange",
            {**ids, "fromArchived": before, "toArchived": opp["archived"]},
            row.origin,
        )
        was_hired = (
            before is not None
            and store.ds.archive_reasons[store.ds.reason_pos[before["reason"]]]["type"] == "hired"
        )
        if pos is not None and store.ds.archive_reasons[pos]["type"] == "hired" and not was_hired:
            store.emit("candidateHired", {**ids, "archived": opp["archived"]}, row.origin)
        return copy.deepcopy(opp)


def change_labels(store: Store, row: OppRow, name: str, values: list[str], add: bool) -> dict[str, Any]:
    """Add or remove ``tags`` or ``sources`` (unknown ones are created on the fly, as in Lever)."""
    with store.lock:
        opp = store.overlaid(row)
        current = list(opp[name])
        updated = list(dict.fromkeys(current + values)) if add else [v for v in current if v not in values]
        if updated != current:
            opp[name] = updated
            setattr(row, name, tuple(updated))
            store.bump(row, opp, store.now())
        return copy.deepcopy(opp)


def change_links(store: Store, row: OppRow, values: list[str], add: bool) -> dict[str, Any]:
    """Add or remove links; links live on the contact, so every opportunity of the person changes."""
    with store.lock:
        contact = store.contact_overlaid(row.contact)
        current = list(contact["links"])
        updated = list(dict.fromkeys(current + values)) if add else [v for v in current if v not in values]
        if updated != current:
            contact["links"] = updated
            at = store.now()
            for other in store.contact_rows.get(row.contact, []):
                if other.deleted_at is None:
                    opp = store.overlaid(other)
                    opp["links"] = list(updated)
                    store.bump(other, opp, at)
        return store.opportunity(row)


def add_note(
    store: Store, row: OppRow, body: dict[str, Any], user: str | None, note_id: str | None
) -> dict[str, Any]:
    """Create a note (or a comment on thread ``note_id``); does not move ``updatedAt``."""
    value = body.get("value")
    if not isinstance(value, str) or not value.strip():
        raise bad_request("value is required")
    score = body.get("score")
    if score is not None and score not in (1, 2, 3, 4):
        raise bad_request("score must be 1, 2, 3, 4 or null")
    with store.lock:
        now = store.now()
        created = body.get("createdAt") or now
        if not isinstance(created, int) or created > now:
            raise bad_request("createdAt must be a timestamp in milliseconds that is not in the future")
        comment = {
            "type": "note",
            "text": "Comment",
            "value": value,
            "user": user,
            "stage": store.opportunity(row)["stage"],
            "score": score,
            "createdAt": created,
        }
        if note_id:
            note = next((n for n in store.children(row, "notes") if n["id"] == note_id), None)
            if note is None:
                raise ApiError(404, f"notes {note_id} was not found")
            note["fields"].append(comment)
            store.replace_child(row, "notes", note)
        else:
            note = {
                "id": str(uuid.uuid4()),
                "text": "Note",
                "fields": [comment],
                "user": user,
                "secret": bool(body.get("secret")),
                "createdAt": created,
                "completedAt": created,
                "deletedAt": None,
            }
            store.add_child(row, "notes", note)
        return {**copy.deepcopy(note), "noteId": note["id"]}


def stored_upload(store: Store, row: OppRow, upload: Upload, kind: str) -> StoredFile:
    """Return an uploaded file as a resume or file entry (always processed, so downloadable)."""
    ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "bin"
    fid, now = str(uuid.uuid4()), store.now()
    content_type = upload.content_type or documents.CONTENT_TYPES.get(ext, "application/octet-stream")
    url = f"{WEB_BASE}/candidates/{row.id}/{kind}/{fid}/download"
    if kind == "resumes":
        meta: dict[str, Any] = {
            "id": fid,
            "createdAt": now,
            "file": {
                "name": upload.filename,
                "ext": ext,
                "downloadUrl": url,
                "uploadedAt": now,
                "status": "processed",
                "size": len(upload.content),
            },
            "parsedData": {"positions": [], "schools": []},
        }
    else:
        meta = {
            "id": fid,
            "downloadUrl": url,
            "ext": f".{ext}",
            "name": upload.filename,
            "uploadedAt": now,
            "status": "processed",
            "size": len(upload.content),
        }
    return StoredFile(meta, upload.content, content_type, True)


def add_file(store: Store, row: OppRow, upload: Upload | None) -> dict[str, Any]:
    """Attach a file to an opportunity; does not move ``updatedAt``."""
    if upload is None:
        raise bad_request("A multipart file field named 'file' is required")
    with store.lock:
        stored = stored_upload(store, row, upload, "files")
        store.add_child(row, "files", stored)
        return copy.deepcopy(stored.meta)


def new_contact(
    store: Store,
    name: str,
    emails: list[str],
    phones: list[dict[str, Any]],
    links: list[str],
    headline: str,
    location: str | None,
) -> ContactRow:
    """Add a person created through the API (kept whole in the contact overlay)."""
    contact = ContactRow(len(store.ds.contacts), str(uuid.uuid4()), name, tuple(emails), 0)
    store.ds.contacts.append(contact)
    store.contact_by_id[contact.id] = contact.idx
    store.contact_overlay[contact.idx] = {
        "id": contact.id,
        "name": name,
        "headline": headline,
        "isAnonymized": False,
        "location": {"name": location} if location else None,
        "emails": list(emails),
        "phones": phones,
        "links": list(links),
    }
    for email in emails:
        store.email_contact.setdefault(email.lower(), contact.idx)
    return contact
