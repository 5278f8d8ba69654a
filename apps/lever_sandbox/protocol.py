"""Lever's wire conventions: requests, JSON envelopes, errors, offset tokens and query parameters."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, quote, unquote

ERROR_CODES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}
INVALID_FOR_SORT = "Invalid offset token: Offset token is invalid for sort"
UNBOUND_PARAMS = {"offset", "limit", "expand", "include"}  # don't change which rows a query selects


class ApiError(Exception):
    """An error answered as Lever does: ``{"code": ..., "message": ...}`` with an HTTP status."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or ERROR_CODES.get(status, "Error")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, f"{kind} {ident} was not found")


@dataclass
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Request:
    """One parsed HTTP request as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    remote: str = "127.0.0.1"
    params: dict[str, str] = field(default_factory=dict)
    pattern: str = ""
    credential: Any = None
    _form: tuple[dict[str, list[str]], dict[str, list[Upload]]] | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Build a request from a WSGI environ (reading the whole body)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO") or "/"
        # PEP 3333 hands PATH_INFO over as latin-1-decoded bytes; undo that for UTF-8 paths.
        path = path.encode("latin-1", "replace").decode("utf-8", "replace")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return cls(
            environ["REQUEST_METHOD"].upper(), path, query, headers, body, environ.get("REMOTE_ADDR", "")
        )

    def arg(self, name: str) -> str | None:
        values = self.args(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """Return a repeatable parameter (``tag=a&tag=b``, also ``tag[]=a``)."""
        return self.query.get(name, []) + self.query.get(f"{name}[]", [])

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """Return the JSON body (``{}`` when empty); malformed JSON is a 400."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise bad_request(f"Request body is not valid JSON: {exc}") from exc

    def form(self) -> tuple[dict[str, list[str]], dict[str, list[Upload]]]:
        """Return (fields, files) of a form-encoded or multipart body."""
        if self._form is None:
            self._form = _parse_form(self.headers.get("content-type", ""), self.body)
        return self._form


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, list[Upload]]]:
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True), {}
    if not content_type.lower().startswith("multipart/form-data"):
        raise bad_request("Expected a form body (multipart/form-data or application/x-www-form-urlencoded)")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list[str]] = {}
    files: dict[str, list[Upload]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            upload = Upload(filename, part.get_content_type(), payload)
            files.setdefault(str(name), []).append(upload)
        else:
            fields.setdefault(str(name), []).append(payload.decode(part.get_content_charset() or "utf-8"))
    return fields, files


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_json(self) -> bool:
        return any(k.lower() == "content-type" and "json" in v for k, v in self.headers)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(status, dumps(obj), [("Content-Type", "application/json; charset=utf-8")])


def data(obj: Any, status: int = 200) -> Response:
    """Return a single object in Lever's envelope: ``{"data": {...}}``."""
    return json_response({"data": obj}, status)


def page(items: list[Any], has_next: bool, token: str | None) -> Response:
    """Return a list envelope; ``next`` is omitted on the last page."""
    body: dict[str, Any] = {"data": items, "hasNext": has_next}
    if has_next and token:
        body["next"] = token
    return json_response(body)


def error_response(err: ApiError) -> Response:
    return json_response({"code": err.code, "message": err.message}, err.status)


def no_content() -> Response:
    return Response(204)


# --------------------------------------------------------------------------------------------------
# Offset tokens: a percent-encoded JSON array, like Lever's, ending in a hash of the query it
# belongs to, so a token replayed with other filters is refused the way Lever refuses it.
# --------------------------------------------------------------------------------------------------
def binding(req: Request) -> str:
    """Return a short hash of the request path and its normalised filters."""
    filters = sorted(
        (k.removesuffix("[]"), sorted(v)) for k, v in req.query.items() if k not in UNBOUND_PARAMS
    )
    return hashlib.sha1(json.dumps([req.path, filters]).encode()).hexdigest()[:8]


def make_token(parts: list[Any], bind: str) -> str:
    return quote(json.dumps([*parts, bind], separators=(",", ":")), safe="")


def read_token(req: Request) -> list[Any] | None:
    """Return the cursor parts of ``offset`` (``None`` on a first page); a foreign token is a 400."""
    raw = req.arg("offset")
    if not raw:
        return None
    text = unquote(raw) if raw.startswith("%") else raw
    try:
        parts = json.loads(text)
    except ValueError:
        raise bad_request("Invalid offset token: Offset token could not be parsed") from None
    if not isinstance(parts, list) or len(parts) < 2:
        raise bad_request("Invalid offset token: Offset token could not be parsed")
    if parts[-1] != binding(req):
        raise bad_request(INVALID_FOR_SORT)
    return parts[:-1]


def paginate(req: Request, items: list[dict[str, Any]], order_field: str | None = "createdAt") -> Response:
    """Return one page of an in-memory list ordered newest ``order_field`` first (or as given)."""
    limit = page_limit(req)
    cursor = read_token(req)
    start = 0
    if cursor is not None:
        if order_field is None:
            start = int(cursor[0]) + 1 if str(cursor[0]).isdigit() else 0
        else:
            after = (-int(cursor[0] or 0), str(cursor[1]))
            start = next((n for n, item in enumerate(items) if _key(item, order_field) > after), len(items))
    chunk = items[start : start + limit]
    has_next = start + limit < len(items)
    token = None
    if has_next and chunk:
        last = chunk[-1]
        parts: list[Any] = (
            [start + limit - 1] if order_field is None else [last.get(order_field) or 0, last["id"]]
        )
        token = make_token(parts, binding(req))
    return page(chunk, has_next, token)


def _key(item: dict[str, Any], order_field: str) -> tuple[int, str]:
    return (-(item.get(order_field) or 0), item["id"])


def newest_first(items: Iterable[dict[str, Any]], order_field: str = "createdAt") -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: _key(item, order_field))


# --------------------------------------------------------------------------------------------------
# Query parameters
# --------------------------------------------------------------------------------------------------
def page_limit(req: Request) -> int:
    raw = req.arg("limit")
    if raw is None or raw == "":
        return 100
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise bad_request("Invalid limit parameter: limit must be an integer between 1 and 100")
    return int(raw)


def int_param(req: Request, name: str) -> int | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"Invalid {name} parameter: expected a timestamp in milliseconds") from None


def bool_param(req: Request, name: str) -> bool | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise bad_request(f"Invalid {name} parameter: expected true or false")
    return raw.lower() == "true"


def choice_param(req: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = req.arg(name) or default
    if raw not in allowed:
        raise bad_request(f"Invalid {name} parameter: expected one of {', '.join(allowed)}")
    return raw


def restrict(obj: dict[str, Any], include: list[str], expand: list[str]) -> dict[str, Any]:
    """Apply ``include=``: keep only the named fields, ``id`` and any expanded field."""
    if not include:
        return obj
    return {k: v for k, v in obj.items() if k in include or k in expand or k == "id"}
