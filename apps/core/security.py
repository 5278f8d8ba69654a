"""Content-Security-Policy header (Django 5.2 has no built-in CSP).

Scripts come only from our own static files: no inline <script>, no on*= handlers, no eval (htmx
trigger filters `[...]` need eval, so pages use the data- hooks in static/js/app.js instead).

Styles come only from our stylesheets too (style-src 'self'): no style="…" attributes and no <style>
elements in templates (tests/test_security.py scans templates/) or in markup built in Python, and
htmx's injected indicator <style> is switched off by the htmx-config meta in base.html (its rules live
in static/css/app.css). JavaScript may still set styles through the CSSOM (`element.style.x = …`),
which CSP allows; setAttribute("style", …) and innerHTML with style= are refused.

The staff admin gets the same policy: Django 5.2's admin templates and scripts use no inline styles
(its JS styles elements through the CSSOM), checked in the browser on the index, changelists, change
and add forms, select2 autocompletes, popups, inlines, actions and date widgets. The one exception is
change_list.html's <style> for a ModelAdmin with actions_on_top and actions_on_bottom both off, which no
admin of ours does (tests/test_security.py checks). pretty_json (apps/core/admin_utils.py) uses a class from
static/css/admin.css, which templates/admin/base_site.html links, rather than style=.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
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
