"""Write endpoints (LEVER_API.md §9): parse the request, call ``writes``/``create``, answer in Lever's shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.lever_sandbox import create, posting_writes, writes
from apps.lever_sandbox.handlers_opportunities import opportunity_row
from apps.lever_sandbox.protocol import (
    ApiError,
    Request,
    Response,
    bad_request,
    data,
    no_content,
    not_found,
)

if TYPE_CHECKING:
    from apps.lever_sandbox.app import Sandbox

LABEL_ACTIONS = {
    "addTags": ("tags", True),
    "removeTags": ("tags", False),
    "addSources": ("sources", True),
    "removeSources": ("sources", False),
    "addLinks": ("links", True),
    "removeLinks": ("links", False),
}


def perform_as(sb: Sandbox, req: Request, required: bool) -> str | None:
    """Return the ``perform_as`` user id (a query parameter); required writes answer 400 without it."""
    user_id = req.arg("perform_as")
    if not user_id:
        if required:
            raise bad_request("perform_as is required: pass the id of the Lever user making this change")
        return None
    user = sb.store.user(user_id)
    if user is None:
        raise bad_request(f"Invalid perform_as: {user_id} is not a user of this account")
    if user["deactivatedAt"] is not None:
        raise bad_request(f"Invalid perform_as: {user_id} is deactivated")
    return user_id


def _json_object(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    return body


def create_opportunity(sb: Sandbox, req: Request) -> Response:
    user = perform_as(sb, req, required=True)
    assert user is not None
    if req.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields, files = req.form()
        body, uploads = create.body_from_form(fields), files
    else:
        body, uploads = _json_object(req), {}
    return data(create.create_opportunity(sb.store, body, user, uploads, req.credential.confidential), 201)


def labels(sb: Sandbox, req: Request) -> Response:
    name, add = LABEL_ACTIONS[req.params["action"]]
    perform_as(sb, req, required=False)  # validated only: tags, links and sources carry no author
    row = opportunity_row(sb, req)
    values = writes.string_list(_json_object(req), name)
    if name == "links":
        return data(writes.change_links(sb.store, row, values, add))
    return data(writes.change_labels(sb.store, row, name, values, add))


def stage(sb: Sandbox, req: Request) -> Response:
    user = perform_as(sb, req, required=False)
    row = opportunity_row(sb, req)
    body = _json_object(req)
    if "stage" not in body:
        raise bad_request("stage is required")
    return data(writes.change_stage(sb.store, row, body["stage"], user))


def archived(sb: Sandbox, req: Request) -> Response:
    user = perform_as(sb, req, required=False)
    row = opportunity_row(sb, req)
    return data(writes.change_archived(sb.store, row, _json_object(req), user))


def note(sb: Sandbox, req: Request) -> Response:
    user = perform_as(sb, req, required=False)
    row = opportunity_row(sb, req)
    return data(writes.add_note(sb.store, row, _json_object(req), user, req.arg("note_id")), 201)


def upload_file(sb: Sandbox, req: Request) -> Response:
    perform_as(sb, req, required=True)
    row = opportunity_row(sb, req)
    _, files = req.form()
    uploads = files.get("file") or files.get("files") or []
    return data(writes.add_file(sb.store, row, uploads[0] if uploads else None), 201)


def create_posting(sb: Sandbox, req: Request) -> Response:
    user = perform_as(sb, req, required=True)
    assert user is not None
    return data(posting_writes.create_posting(sb.store, _json_object(req), user), 201)


def update_posting(sb: Sandbox, req: Request) -> Response:
    perform_as(sb, req, required=True)
    found = sb.store.posting(req.params["id"])
    if found is None:
        raise not_found("postings", req.params["id"])
    if found["confidentiality"] == "confidential" and not req.credential.confidential:
        raise ApiError(403, "This credential does not have access to confidential data")
    updated = posting_writes.update_posting(sb.store, req.params["id"], _json_object(req))
    return data(updated)


def create_webhook(sb: Sandbox, req: Request) -> Response:
    return data(sb.webhooks.register(_json_object(req), sb.store.now()), 201)


def delete_webhook(sb: Sandbox, req: Request) -> Response:
    if not sb.webhooks.delete(req.params["id"]):
        raise not_found("webhooks", req.params["id"])
    return no_content()
