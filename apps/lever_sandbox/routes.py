"""The route table: every endpoint, the pattern its requests are counted under, and its kind.

Kinds: ``api`` (``/v1``: authenticated, rate limited, counted, subject to faults), ``oauth`` and
``control`` (``/_sandbox``: loopback only); the last two are counted apart and never limited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apps.lever_sandbox import control
from apps.lever_sandbox import handlers_opportunities as opps
from apps.lever_sandbox import handlers_reference as ref
from apps.lever_sandbox import handlers_write as write
from apps.lever_sandbox.protocol import Request, Response
from apps.lever_sandbox.store import CHILD_KINDS

if TYPE_CHECKING:
    from apps.lever_sandbox.app import Sandbox

Handler = Callable[["Sandbox", Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    kind: str = "api"
    fixed: dict[str, str] = field(default_factory=dict)  # path parameters implied by the pattern

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.pattern)

    @property
    def label(self) -> str:
        return f"{self.method} {self.pattern}"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", pattern) + "/?$")


def _oauth_authorize(sb: Sandbox, req: Request) -> Response:
    return sb.oauth.authorize(req, sb.store.ds.company["name"])


def _oauth_token(sb: Sandbox, req: Request) -> Response:
    return sb.oauth.token(req)


V1 = "/v1"
OPP = f"{V1}/opportunities/:id"
ROUTES: list[Route] = [
    Route("GET", f"{V1}/users", ref.users),
    Route("GET", f"{V1}/users/:id", ref.user),
    Route("GET", f"{V1}/stages", ref.stages),
    Route("GET", f"{V1}/stages/:id", ref.stage),
    Route("GET", f"{V1}/archive_reasons", ref.archive_reasons),
    Route("GET", f"{V1}/archive_reasons/:id", ref.archive_reason),
    Route("GET", f"{V1}/tags", ref.tags),
    Route("GET", f"{V1}/sources", ref.sources),
    Route("GET", f"{V1}/postings", ref.postings),
    Route("POST", f"{V1}/postings", write.create_posting),
    Route("GET", f"{V1}/postings/:id", ref.posting),
    Route("POST", f"{V1}/postings/:id", write.update_posting),
    Route("GET", f"{V1}/postings/:id/apply", ref.posting_apply),
    Route("GET", f"{V1}/requisitions", ref.requisitions),
    Route("GET", f"{V1}/requisitions/:id", ref.requisition),
    Route("GET", f"{V1}/requisition_fields", ref.requisition_fields),
    Route("GET", f"{V1}/requisition_fields/:id", ref.requisition_field),
    Route("GET", f"{V1}/feedback_templates", ref.feedback_templates),
    Route("GET", f"{V1}/feedback_templates/:id", ref.feedback_template),
    Route("GET", f"{V1}/form_templates", ref.form_templates),
    Route("GET", f"{V1}/form_templates/:id", ref.form_template),
    Route("GET", f"{V1}/webhooks", ref.webhooks),
    Route("POST", f"{V1}/webhooks", write.create_webhook),
    Route("DELETE", f"{V1}/webhooks/:id", write.delete_webhook),
    Route("GET", f"{V1}/contacts/:id", opps.contact),
    Route("GET", f"{V1}/opportunities", opps.opportunities),
    Route("POST", f"{V1}/opportunities", write.create_opportunity),
    Route("GET", f"{V1}/opportunities/deleted", opps.deleted),
    Route("GET", OPP, opps.opportunity),
    Route("PUT", f"{OPP}/stage", write.stage),
    Route("PUT", f"{OPP}/archived", write.archived),
    Route("POST", f"{OPP}/notes", write.note),
    Route("POST", f"{OPP}/files", write.upload_file),
    *(
        Route("POST", f"{OPP}/{action}", write.labels, fixed={"action": action})
        for action in write.LABEL_ACTIONS
    ),
    *(Route("GET", f"{OPP}/{kind}", opps.children, fixed={"kind": kind}) for kind in CHILD_KINDS),
    *(Route("GET", f"{OPP}/{kind}/:child", opps.child, fixed={"kind": kind}) for kind in CHILD_KINDS),
    Route("GET", f"{OPP}/resumes/:child/download", opps.download, fixed={"kind": "resumes"}),
    Route("GET", f"{OPP}/files/:child/download", opps.download, fixed={"kind": "files"}),
    Route("GET", "/oauth/authorize", _oauth_authorize, "oauth"),
    Route("POST", "/oauth/authorize", _oauth_authorize, "oauth"),
    Route("POST", "/oauth/token", _oauth_token, "oauth"),
    *(Route(method, pattern, handler, "control") for method, pattern, handler in control.ROUTES),
]
_COMPILED = [(route, route.regex) for route in ROUTES]


def match(method: str, path: str) -> tuple[Route | None, dict[str, Any], bool]:
    """Return (route, path parameters, whether the path exists for another method)."""
    path_known = False
    for route, regex in _COMPILED:
        found = regex.match(path)
        if found is None:
            continue
        if route.method == method or (method == "HEAD" and route.method == "GET"):
            return route, {**found.groupdict(), **route.fixed}, True
        path_known = True
    return None, {}, path_known
