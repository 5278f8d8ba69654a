"""Read methods of LeverClient: one per resource the mirror needs (LEVER_API.md §8).

List methods are generators over every page. Defaults are chosen so that nothing is hidden: Lever's
own defaults leave out confidential records, deactivated users and internal-only postings (§11.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from apps.integrations.lever.errors import LeverNotFound
from apps.integrations.lever.parsing import unwrap
from apps.integrations.lever.transport import LeverTransport, Page
from apps.integrations.lever.wire import segment

Item = dict[str, Any]
Timestamp = datetime | int | None

DISTRIBUTION_CHANNELS = ("public", "internal")
UPDATED_AT_FILTERS = frozenset({"updated_at_start", "updated_at_end"})


class LeverReads(LeverTransport):
    # -- reference data ------------------------------------------------------------------------------

    # Reference: LEVER_API.md §8.1 (GET /users; without includeDeactivated old owners never resolve)
    def iter_users(self, *, include_deactivated: bool = True, **filters: Any) -> Iterator[Item]:
        return self.paginate("/users", {"includeDeactivated": include_deactivated or None, **filters})

    # Reference: LEVER_API.md §8.1 (GET /users/:id)
    def get_user(self, user_id: str) -> Item:
        return unwrap(self.get(f"/users/{segment(user_id)}"))

    # Reference: LEVER_API.md §8.1 and §2.5 (GET /users?email=, exact canonical match; for perform_as)
    def find_user_by_email(self, email: str) -> Item | None:
        """Return the Lever user with this email (deactivated ones included), or None."""
        return next(iter(self.iter_users(email=email)), None)

    # Reference: LEVER_API.md §8.2 (GET /stages)
    def iter_stages(self) -> Iterator[Item]:
        return self.paginate("/stages")

    # Reference: LEVER_API.md §8.3 (GET /archive_reasons; inactive reasons are listed too)
    def iter_archive_reasons(self, *, reason_type: str | None = None) -> Iterator[Item]:
        return self.paginate("/archive_reasons", {"type": reason_type})

    # Reference: LEVER_API.md §8.4 (GET /tags; no ids, keyed on text)
    def iter_tags(self) -> Iterator[Item]:
        return self.paginate("/tags")

    # Reference: LEVER_API.md §8.5 (GET /sources; no ids, keyed on text)
    def iter_sources(self) -> Iterator[Item]:
        return self.paginate("/sources")

    # -- postings and requisitions --------------------------------------------------------------------

    # Reference: LEVER_API.md §8.6 (GET /postings) and gotchas §11.1, §11.12
    def iter_postings(self, *, confidentiality: str = "all", **filters: Any) -> Iterator[Item]:
        """Yield postings; by default every one: all states, both channels, confidential ones too.

        No `state` filter is sent by default. Lever's gotcha: `state=published` alone returns only
        postings on the *public* job site, so when a published state is asked for without a
        `distributionChannel`, both channels are added. `updated_at_*` may only be combined with
        `confidentiality`; Lever rejects anything else, so that is refused here first.
        """
        given = {key for key, value in filters.items() if value is not None}
        if given & UPDATED_AT_FILTERS and given - UPDATED_AT_FILTERS:
            raise ValueError("Lever only combines updated_at_start/_end with confidentiality on /postings.")
        states = filters.get("state")
        states = [states] if isinstance(states, str) else list(states or [])
        if "published" in states and not filters.get("distributionChannel"):
            filters["distributionChannel"] = list(DISTRIBUTION_CHANNELS)
        return self.paginate("/postings", {**filters, "confidentiality": confidentiality})

    # Reference: LEVER_API.md §8.6 (GET /postings/:id)
    def get_posting(self, posting_id: str) -> Item:
        return unwrap(self.get(f"/postings/{segment(posting_id)}"))

    # Reference: LEVER_API.md §8.6 (GET /postings/:id/apply: the application form's questions)
    def get_posting_apply_form(self, posting_id: str, **params: Any) -> Item:
        return unwrap(self.get(f"/postings/{segment(posting_id)}/apply", params))

    # Reference: LEVER_API.md §8.7 (GET /requisitions; confidential ones hidden by default)
    def iter_requisitions(self, *, confidentiality: str = "all", **filters: Any) -> Iterator[Item]:
        return self.paginate("/requisitions", {**filters, "confidentiality": confidentiality})

    # Reference: LEVER_API.md §8.7 (GET /requisition_fields; ids are snake_case keys)
    def iter_requisition_fields(self) -> Iterator[Item]:
        return self.paginate("/requisition_fields")

    # -- opportunities and contacts -------------------------------------------------------------------

    # Reference: LEVER_API.md §8.8 (GET /opportunities; timestamp filters are inclusive)
    def iter_opportunities(
        self,
        *,
        updated_at_start: Timestamp = None,
        updated_at_end: Timestamp = None,
        created_at_start: Timestamp = None,
        created_at_end: Timestamp = None,
        email: str | None = None,
        contact_id: str | None = None,
        posting_id: str | None = None,
        archived: bool | None = None,
        expand: Iterable[str] = ("applications",),
        confidentiality: str = "all",
        **extra: Any,
    ) -> Iterator[Item]:
        """Yield opportunities; datetimes become epoch ms, lists are sent as repeated parameters."""
        params = {
            "updated_at_start": updated_at_start,
            "updated_at_end": updated_at_end,
            "created_at_start": created_at_start,
            "created_at_end": created_at_end,
            "email": email,
            "contact_id": contact_id,
            "posting_id": posting_id,
            "archived": archived,
            **extra,
            "expand": list(expand),
            "confidentiality": confidentiality,
        }
        return self.paginate("/opportunities", params)

    def opportunity_pages(self, *, offset: str | None = None, **filters: Any) -> Iterator[Page]:
        """Yield pages of opportunities (same filters as `iter_opportunities`) from a stored `offset`."""
        filters.setdefault("expand", ("applications",))
        filters.setdefault("confidentiality", "all")
        filters["expand"] = list(filters["expand"])
        return self.pages("/opportunities", filters, offset=offset)

    # Reference: LEVER_API.md §8.8 (GET /opportunities/:id; a 404 means deleted, §13 item 19)
    def get_opportunity(self, opportunity_id: str, *, expand: Iterable[str] = ("applications",)) -> Item:
        return unwrap(self.get(f"/opportunities/{segment(opportunity_id)}", {"expand": list(expand)}))

    # Reference: LEVER_API.md §8.8 (GET /opportunities/deleted; records carry deletedAt, deletedBy)
    def iter_deleted_opportunities(
        self, *, deleted_at_start: Timestamp = None, deleted_at_end: Timestamp = None
    ) -> Iterator[Item]:
        params = {"deleted_at_start": deleted_at_start, "deleted_at_end": deleted_at_end}
        return self.paginate("/opportunities/deleted", params)

    # Reference: LEVER_API.md §8.9 (GET /contacts/:id; there is no list endpoint)
    def get_contact(self, contact_id: str) -> Item:
        return unwrap(self.get(f"/contacts/{segment(contact_id)}"))

    # -- children of an opportunity -------------------------------------------------------------------

    def _children(self, opportunity_id: str, resource: str, params: Any = None) -> Iterator[Item]:
        return self.paginate(f"/opportunities/{segment(opportunity_id)}/{resource}", params)

    # Reference: LEVER_API.md §8.10 (GET /opportunities/:id/applications; 0–1 per opportunity)
    def iter_applications(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "applications")

    # Reference: LEVER_API.md §8.11 (GET /opportunities/:id/notes; deletedAt may be set)
    def iter_notes(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "notes")

    # Reference: LEVER_API.md §8.13 (GET /opportunities/:id/interviews)
    def iter_interviews(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "interviews")

    # Reference: LEVER_API.md §8.13 (GET /opportunities/:id/panels)
    def iter_panels(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "panels")

    # Reference: LEVER_API.md §8.14 (GET /opportunities/:id/offers; items lack the opportunity id)
    def iter_offers(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "offers")

    # Reference: LEVER_API.md §8.14 (GET /opportunities/:id/offers/:offerId/download?status=sent|signed)
    def download_offer(self, opportunity_id: str, offer_id: str, *, status: str = "signed") -> bytes:
        path = f"/opportunities/{segment(opportunity_id)}/offers/{segment(offer_id)}/download"
        return self.request("GET", path, params={"status": status}, idempotent=True, raw=True)

    # Reference: LEVER_API.md §8.15 and §6 (a 404 on /resumes means "no resumes", tap-lever quirk)
    def iter_resumes(self, opportunity_id: str, **params: Any) -> Iterator[Item]:
        try:
            yield from self._children(opportunity_id, "resumes", params)
        except LeverNotFound:
            return

    # Reference: LEVER_API.md §8.15 (…/resumes/:id/download; 422 = Lever could not process the file)
    def download_resume(self, opportunity_id: str, resume_id: str) -> bytes:
        path = f"/opportunities/{segment(opportunity_id)}/resumes/{segment(resume_id)}/download"
        return self.request("GET", path, idempotent=True, raw=True)

    # Reference: LEVER_API.md §8.16 (GET /opportunities/:id/files)
    def iter_files(self, opportunity_id: str, **params: Any) -> Iterator[Item]:
        return self._children(opportunity_id, "files", params)

    # Reference: LEVER_API.md §8.16 (…/files/:id/download; 422 = Lever could not process the file)
    def download_file(self, opportunity_id: str, file_id: str) -> bytes:
        path = f"/opportunities/{segment(opportunity_id)}/files/{segment(file_id)}/download"
        return self.request("GET", path, idempotent=True, raw=True)

    # Reference: LEVER_API.md §8.12 (GET /opportunities/:id/feedback)
    def iter_feedback(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "feedback")

    # Reference: LEVER_API.md §8.12 (GET /feedback_templates)
    def iter_feedback_templates(self) -> Iterator[Item]:
        return self.paginate("/feedback_templates")

    # Reference: LEVER_API.md §8.17 (GET /opportunities/:id/forms)
    def iter_forms(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "forms")

    # Reference: LEVER_API.md §8.17 (GET /form_templates)
    def iter_form_templates(self) -> Iterator[Item]:
        return self.paginate("/form_templates")

    # Reference: LEVER_API.md §8.18 (GET /opportunities/:id/referrals)
    def iter_referrals(self, opportunity_id: str) -> Iterator[Item]:
        return self._children(opportunity_id, "referrals")

    # Reference: LEVER_API.md §10.5 (GET /webhooks; list before registering to avoid duplicates)
    def iter_webhooks(self) -> Iterator[Item]:
        return self.paginate("/webhooks")
