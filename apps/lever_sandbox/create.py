"""``POST /opportunities`` (LEVER_API.md §9.1): one posting at most, dedupe onto a contact by email."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from apps.lever_sandbox.generate import people
from apps.lever_sandbox.generate.common import WEB_BASE
from apps.lever_sandbox.generate.dataset import OppRow
from apps.lever_sandbox.protocol import ApiError, Upload, bad_request
from apps.lever_sandbox.store import Store
from apps.lever_sandbox.writes import LIST_FIELDS, ORIGINS, new_contact, stored_upload, string_list

_INDEXED = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]\[(?P<key>\w+)\]$")


def body_from_form(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Turn multipart fields (``emails[]``, ``archived[reason]``, ``phones[0][value]``…) into JSON."""
    body: dict[str, Any] = {}
    indexed: dict[str, dict[int, dict[str, str]]] = {}
    for key, values in fields.items():
        found = _INDEXED.match(key)
        if found:  # the qs convention for arrays of objects: phones[0][type], phones[0][value]
            entry = indexed.setdefault(found["name"], {}).setdefault(int(found["index"]), {})
            entry[found["key"]] = values[0]
        elif key.endswith("[]") or key in LIST_FIELDS:
            body.setdefault(key.removesuffix("[]"), []).extend(values)
        elif "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            body.setdefault(outer, {})[inner] = values[0]
        else:
            body[key] = values[0]
    for name, items in indexed.items():
        body[name] = [items[index] for index in sorted(items)]
    if isinstance(body.get("archived"), dict) and str(body["archived"].get("archivedAt", "")).isdigit():
        body["archived"]["archivedAt"] = int(body["archived"]["archivedAt"])
    if str(body.get("createdAt", "")).isdigit():
        body["createdAt"] = int(body["createdAt"])
    return body


def _phones(body: dict[str, Any]) -> list[dict[str, Any]]:
    phones = []
    for phone in body.get("phones") or []:
        if isinstance(phone, str):
            phones.append({"type": None, "value": phone})
        elif isinstance(phone, dict) and isinstance(phone.get("value"), str):
            phones.append({"type": phone.get("type"), "value": phone["value"]})
        else:
            raise bad_request("phones must be a list of {type, value} objects")
    return phones


