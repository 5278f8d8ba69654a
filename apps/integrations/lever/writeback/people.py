"""Create a candidate in Lever (§9.1): a lead, or an opportunity on one posting, never a second person.

Lever dedupes people by email only and a repeated create makes a second opportunity (§11.10), so
before creating we look for the person: in the mirror (emails, LinkedIn profile), then in Lever by
each email. A person who already has an opportunity for the posting (for a lead: any opportunity)
gets nothing new; any other known person gets the new opportunity on their contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.candidates.identity import find_existing_candidate, normalize_linkedin_url, normalized_emails
from apps.candidates.lever_create import candidate_connect_to_lever
from apps.candidates.models import Application, Candidate
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.mapping.values import ref_id
from apps.integrations.lever.parsing import parse_int, unwrap
from apps.integrations.lever.writeback.base import (
    Handler,
    PlannedCall,
    perform_as,
    reflect_opportunity,
    send,
)
from apps.integrations.lever.writeback.common import is_for, since_ms, with_posting
from apps.integrations.lever.writes import multipart_fields
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter

LOOKUP = {"expand": ["applications"], "confidentiality": "all"}  # what iter_opportunities sends


@dataclass
class Person:
    """Someone already in Lever: their contact id, what matched, and their opportunities (newest first)."""

    contact: str
    matched_by: str
    found_in: str
    opportunities: list[dict[str, Any]] = field(default_factory=list)

    def existing(self, posting_id: str | None) -> dict[str, Any] | None:
        """Return the opportunity that makes a new one unnecessary: one for the posting; for a lead, any."""
        if posting_id is None:
            return self.opportunities[0] if self.opportunities else None
        return next((o for o in self.opportunities if is_for(o, posting_id)), None)


def emails_of(action: WritebackAction) -> list[str]:
    return normalized_emails(action.payload.get("emails") or [])


def create_body(action: WritebackAction) -> dict[str, Any]:
    """Return the create-opportunity body for the action's payload (LEVER_API.md §9.1 field names)."""
    p = action.payload
    headline = p.get("headline") or " at ".join(x for x in (p.get("title"), p.get("company")) if x)
    links = [*(p.get("links") or []), *([p["linkedin_url"]] if p.get("linkedin_url") else [])]
    body: dict[str, Any] = {
        "name": p.get("name"),
        "headline": headline,
        "location": p.get("location"),
        "emails": emails_of(action),
        "phones": [
            {key: phone[key] for key in ("type", "value") if phone.get(key)}
            for phone in p.get("phones") or []
        ],
        "links": list(dict.fromkeys(links)),
        "tags": p.get("tags") or [],
        "sources": p.get("sources") or [],
        "origin": p.get("origin"),
        "stage": p.get("stage_id"),
        "postings": [p["posting_id"]] if p.get("posting_id") else [],
    }
    return {key: value for key, value in body.items() if value not in (None, "", [])}


def create_params(action: WritebackAction) -> dict[str, str]:
    # perform_as becomes the creator, the default owner and, for sourced people, "sourced by" (§9.1).
    sourced_by = action.payload.get("sourced_by")
    return {"perform_as": sourced_by} if sourced_by else perform_as(action)


def create_call(action: WritebackAction, contact: str | None) -> PlannedCall:
    body = create_body(action)
    if contact:
        body["contact"] = contact  # attach to the known person; Lever merges new emails, phones, links
    if action.file:  # a resume goes multipart as `resumeFile` (§9.1, checklist §13 item 24)
        return PlannedCall(
            "POST",
            "/opportunities",
            create_params(action),
            form=multipart_fields(body),
            file_field="resumeFile",
            idempotent=False,
        )
    return PlannedCall("POST", "/opportunities", create_params(action), json=body, idempotent=False)


