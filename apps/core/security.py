"""Content-Security-Policy header (Django 5.2 has no built-in CSP).

Scripts come only from our own static files: no inline <script>, no on*= handlers, no eval (htmx
trigger filters `[...]` need eval, so pages use static/js/page.js hooks instead). Inline `style=`
attributes remain in a few templates and htmx injects its indicator <style>, so style-src also
allows 'unsafe-inline'; styles cannot run code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


# Pages whose form submits to us and is then redirected to the ATS's OAuth consent screen (Lever, its
# sandbox, a staff-set base URL): browsers apply form-action to that redirect too, so these pages leave
# form-action open. Keyed by URL name.
OPEN_FORM_ACTION_VIEWS = frozenset({"integrations:lever-credentials", "integrations:connection-reconnect"})
OPEN_FORM_ACTION_POLICY = "; ".join(
    part for part in CONTENT_SECURITY_POLICY.split("; ") if not part.startswith("form-action")
)

# A PDF preview (X-Frame-Options SAMEORIGIN, set by the view) gets only a framing rule: Chromium's PDF
# viewer must not be blocked by object-src, and the same-origin framing the view allows must hold.
PDF_POLICY = "frame-ancestors 'self'"


class ContentSecurityPolicyMiddleware:
    """Add CONTENT_SECURITY_POLICY to every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if response.get("Content-Type", "").startswith("application/pdf"):
            response["Content-Security-Policy"] = PDF_POLICY
        elif getattr(request.resolver_match, "view_name", None) in OPEN_FORM_ACTION_VIEWS:
            response["Content-Security-Policy"] = OPEN_FORM_ACTION_POLICY
        else:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
