"""``POST /postings`` and ``POST /postings/:id`` (partial update), with Lever's HTML whitelist."""

from __future__ import annotations

import copy
import html
import re
import uuid
from typing import Any

from apps.lever_sandbox.generate.common import JOBS_BASE
from apps.lever_sandbox.generate.postings import STATES, PostingMeta
from apps.lever_sandbox.protocol import bad_request
from apps.lever_sandbox.store import Store

DESCRIPTION_TAGS = frozenset({"div", "p", "span", "br", "b", "i", "s", "u", "a"})
LIST_TAGS = frozenset({"li", "b", "i", "s", "u", "a"})
WORKPLACE_TYPES = ("unspecified", "onsite", "remote", "hybrid")
SALARY_KEYS = ("min", "max", "currency", "interval")
UPDATABLE = (
    "text",
    "state",
    "distributionChannels",
    "owner",
    "hiringManager",
    "categories",
    "tags",
    "content",
    "workplaceType",
    "requisitionCodes",
    "salaryDescriptionHtml",
    "salaryRange",
    "followers",
)
_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)")


def _check_html(value: Any, allowed: frozenset[str], where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(f"{where} must be a string of HTML")
    bad = sorted({t.lower() for t in _TAG.findall(value)} - allowed)
    if bad:
        raise bad_request(f"{where} contains HTML that is not allowed: <{'>, <'.join(bad)}>")
    return value


def _plain(markup: str) -> str:
    text = re.sub(r"<br\s*/?>|</(?:div|p|li)>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _apply(store: Store, posting: dict[str, Any], body: dict[str, Any]) -> None:
    for key in body:
        if key not in UPDATABLE and key not in ("confidentiality", "createdAt", "updatedAt", "id"):
            raise bad_request(f"Unknown posting field: {key}")
    if "text" in body and (not isinstance(body["text"], str) or not body["text"].strip()):
        raise bad_request("text must be a non-empty string")
    if "state" in body and body["state"] not in STATES:
        raise bad_request(f"state must be one of {', '.join(STATES)}")
    channels = body.get("distributionChannels")
    if channels is not None and (not isinstance(channels, list) or set(channels) - {"public", "internal"}):
        raise bad_request("distributionChannels must be a list of public and/or internal")
    for key in ("owner", "hiringManager"):
        if body.get(key) and store.user(body[key]) is None:
            raise bad_request(f"Invalid {key}: {body[key]} is not a user")
    if "workplaceType" in body:
        if body["workplaceType"] not in WORKPLACE_TYPES:
            raise bad_request(f"workplaceType must be one of {', '.join(WORKPLACE_TYPES)}")
        if body["workplaceType"] == "unspecified" and posting.get("workplaceType") not in (
            None,
            "unspecified",
        ):
            raise bad_request("workplaceType cannot be changed back to unspecified")
    if "salaryRange" in body and body["salaryRange"] is not None:
        salary = body["salaryRange"]
        if not isinstance(salary, dict) or any(salary.get(k) is None for k in SALARY_KEYS):
            raise bad_request("salaryRange needs all four of min, max, currency and interval")
        posting["salaryRange"] = {k: salary[k] for k in SALARY_KEYS}
    for key in ("text", "state", "distributionChannels", "owner", "hiringManager", "workplaceType"):
        if key in body:
            posting[key] = body[key]
    for key in ("tags", "requisitionCodes", "followers"):
        if key in body:
            if not isinstance(body[key], list):
                raise bad_request(f"{key} must be a list")
            posting[key] = list(body[key])
    if "salaryDescriptionHtml" in body:
        markup = _check_html(body["salaryDescriptionHtml"], DESCRIPTION_TAGS, "salaryDescriptionHtml")
        posting["salaryDescriptionHtml"], posting["salaryDescription"] = markup, _plain(markup)
    if isinstance(body.get("categories"), dict):
        categories = posting["categories"]
        categories.update(
            {
                k: v
                for k, v in body["categories"].items()
                if k in ("team", "department", "location", "commitment", "level", "allLocations")
            }
        )
        if "allLocations" not in body["categories"] and categories.get("location"):
            categories["allLocations"] = [categories["location"]]
    if isinstance(body.get("content"), dict):
        _apply_content(posting["content"], body["content"])
    if posting["requisitionCodes"]:
        posting["reqCode"] = posting["requisitionCodes"][0]


def _apply_content(content: dict[str, Any], given: dict[str, Any]) -> None:
    if "descriptionHtml" in given:
        markup = _check_html(given["descriptionHtml"], DESCRIPTION_TAGS, "content.descriptionHtml")
        content["descriptionHtml"], content["description"] = markup, _plain(markup)
    closing = given.get("closingHtml", given.get("closingPostingHtml"))  # the docs' request uses the latter
    if closing is not None:
        markup = _check_html(closing, DESCRIPTION_TAGS, "content.closingHtml")
        content["closingHtml"], content["closing"] = markup, _plain(markup)
    if "lists" in given:
        lists = given["lists"]
        if not isinstance(lists, list) or not all(isinstance(x, dict) and "text" in x for x in lists):
            raise bad_request("content.lists must be a list of {text, content}")
        content["lists"] = [
            {
                "text": str(x["text"]),
                "content": _check_html(x.get("content"), LIST_TAGS, "content.lists[].content"),
            }
            for x in lists
        ]


def create_posting(store: Store, body: dict[str, Any], perform_as: str) -> dict[str, Any]:
    """Create a posting (draft by default, both channels, owned by ``perform_as``)."""
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
        raise bad_request("text is required")
    if body.get("confidentiality", "non-confidential") != "non-confidential":
        raise bad_request("Confidential postings cannot be created through the API")
    with store.lock:
        now = store.now()
        pid = str(uuid.uuid4())
        posting: dict[str, Any] = {
            "id": pid,
            "text": "",
            "state": "draft",
            "distributionChannels": ["public", "internal"],
            "confidentiality": "non-confidential",
            "user": perform_as,
            "owner": perform_as,
            "hiringManager": None,
            "categories": {
                "team": None,
                "department": None,
                "location": None,
                "allLocations": [],
                "commitment": None,
                "level": None,
            },
            "tags": [],
            "content": {
                "description": "",
                "descriptionHtml": "",
                "lists": [],
                "closing": "",
                "closingHtml": "",
            },
            "country": None,
            "followers": [],
            "reqCode": "",
            "requisitionCodes": [],
            "salaryDescription": "",
            "salaryDescriptionHtml": "",
            "salaryRange": None,
            "urls": None,
            "workplaceType": "unspecified",
            "createdAt": now,
            "updatedAt": now,
        }
        _apply(store, posting, body)
        _urls(store, posting)
        store.ds.postings.append(posting)
        store.ds.posting_meta.append(PostingMeta(0, (), store.ds.epoch))
        store.ds.posting_pos[pid] = len(store.ds.postings) - 1
        return copy.deepcopy(posting)


def update_posting(store: Store, posting_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Apply a partial update; ``None`` when the posting does not exist."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    with store.lock:
        posting = store.posting(posting_id)
        if posting is None:
            return None
        if "confidentiality" in body and body["confidentiality"] != posting["confidentiality"]:
            raise bad_request("A posting's confidentiality cannot be changed")
        draft = copy.deepcopy(posting)
        _apply(store, draft, body)  # validate everything before changing anything
        _urls(store, draft)
        draft["updatedAt"] = store.now()
        posting.clear()
        posting.update(draft)
        return copy.deepcopy(posting)


def _urls(store: Store, posting: dict[str, Any]) -> None:
    if posting["state"] in ("published", "internal"):
        slug = store.ds.company["slug"]
        show = f"{JOBS_BASE}/{slug}/{posting['id']}"
        posting["urls"] = {"list": f"{JOBS_BASE}/{slug}", "show": show, "apply": f"{show}/apply"}
    else:
        posting["urls"] = None