class CreateCandidate(Handler):
    kind = WritebackKind.CREATE_CANDIDATE

    def mirror_match(self, action: WritebackAction) -> tuple[Candidate, str] | None:
        """Return the mirrored person this is, if the mirror knows them."""
        candidate = action.candidate
        if candidate is not None and candidate.remote_id and candidate.remote_deleted_at is None:
            return candidate, "candidate"
        return find_existing_candidate(
            action.connection, action.payload.get("emails") or [], action.payload.get("linkedin_url")
        )

    def lookups(self, action: WritebackAction, match: tuple[Candidate, str] | None) -> list[PlannedCall]:
        if match is not None:
            return [PlannedCall("GET", "/opportunities", {"contact_id": match[0].remote_id, **LOOKUP})]
        return [
            PlannedCall("GET", "/opportunities", {"email": email, **LOOKUP}) for email in emails_of(action)
        ]

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        """Return the lookups and the create as the mirror predicts it (Lever's answers may change it)."""
        if not action.payload.get("name"):
            raise ValueError("A candidate needs a name.")
        match = self.mirror_match(action)
        return [*self.lookups(action, match), create_call(action, match[0].remote_id if match else None)]

    def dedupe(self, action: WritebackAction) -> dict[str, Any] | None:
        """Report the mirrored person this would attach to, and whether an opportunity already exists."""
        match = self.mirror_match(action)
        if match is None:
            return None
        candidate, matched_by = match
        posting_id = action.payload.get("posting_id")
        applications = Application.objects.filter(candidate=candidate).alive()
        if posting_id:
            applications = applications.filter(job__remote_id=posting_id)
        existing = applications.order_by("-pk").first()
        return {
            "matched_by": matched_by,
            "candidate": {"id": candidate.pk, "name": candidate.name, "contact": candidate.remote_id},
            "existing_application": existing.pk if existing else None,
            "result": "nothing to create" if existing else "new opportunity on the existing person",
        }

    def find_person(
        self, action: WritebackAction, client: LeverClient, sent: list[PlannedCall]
    ) -> Person | None:
        """Find the person in Lever: by the mirror's contact id, else by each email (§13 item 24)."""
        match = self.mirror_match(action)
        if match is not None:
            sent += self.lookups(action, match)
            contact = match[0].remote_id
            return Person(contact, match[1], "mirror", list(client.iter_opportunities(contact_id=contact)))
        for call in self.lookups(action, None):
            sent.append(call)
            found = list(client.iter_opportunities(email=call.params["email"]))
            if found:
                contact = ref_id(found[0].get("contact")) or ""
                mine = [o for o in found if ref_id(o.get("contact")) == contact]
                return Person(contact, "email", "lever", mine)
        return None

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        sent: list[PlannedCall] = []
        posting_id = action.payload.get("posting_id")
        person = self.find_person(action, client, sent)
        existing = person.existing(posting_id) if person else None
        if person is not None and existing is not None:
            action.request = {"calls": [call.describe() for call in sent]}
            return self.answer(existing, person, deduped=True)
        call = create_call(action, person.contact if person else None)
        sent.append(call)
        action.request = {"calls": [c.describe() for c in sent]}  # what really went out, not the forecast
        created = unwrap(send(client, call, action))
        return self.answer(created, person, deduped=False)

    @staticmethod
    def answer(opportunity: Any, person: Person | None, *, deduped: bool) -> dict[str, Any]:
        contact = ref_id(opportunity.get("contact")) if isinstance(opportunity, dict) else None
        return {
            "deduped": deduped,
            "matched_by": person.matched_by if person else None,
            "found_in": person.found_in if person else None,
            "contact": contact or (person.contact if person else None),
            "opportunity": opportunity,
        }

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Find an opportunity an earlier attempt created: for this posting (or a lead), since the action."""
        since, posting_id = since_ms(action), action.payload.get("posting_id")
        match = self.mirror_match(action)
        if match is not None:
            pools = [client.iter_opportunities(contact_id=match[0].remote_id, created_at_start=since)]
        elif emails_of(action):
            pools = [client.iter_opportunities(email=e, created_at_start=since) for e in emails_of(action)]
        else:  # no email to search by (LinkedIn only): the recent creates, recognised by their links or name
            pools = [client.iter_opportunities(created_at_start=since, posting_id=posting_id)]
        for pool in pools:
            for opportunity in pool:
                if (parse_int(opportunity.get("createdAt")) or 0) < since or not is_for(
                    opportunity, posting_id
                ):
                    continue
                if match is None and not emails_of(action) and not self.same_person(action, opportunity):
                    continue
                return {**self.answer(opportunity, None, deduped=False), "recovered": True}
        return None

    @staticmethod
    def same_person(action: WritebackAction, opportunity: dict[str, Any]) -> bool:
        profile = normalize_linkedin_url(action.payload.get("linkedin_url"))
        if profile:
            return profile in {normalize_linkedin_url(link) for link in opportunity.get("links") or []}
        return (opportunity.get("name") or "").strip() == (action.payload.get("name") or "").strip()

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        """Mirror the opportunity and connect a local candidate row to the Lever person it became."""
        if not isinstance(answer, dict):
            return
        opportunity, contact = answer.get("opportunity"), answer.get("contact")
        local = Candidate.objects.filter(pk=action.candidate_id, remote_id__isnull=True).first()
        if local is not None and contact:
            answer["local_candidate"] = candidate_connect_to_lever(
                candidate=local, connection=writer.connection, contact_id=contact
            )
        reflect_opportunity(with_posting(opportunity, action.payload.get("posting_id")), writer)
