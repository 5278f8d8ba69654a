"""Read endpoints for account-wide resources: users, stages, reasons, tags, sources, postings, requisitions."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from apps.lever_sandbox.generate.applications import apply_form
from apps.lever_sandbox.generate.postings import STATES
from apps.lever_sandbox.protocol import (
    ApiError,
    Request,
    Response,
    bad_request,
    bool_param,
    choice_param,
    data,
    int_param,
    newest_first,
    not_found,
    paginate,
    restrict,
)

if TYPE_CHECKING:
    from apps.lever_sandbox.app import Sandbox

CONFIDENTIALITY = ("non-confidential", "confidential", "all")
POSTING_FILTERS = (
    "state",
    "distributionChannel",
    "team",
    "department",
    "location",
    "commitment",
    "level",
    "tag",
    "group",
)
POSTING_EXPANDS = ("user", "owner", "hiringManager", "followers")


def confidentiality(req: Request) -> str:
    """Return the ``confidentiality`` filter; asking for confidential data needs a credential allowed to see it."""
    value = choice_param(req, "confidentiality", CONFIDENTIALITY, "non-confidential")
    if value != "non-confidential" and not req.credential.confidential:
        raise ApiError(403, "This credential does not have access to confidential data")
    return value


def visible(confidential: bool, value: str) -> bool:
    return value == "all" or (value == "confidential") == confidential


def require_access(req: Request, confidential: bool) -> None:
    if confidential and not req.credential.confidential:
        raise ApiError(403, "This credential does not have access to confidential data")


def users(sb: Sandbox, req: Request) -> Response:
    include_deactivated = bool_param(req, "includeDeactivated")
    email = (req.arg("email") or "").strip().lower()
    roles = set(req.args("accessRole"))
    directory = req.arg("external_directory_id")
    items = [
        u
        for u in sb.store.ds.users
        if (include_deactivated or u["deactivatedAt"] is None)
        and (not email or u["email"].lower() == email)
        and (not roles or u["accessRole"] in roles)
        and (directory is None or u["externalDirectoryId"] == directory)
    ]
    return paginate(req, newest_first(items))


def user(sb: Sandbox, req: Request) -> Response:
    found = sb.store.user(req.params["id"])
    if found is None:
        raise not_found("users", req.params["id"])
    return data(found)


def stages(sb: Sandbox, req: Request) -> Response:
    return paginate(req, sb.store.ds.stages, None)


def stage(sb: Sandbox, req: Request) -> Response:
    return data(_find(sb.store.ds.stages, req.params["id"], "stages"))


def archive_reasons(sb: Sandbox, req: Request) -> Response:
    kind = req.arg("type")
    if kind not in (None, "hired", "non-hired"):
        raise bad_request("Invalid type parameter: expected hired or non-hired")
    return paginate(req, [r for r in sb.store.ds.archive_reasons if kind in (None, r["type"])], None)


def archive_reason(sb: Sandbox, req: Request) -> Response:
    return data(_find(sb.store.ds.archive_reasons, req.params["id"], "archive_reasons"))


def tags(sb: Sandbox, req: Request) -> Response:
    return paginate(req, sb.store.label_counts("tags"), None)


def sources(sb: Sandbox, req: Request) -> Response:
    return paginate(req, sb.store.label_counts("sources"), None)


def postings(sb: Sandbox, req: Request) -> Response:
    conf = confidentiality(req)
    start, end = int_param(req, "updated_at_start"), int_param(req, "updated_at_end")
    if (start is not None or end is not None) and any(req.args(name) for name in POSTING_FILTERS):
        raise bad_request("updated_at_start and updated_at_end can only be combined with confidentiality")
    states = req.args("state")
    channels = req.args("distributionChannel")
    if set(states) - set(STATES):
        raise bad_request(f"Invalid state parameter: expected one of {', '.join(STATES)}")
    if set(channels) - {"public", "internal"}:
        raise bad_request("Invalid distributionChannel parameter: expected public or internal")
    categories = {name: set(req.args(name)) for name in ("team", "department", "commitment", "level")}
    locations, wanted_tags = set(req.args("location")), set(req.args("tag"))
    items = []
    with sb.store.lock:
        for posting in sb.store.ds.postings:
            posted = posting["distributionChannels"] or []
            if not visible(posting["confidentiality"] == "confidential", conf):
                continue
            if states and posting["state"] not in states:
                continue
            if channels and not set(channels) & set(posted):
                continue
            # Lever's gotcha: state=published alone means "on the public job site" (LEVER_API.md §8.6).
            if (
                not channels
                and "published" in states
                and posting["state"] == "published"
                and "public" not in posted
            ):
                continue
            cats = posting["categories"]
            if any(values and cats.get(name) not in values for name, values in categories.items()):
                continue
            if locations and not locations & ({cats.get("location")} | set(cats.get("allLocations") or [])):
                continue
            if wanted_tags and not wanted_tags & set(posting["tags"]):
                continue
            if (start is not None and posting["updatedAt"] < start) or (
                end is not None and posting["updatedAt"] > end
            ):
                continue
            items.append(_posting_out(sb, req, posting))
    return paginate(req, newest_first(items))


def _posting_out(sb: Sandbox, req: Request, posting: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(posting)
    for name in req.args("expand"):
        if name not in POSTING_EXPANDS:
            raise bad_request(f"Invalid expand parameter: {name}")
        if name == "followers":
            out["followers"] = [sb.store.user(u) for u in out["followers"] if sb.store.user(u)]
        else:
            out[name] = sb.store.user(out[name])
    return restrict(out, req.args("include"), req.args("expand"))


def posting(sb: Sandbox, req: Request) -> Response:
    found = sb.store.posting(req.params["id"])
    if found is None:
        raise not_found("postings", req.params["id"])
    require_access(req, found["confidentiality"] == "confidential")
    with sb.store.lock:
        return data(_posting_out(sb, req, found))


def posting_apply(sb: Sandbox, req: Request) -> Response:
    found = sb.store.posting(req.params["id"])
    if found is None:
        raise not_found("postings", req.params["id"])
    require_access(req, found["confidentiality"] == "confidential")
    return data(apply_form(sb.store.ds.seed, found, sb.store.ds.company))


def requisitions(sb: Sandbox, req: Request) -> Response:
    conf = confidentiality(req)
    start, end = int_param(req, "created_at_start"), int_param(req, "created_at_end")
    code, status = req.arg("requisition_code"), req.arg("status")
    items = [
        r
        for r in sb.store.ds.requisitions
        if visible(r["confidentiality"] == "confidential", conf)
        and (start is None or r["createdAt"] >= start)
        and (end is None or r["createdAt"] <= end)
        and code in (None, r["requisitionCode"])
        and status in (None, r["status"])
    ]
    return paginate(req, newest_first(items))


def requisition(sb: Sandbox, req: Request) -> Response:
    found = _find(sb.store.ds.requisitions, req.params["id"], "requisitions")
    require_access(req, found["confidentiality"] == "confidential")
    return data(found)


def requisition_fields(sb: Sandbox, req: Request) -> Response:
    return paginate(req, sb.store.ds.requisition_fields, None)


def requisition_field(sb: Sandbox, req: Request) -> Response:
    found = next((f for f in sb.store.ds.requisition_fields if f["id"] == req.params["id"]), None)
    if found is None:
        raise ApiError(404, "That requisition field doesn't exist on your account", "NotFoundError")
    return data(found)


def feedback_templates(sb: Sandbox, req: Request) -> Response:
    return paginate(req, newest_first(sb.store.ds.feedback_templates))


def feedback_template(sb: Sandbox, req: Request) -> Response:
    return data(_find(sb.store.ds.feedback_templates, req.params["id"], "feedback_templates"))


def form_templates(sb: Sandbox, req: Request) -> Response:
    return paginate(req, newest_first(sb.store.ds.form_templates))


def form_template(sb: Sandbox, req: Request) -> Response:
    return data(_find(sb.store.ds.form_templates, req.params["id"], "form_templates"))


def webhooks(sb: Sandbox, req: Request) -> Response:
    return paginate(req, sb.webhooks.list())


def _find(items: list[dict[str, Any]], ident: str, kind: str) -> dict[str, Any]:
    found = next((item for item in items if item["id"] == ident), None)
    if found is None:
        raise not_found(kind, ident)
    return found