def create_opportunity(
    store: Store,
    body: dict[str, Any],
    perform_as: str,
    uploads: dict[str, list[Upload]] | None = None,
    confidential_ok: bool = True,
) -> dict[str, Any]:
    """Create an opportunity; a known email (or ``contact``) attaches it to that existing person."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    uploads = uploads or {}
    emails, links, tags, sources = (string_list(body, n) for n in ("emails", "links", "tags", "sources"))
    postings, followers = string_list(body, "postings"), string_list(body, "followers")
    phones = _phones(body)
    ds = store.ds
    if len(postings) > 1:
        raise bad_request("Only one posting can be given per request: create one opportunity per posting")
    posting_pos = -1
    if postings:
        if postings[0] not in ds.posting_pos:
            raise bad_request(f"Invalid posting: {postings[0]} was not found")
        posting_pos = ds.posting_pos[postings[0]]
    posting = ds.postings[posting_pos] if posting_pos >= 0 else None
    confidential = bool(posting and posting["confidentiality"] == "confidential")
    if confidential and not confidential_ok:
        raise ApiError(403, "This credential has no access to confidential postings")
    origin = body.get("origin") or ("applied" if posting else "sourced")
    if origin not in ORIGINS:
        raise bad_request(f"Invalid origin: expected one of {', '.join(ORIGINS)}")
    stage_id = body.get("stage") or "lead-new"
    if stage_id not in ds.stage_pos:
        raise bad_request(f"Invalid stage: {stage_id!r}")
    owner = body.get("owner") or perform_as
    for user_id in (owner, *followers):
        if store.user(user_id) is None:
            raise bad_request(f"Invalid user id: {user_id}")
    with store.lock:
        now = store.now()
        created = body.get("createdAt") or now
        if not isinstance(created, int) or created > now:
            raise bad_request("createdAt must be a timestamp in milliseconds in the past")
        archived, reason_pos = _archived(store, body, created)
        contact = _find_contact(store, body, emails)
        if contact is None:
            location = body.get("location") if isinstance(body.get("location"), str) else None
            contact = new_contact(
                store, body.get("name") or "", emails, phones, links, body.get("headline") or "", location
            )
            created_contact = True
        else:
            _merge_into_contact(store, contact.idx, emails, phones, links, now)
            created_contact = False
        person = store.contact_overlaid(contact.idx)
        row = OppRow(
            -1,
            str(uuid.uuid4()),
            contact.idx,
            created,
            now,
            created,
            ds.stage_pos[stage_id],
            posting_pos,
            reason_pos,
            archived["archivedAt"] if archived else 0,
            confidential,
            origin,
            tuple(tags),
            tuple(sources),
        )
        app_id = str(uuid.uuid4()) if posting else None
        store.overlay[row.id] = {
            "id": row.id,
            "name": person["name"],
            "headline": person["headline"],
            "contact": contact.id,
            "emails": list(person["emails"]),
            "phones": copy.deepcopy(person["phones"]),
            "confidentiality": "confidential" if confidential else "non-confidential",
            "location": (person["location"] or {}).get("name", ""),
            "links": list(person["links"]),
            "stage": stage_id,
            "stageChanges": [
                {
                    "toStageId": stage_id,
                    "toStageIndex": ds.stage_pos[stage_id],
                    "updatedAt": created,
                    "userId": perform_as,
                }
            ],
            "archived": archived,
            "tags": list(tags),
            "sources": list(sources),
            "origin": origin,
            "sourcedBy": perform_as if origin == "sourced" else None,
            "owner": owner,
            "followers": followers or [owner],
            "applications": [app_id] if app_id else [],
            "createdAt": created,
            "updatedAt": now,
            "lastInteractionAt": now,
            "lastAdvancedAt": created,
            "snoozedUntil": None,
            "urls": {"list": f"{WEB_BASE}/candidates", "show": f"{WEB_BASE}/candidates/{row.id}"},
            "isAnonymized": False,
            "dataProtection": None,
            "opportunityLocation": posting["categories"]["location"] if posting else "unspecified",
        }
        store.insert_row(row)
        if posting and app_id:
            opp = store.overlay[row.id]
            store.add_child(
                row,
                "applications",
                {
                    "id": app_id,
                    "opportunityId": row.id,
                    "candidateId": row.id,
                    "createdAt": created,
                    "type": "posting" if origin == "applied" else "user",
                    "posting": posting["id"],
                    "postingOwner": posting["owner"],
                    "postingHiringManager": posting["hiringManager"],
                    "user": None if origin == "applied" else perform_as,
                    "name": opp["name"],
                    "email": opp["emails"][0] if opp["emails"] else None,
                    "phone": opp["phones"][0] if opp["phones"] else None,
                    "company": None,
                    "links": list(opp["links"]),
                    "comments": None,
                    "customQuestions": [],
                    "archived": archived,
                    "requisitionForHire": None,
                    "resume": None,
                },
            )
        for upload in uploads.get("resumeFile", [])[:1]:
            store.add_child(row, "resumes", stored_upload(store, row, upload, "resumes"))
        for upload in uploads.get("files", []) + uploads.get("files[]", []):
            store.add_child(row, "files", stored_upload(store, row, upload, "files"))
        ids = {"opportunityId": row.id, "candidateId": row.id, "contactId": contact.id}
        if created_contact:
            store.emit("contactCreated", {"contactId": contact.id}, origin)
        store.emit(
            "applicationCreated",
            {**ids, "applicationId": app_id, "postingId": posting["id"] if posting else None},
            origin,
        )
        return store.opportunity(row)


def _archived(store: Store, body: dict[str, Any], created: int) -> tuple[dict[str, Any] | None, int]:
    archived = body.get("archived")
    if not archived:
        return None, -1
    reason = archived.get("reason") if isinstance(archived, dict) else None
    if reason is None:
        return None, -1  # Lever ignores archivedAt without a reason
    if reason not in store.ds.reason_pos:
        raise bad_request(f"Invalid archive reason: {reason!r}")
    archived_at = archived.get("archivedAt") or created
    if not isinstance(archived_at, int) or archived_at < created:
        raise bad_request("archived.archivedAt must be a timestamp after createdAt")
    return {"reason": reason, "archivedAt": archived_at}, store.ds.reason_pos[reason]


def _find_contact(store: Store, body: dict[str, Any], emails: list[str]) -> people.ContactRow | None:
    if body.get("contact"):
        idx = store.contact_by_id.get(body["contact"])
        if idx is None:
            raise bad_request(f"Invalid contact: {body['contact']} was not found")
        return store.ds.contacts[idx]
    for email in emails:
        idx = store.email_contact.get(email.lower())
        if idx is not None and not store.ds.contacts[idx].anonymized:
            return store.ds.contacts[idx]
    return None


def _merge_into_contact(
    store: Store, idx: int, emails: list[str], phones: list[dict[str, Any]], links: list[str], at: int
) -> None:
    # Existing contact data wins; only new emails, phones and links are added (LEVER_API.md §9.1).
    contact = store.contact_overlaid(idx)
    new_emails = [e for e in emails if e.lower() not in {x.lower() for x in contact["emails"]}]
    new_phones = [p for p in phones if p["value"] not in {x["value"] for x in contact["phones"]}]
    new_links = [link for link in links if link not in contact["links"]]
    if not (new_emails or new_phones or new_links):
        return
    contact["emails"] += new_emails
    contact["phones"] += new_phones
    contact["links"] += new_links
    row = store.ds.contacts[idx]
    row.emails = tuple(contact["emails"])
    for email in new_emails:
        store.email_contact.setdefault(email.lower(), idx)
    for other in store.contact_rows.get(idx, []):
        if other.deleted_at is None:
            opp = store.overlaid(other)
            opp.update(
                emails=list(contact["emails"]),
                phones=copy.deepcopy(contact["phones"]),
                links=list(contact["links"]),
            )
            store.bump(other, opp, at)
