"""Read endpoints for opportunities, their contacts and every per-opportunity child resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from apps.lever_sandbox.generate.dataset import OppRow
from apps.lever_sandbox.generate.resumes import StoredFile
from apps.lever_sandbox.handlers_reference import confidentiality, require_access
from apps.lever_sandbox.protocol import (
    ApiError,
    Request,
    Response,
    bad_request,
    binding,
    bool_param,
    data,
    int_param,
    make_token,
    newest_first,
    not_found,
    page,
    page_limit,
    paginate,
    read_token,
    restrict,
)
from apps.lever_sandbox.store import CHILD_KINDS, OppQuery

if TYPE_CHECKING:
    from apps.lever_sandbox.app import Sandbox

EXPANDS = ("applications", "stage", "owner", "followers", "sourcedBy", "contact")
NO_MATCH = -2  # an unknown id in a filter matches nothing (row positions are never -2)


def opportunities(sb: Sandbox, req: Request) -> Response:
    store = sb.store
    q = OppQuery(confidentiality=confidentiality(req))
    for name in ("created", "updated", "advanced", "archived"):
        start, end = int_param(req, f"{name}_at_start"), int_param(req, f"{name}_at_end")
        if start is not None or end is not None:
            q.ranges[name] = (start, end)
    q.emails = {e.strip().lower() for e in req.args("email")}
    q.contact_ids = set(req.args("contact_id"))
    q.postings = {store.ds.posting_pos.get(p, NO_MATCH) for p in req.args("posting_id")}
    q.archived_postings = {store.ds.posting_pos.get(p, NO_MATCH) for p in req.args("archived_posting_id")}
    q.stages = {store.ds.stage_pos.get(s, NO_MATCH) for s in req.args("stage_id")}
    q.reasons = {store.ds.reason_pos.get(r, NO_MATCH) for r in req.args("archive_reason_id")}
    q.tags, q.origins = set(req.args("tag")), set(req.args("origin"))
    q.sources, q.locations = set(req.args("source")), set(req.args("location"))
    q.archived, q.snoozed = bool_param(req, "archived"), bool_param(req, "snoozed")
    expand = _expands(req)
    limit = page_limit(req)
    cursor = read_token(req)
    after = None
    if cursor is not None:
        if len(cursor) != 3 or not isinstance(cursor[1], int) or not isinstance(cursor[2], str):
            raise bad_request("Invalid offset token: Offset token could not be parsed")
        after = (cursor[1], cursor[2])
    rows, has_next = store.query(q, after, limit)
    items = [render(sb, req, row, expand) for row in rows]
    token = make_token([1, rows[-1].created, rows[-1].id], binding(req)) if has_next else None
    return page(items, has_next, token)


def _expands(req: Request) -> list[str]:
    expand = req.args("expand")
    unknown = [name for name in expand if name not in EXPANDS]
    if unknown:
        raise bad_request(f"Invalid expand parameter: {', '.join(unknown)}")
    return expand


def render(sb: Sandbox, req: Request, row: OppRow, expand: list[str]) -> dict[str, Any]:
    """Return an opportunity with ``expand=`` objects substituted and ``include=`` applied."""
    store = sb.store
    opp = store.opportunity(row)
    if "applications" in expand:
        opp["applications"] = store.children(row, "applications")
    if "stage" in expand:
        opp["stage"] = store.ds.stages[store.ds.stage_pos[opp["stage"]]]
    for name in ("owner", "sourcedBy"):
        if name in expand:
            opp[name] = store.user(opp[name])
    if "followers" in expand:
        opp["followers"] = [store.user(u) for u in opp["followers"] if store.user(u)]
    if "contact" in expand:
        opp["contact"] = store.contact(row.contact)
    return restrict(opp, req.args("include"), expand)


def opportunity_row(sb: Sandbox, req: Request) -> OppRow:
    """Return the addressed opportunity's row: 404 when unknown or deleted, 403 when confidential."""
    row = sb.store.row(req.params["id"])
    if row is None:
        raise not_found("opportunities", req.params["id"])
    require_access(req, row.confidential)
    return row


def opportunity(sb: Sandbox, req: Request) -> Response:
    return data(render(sb, req, opportunity_row(sb, req), _expands(req)))


def deleted(sb: Sandbox, req: Request) -> Response:
    rows = sb.store.deleted(int_param(req, "deleted_at_start"), int_param(req, "deleted_at_end"))
    contacts = sb.store.ds.contacts
    items = [
        {"id": r.id, "contact": contacts[r.contact].id, "deletedAt": r.deleted_at, "deletedBy": r.deleted_by}
        for r in rows
    ]
    return paginate(req, items, "deletedAt")


def contact(sb: Sandbox, req: Request) -> Response:
    idx = sb.store.contact_by_id.get(req.params["id"])
    if idx is None:
        raise not_found("contacts", req.params["id"])
    return data(sb.store.contact(idx))


def children(sb: Sandbox, req: Request) -> Response:
    """List one kind of child; an opportunity without resumes answers 404 (LEVER_API.md §6 quirk)."""
    kind = req.params["kind"]
    if kind not in CHILD_KINDS:
        raise not_found("route", req.path)
    row = opportunity_row(sb, req)
    items = sb.store.children(row, kind)
    if kind in ("resumes", "files"):
        items = _uploaded_within(
            req, [f.meta for f in items], "createdAt" if kind == "resumes" else "uploadedAt"
        )
        if kind == "resumes" and not items:
            raise ApiError(404, f"Resumes for opportunity {row.id} were not found")
        return paginate(
            req,
            newest_first(items, "createdAt" if kind == "resumes" else "uploadedAt"),
            "createdAt" if kind == "resumes" else "uploadedAt",
        )
    return paginate(req, newest_first(items))


def _uploaded_within(req: Request, items: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    start, end = int_param(req, "uploaded_at_start"), int_param(req, "uploaded_at_end")
    if start is None and end is None:
        return items

    def uploaded(item: dict[str, Any]) -> int:
        return (item.get("file") or {}).get("uploadedAt") or item.get("uploadedAt") or item[field]

    return [
        i for i in items if (start is None or uploaded(i) >= start) and (end is None or uploaded(i) <= end)
    ]


def child(sb: Sandbox, req: Request) -> Response:
    kind = req.params["kind"]
    if kind not in CHILD_KINDS:
        raise not_found("route", req.path)
    row = opportunity_row(sb, req)
    for item in sb.store.children(row, kind):
        meta = item.meta if isinstance(item, StoredFile) else item
        if meta["id"] == req.params["child"]:
            return data(meta)
    raise not_found(kind, req.params["child"])


def download(sb: Sandbox, req: Request) -> Response:
    """Send a resume's or file's bytes; files Lever could not process answer 422."""
    kind = req.params["kind"]
    row = opportunity_row(sb, req)
    stored = next((f for f in sb.store.children(row, kind) if f.meta["id"] == req.params["child"]), None)
    if stored is None:
        raise not_found(kind, req.params["child"])
    if not stored.downloadable:
        raise ApiError(422, "The file could not be processed and is not available for download")
    name = stored.meta.get("name") or stored.meta["file"]["name"]
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(
        200, stored.content, [("Content-Type", stored.content_type), ("Content-Disposition", disposition)]
    )
