"""Write methods of LeverClient: every action of LEVER_API.md §9 and webhook registration (§10.5).

Each method declares whether repeating it is harmless. Creates are not: Lever has no idempotency key
and a repeated create makes a duplicate (§9.1), so they are retried only when nothing reached Lever.
Set-like updates (tags, links, sources), stage and archive PUTs, posting updates and deletes are.
`perform_as` (a Lever user id) always travels as a query parameter (§2.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from apps.integrations.lever.errors import LeverNotFound
from apps.integrations.lever.parsing import to_ms, unwrap
from apps.integrations.lever.transport import LeverTransport
from apps.integrations.lever.validation import validate_note_score, validate_posting_fields, validate_webhook
from apps.integrations.lever.wire import segment

Item = dict[str, Any]
UploadFile = tuple[str, bytes, str]  # (file name, content, content type)


def multipart_fields(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten a JSON body into form fields the way Lever's multipart create expects them.

    Arrays become `emails[]`, objects `archived[reason]`, arrays of objects `phones[0][value]`
    (LEVER_API.md §9.1; the indexed form for arrays of objects is our reading of the qs convention).
    """
    out: list[tuple[str, str]] = []

    def add(key: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                add(f"{key}[{sub_key}]", sub_value)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                add(f"{key}[{index}]" if isinstance(item, Mapping) else f"{key}[]", item)
        else:
            out.append((key, str(value)))

    for key, value in fields.items():
        add(key, value)
    return out


def _required(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} is required.")
    return value


def _texts(values: Iterable[str], what: str) -> list[str]:
    texts = [] if isinstance(values, str) else [value for value in values if value]
    if not texts:
        raise ValueError(f"Give a non-empty list of {what}.")
    return texts


class LeverWrites(LeverTransport):
    def _opportunity(self, opportunity_id: str, action: str) -> str:
        return f"/opportunities/{segment(opportunity_id)}/{action}"

    # Reference: LEVER_API.md §9.1 (POST /opportunities?perform_as=…[&parse][&perform_as_posting_owner])
    def create_opportunity(
        self,
        perform_as: str,
        fields: Mapping[str, Any],
        *,
        resume_file: UploadFile | None = None,
        parse: bool = False,
        perform_as_posting_owner: bool = False,
    ) -> Item:
        """Create an opportunity (JSON, or multipart with `resumeFile`) and return it.

        Not idempotent: a matched email yields a *new* opportunity on the existing contact, so
        callers check `iter_opportunities(email=…)` first (checklist §13 item 24).
        """
        body = dict(fields)
        postings = body.get("postings")
        if isinstance(postings, str):
            body["postings"] = postings = [postings]
        if postings and len(postings) > 1:
            raise ValueError("Lever takes at most one posting per created opportunity; send one per posting.")
        if parse and resume_file is None:
            raise ValueError("parse=True needs a resume_file to parse.")
        params = {
            "perform_as": _required(perform_as, "perform_as"),
            "parse": parse or None,
            "perform_as_posting_owner": perform_as_posting_owner or None,
        }
        if resume_file is None:
            payload = self.request("POST", "/opportunities", params=params, json=body, idempotent=False)
        else:
            payload = self.request(
                "POST",
                "/opportunities",
                params=params,
                data=multipart_fields(body),
                files={"resumeFile": resume_file},
                idempotent=False,
            )
        return unwrap(payload)

    def _update_list(
        self, opportunity_id: str, action: str, key: str, values: Iterable[str], perform_as: str | None
    ) -> Item:
        payload = self.request(
            "POST",
            self._opportunity(opportunity_id, action),
            params={"perform_as": perform_as},
            json={key: _texts(values, key)},
            idempotent=True,  # set semantics: adding a present tag or removing an absent one is a no-op
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/addTags {"tags": [...]})
    def add_tags(self, opportunity_id: str, tags: Iterable[str], perform_as: str | None = None) -> Item:
        return self._update_list(opportunity_id, "addTags", "tags", tags, perform_as)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/removeTags)
    def remove_tags(self, opportunity_id: str, tags: Iterable[str], perform_as: str | None = None) -> Item:
        return self._update_list(opportunity_id, "removeTags", "tags", tags, perform_as)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/addLinks; links live on the contact)
    def add_links(self, opportunity_id: str, links: Iterable[str], perform_as: str | None = None) -> Item:
        return self._update_list(opportunity_id, "addLinks", "links", links, perform_as)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/removeLinks)
    def remove_links(self, opportunity_id: str, links: Iterable[str], perform_as: str | None = None) -> Item:
        return self._update_list(opportunity_id, "removeLinks", "links", links, perform_as)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/addSources)
    def add_sources(self, opportunity_id: str, sources: Iterable[str], perform_as: str | None = None) -> Item:
        return self._update_list(opportunity_id, "addSources", "sources", sources, perform_as)

    # Reference: LEVER_API.md §9.2 (POST /opportunities/:id/removeSources)
    def remove_sources(
        self, opportunity_id: str, sources: Iterable[str], perform_as: str | None = None
    ) -> Item:
        return self._update_list(opportunity_id, "removeSources", "sources", sources, perform_as)

    # Reference: LEVER_API.md §9.3 (PUT /opportunities/:id/stage {"stage": id}; ids may be slugs)
    def change_stage(self, opportunity_id: str, stage_id: str, perform_as: str | None = None) -> Item:
        payload = self.request(
            "PUT",
            self._opportunity(opportunity_id, "stage"),
            params={"perform_as": perform_as},
            json={"stage": _required(stage_id, "stage_id")},
            idempotent=True,
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §9.4 (PUT /opportunities/:id/archived {reason[, cleanInterviews, requisitionId]})
    def archive(
        self,
        opportunity_id: str,
        reason_id: str,
        *,
        clean_interviews: bool = False,
        requisition_id: str | None = None,
        perform_as: str | None = None,
    ) -> Item:
        body: dict[str, Any] = {"reason": _required(reason_id, "reason_id")}
        if clean_interviews:
            body["cleanInterviews"] = True
        if requisition_id:
            body["requisitionId"] = requisition_id
        return self._put_archived(opportunity_id, body, perform_as)

    # Reference: LEVER_API.md §9.4 (PUT …/archived {"reason": null} unarchives)
    def unarchive(self, opportunity_id: str, *, perform_as: str | None = None) -> Item:
        return self._put_archived(opportunity_id, {"reason": None}, perform_as)

    def _put_archived(self, opportunity_id: str, body: dict[str, Any], perform_as: str | None) -> Item:
        payload = self.request(
            "PUT",
            self._opportunity(opportunity_id, "archived"),
            params={"perform_as": perform_as},
            json=body,
            idempotent=True,
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §9.5 (POST /opportunities/:id/notes[?perform_as][&note_id])
    def create_note(
        self,
        opportunity_id: str,
        value: str,
        *,
        secret: bool = False,
        score: int | None = None,
        notify_followers: bool = False,
        perform_as: str | None = None,
        note_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str | None:
        """Create a note (or a comment on thread `note_id`) and return its id (None if Lever gave none)."""
        validate_note_score(score)
        body: dict[str, Any] = {
            "value": _required(value, "value"),
            "secret": secret,
            "notifyFollowers": notify_followers,
        }
        if score is not None:
            body["score"] = score
        if created_at is not None:
            body["createdAt"] = to_ms(created_at)
        payload = self.request(
            "POST",
            self._opportunity(opportunity_id, "notes"),
            params={"perform_as": perform_as, "note_id": note_id},
            json=body,
            idempotent=False,
        )
        data = unwrap(payload)
        # The docs show {"data": {"noteId"}}, real answers carry the whole note with `id` (§9.5).
        note = (data.get("noteId") or data.get("id")) if isinstance(data, dict) else None
        return str(note) if note else None

    # Reference: LEVER_API.md §9.6 (POST /opportunities/:id/files?perform_as=…, multipart field `file`)
    def upload_file(
        self, opportunity_id: str, name: str, content: bytes, content_type: str, perform_as: str
    ) -> Item:
        payload = self.request(
            "POST",
            self._opportunity(opportunity_id, "files"),
            params={"perform_as": _required(perform_as, "perform_as")},
            files={"file": (_required(name, "name"), content, content_type)},
            idempotent=False,
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §9.7 (POST /postings?perform_as=…; created as draft by default)
    def create_posting(self, perform_as: str, fields: Mapping[str, Any]) -> Item:
        validate_posting_fields(fields)
        payload = self.request(
            "POST",
            "/postings",
            params={"perform_as": _required(perform_as, "perform_as")},
            json=dict(fields),
            idempotent=False,
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §9.7 and §11.11 (POST /postings/:id is a partial update, not PUT)
    def update_posting(self, posting_id: str, perform_as: str, fields: Mapping[str, Any]) -> Item:
        validate_posting_fields(fields)
        payload = self.request(
            "POST",
            f"/postings/{segment(posting_id)}",
            params={"perform_as": _required(perform_as, "perform_as")},
            json=dict(fields),
            idempotent=True,  # sending the same partial update twice leaves the same posting
        )
        return unwrap(payload)

    # Reference: LEVER_API.md §10.5 (POST /webhooks; answer carries configuration.signatureToken)
    def create_webhook(self, url: str, event: str, origins: Iterable[str] | None = None) -> Item:
        origins = list(origins or [])
        validate_webhook(event, origins)
        body: dict[str, Any] = {"url": _required(url, "url"), "event": event}
        if origins:
            body["configuration"] = {"conditions": {"origins": origins}}
        return unwrap(self.request("POST", "/webhooks", json=body, idempotent=False))

    # Reference: LEVER_API.md §10.5 (DELETE /webhooks/:id → 204)
    def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook; one that is already gone counts as deleted (a retried delete may find that)."""
        try:
            self.request("DELETE", f"/webhooks/{segment(webhook_id)}", idempotent=True)
        except LeverNotFound:
            return
