"""Crawl every URL pattern of the project: who may reach what, and who may write.

- Anonymous visitors reach only the public allow-list (login, signup, password reset, e-mail
  confirmation, the staff admin's login, the Lever webhook receiver which checks its own token);
  everything of ours sends them to the login page (or answers 403/404/405 without content).
- A viewer's POST to any of our views is refused (403, or 404/405) and changes nothing, except the
  allow-listed harmless posts below.
- A URL pattern that no list here (or CASES in tests/test_scoping.py, which checks that a member of
  workspace B gets a 404 for workspace A's objects) accounts for fails the crawl: classify new views.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from apps.accounts.models import Membership, Workspace
from apps.automation.models import AutomationEvent, Rule, RuleVersion
from apps.candidates.models import Application, Candidate, CandidateExport, Note
from apps.imports.models import CandidateImport
from apps.integrations.models import Connection, WritebackAction
from apps.jobs.models import Job, JobExportSettings
from apps.scoring.models import ScoreFeedback, ScoringProfile, ScoringSettings
from tests.conftest import client_for
from tests.test_scoping import CASES, OUR_NAMESPACES

pytestmark = pytest.mark.django_db

# -- Classification --------------------------------------------------------------------------------

# Reachable without logging in, with the reason. Each still must not answer 500 or leak workspace data.
PUBLIC = {
    "account_login": "the login page",
    "account_logout": "logging out is harmless (anonymous visitors are sent to login)",
    "account_signup": "signup (closed unless ACCOUNT_ALLOW_SIGNUP)",
    "account_inactive": "tells an inactive account why login failed",
    "account_reset_password": "request a password reset e-mail (rate limited by allauth)",
    "account_reset_password_done": "'check your e-mail' page",
    "account_reset_password_from_key": "the reset link of the e-mail, checked by its key",
    "account_reset_password_from_key_done": "'password changed' page",
    "account_confirm_email": "the confirmation link of the e-mail, checked by its key",
    "account_email_verification_sent": "'check your e-mail' page",
    "account_confirm_login_code": "login by code (off here), part of the login flow",
    "admin:login": "the staff admin's own login page",
    "admin:logout": "logging out is harmless (redirects to the admin index, then its login)",
    "lever-webhook": "Lever's webhook deliveries, authenticated by the URL token and a signature",
}

# django-allauth views for a logged-in user: anonymous visitors are sent to login.
AUTH_LOGIN_REQUIRED = {
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "account_set_password",
}

# Our views without an object id (views with one are CASES of tests/test_scoping.py). The value is
# None when a viewer's POST must be refused, else why a viewer may post there.
OURS_WITHOUT_PK: dict[str, str | None] = {
    "accounts:workspace-create": "creates the viewer's own new workspace; workspace A is untouched",
    "accounts:workspace-switch": "switches among the viewer's own memberships only",
    "accounts:settings": None,
    "accounts:workspace-rename": None,
    "accounts:writeback-approval": None,
    "accounts:member-add": None,
    "jobs:list": None,
    "candidates:list": None,
    "candidates:duplicates": None,
    "candidates:add": None,
    "actions:bulk": None,
    "actions:batch-status": None,
    "scoring:settings": None,
    "integrations:index": None,
    "integrations:add": None,
    "integrations:lever-credentials": None,
    "integrations:lever-callback": None,
    "integrations:approvals": None,
    "integrations:approvals-decide": None,
    "imports:list": None,
    "imports:new": None,
    "imports:template": None,
    "dashboard:index": None,
    "dashboard:sync-strip": None,
    "automation:index": None,
    "automation:new": None,
    "automation:notifications": None,
    "automation:notification-count": None,
    "automation:notifications-read-all": "marks the viewer's own notifications read, nobody else's",
    "automation:notification-settings": "the viewer's own daily digest choice",
}

# Regex patterns cannot be filled in from converters: a value for each named group.
REGEX_VALUES = {"app_label": "accounts", "key": "x", "uidb36": "x", "url": "x"}

POST_DATA = {
    "role": "owner",
    "name": "Hijacked",
    "email": "intruder@example.com",
    "text": "x",
    "tag": "x",
    "note": "x",
    "url": "https://example.com",
    "trigger": "always",
    "tier": "1",
    "workspace": "1",
    "decision": "approve",
    "action": "tag_add",
    "applications": "1",
    "value": "up",
}


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", "name", or the route itself for unnamed patterns
    namespace: str | None
    parts: tuple  # the pattern objects from the root down


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, parts, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, (*parts, pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                chain = (*parts, pattern.pattern)
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = "".join(str(p) for p in chain)
                routes.append(Route(key, namespace, chain))

    walk(get_resolver().url_patterns, (), None)
    return routes


def build_url(route: Route, pk: int) -> str:
    """The route with every converter filled: int → pk, uuid → a random one, anything else → "x"."""

    def fill(match: re.Match) -> str:
        converter = match.group(1) or "str"
        if converter == "int":
            return str(pk)
        if converter == "uuid":
            return str(uuid.uuid4())
        return "1" if converter == "path" else "x"

    url = "/"
    for part in route.parts:
        if isinstance(part, RoutePattern):
            url += re.sub(r"<(?:(\w+):)?(\w+)>", fill, str(part))
        else:
            assert isinstance(part, RegexPattern)
            text = str(part).lstrip("^").rstrip("$")
            for group in part.regex.groupindex:
                text = re.sub(rf"\(\?P<{group}>(?:[^()]|\([^()]*\))*\)", REGEX_VALUES[group], text)
            url += text.replace("\\", "")
    return url


def ours(route: Route) -> bool:
    return route.namespace in OUR_NAMESPACES


def object_for(cast, route: Route) -> int:
    if route.key in CASES:
        return CASES[route.key][1](cast).pk
    return 999_999


def snapshot(cast) -> dict:
    """What a refused write must leave as it was."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                WritebackAction,
                Job,
                Candidate,
                Application,
                Note,
                CandidateExport,
                CandidateImport,
                ScoringProfile,
                ScoringSettings,
                ScoreFeedback,
                JobExportSettings,
                Connection,
                Rule,
                RuleVersion,
                AutomationEvent,
            )
        },
        "memberships": sorted(
            Membership.objects.filter(workspace=cast.workspace).values_list("user__email", "role")
        ),
        "workspaces": sorted(Workspace.objects.values_list("pk", "name")),
        "connections": sorted(Connection.objects.values_list("pk", "status")),
        "profiles": sorted(ScoringProfile.objects.values_list("pk", "updated_at")),
        "rules": sorted(Rule.objects.values_list("pk", "mode", "version", "previewed_version")),
    }


# -- (c) Every pattern is accounted for -------------------------------------------------------------


def test_every_url_pattern_is_classified():
    unclassified = sorted(
        route.key
        for route in all_routes()
        if not (
            route.key in PUBLIC
            or route.key in AUTH_LOGIN_REQUIRED
            or route.namespace == "admin"  # the whole staff admin: staff only, checked below
            or (ours(route) and (route.key in CASES or route.key in OURS_WITHOUT_PK))
        )
    )
    assert not unclassified, "classify these views in tests/test_crawler.py (and test_scoping CASES)"
    known = {route.key for route in all_routes()}
    stale = (set(PUBLIC) | AUTH_LOGIN_REQUIRED | set(OURS_WITHOUT_PK)) - known
    assert not stale, "these names no longer exist: remove them from the lists"


def test_every_route_can_be_built_and_resolves():
    for route in all_routes():
        url = build_url(route, 1)
        match = resolve(url)  # raises Resolver404 if the filled-in URL is not the project's
        if route.namespace != "admin":  # the admin's redirects and catch-all overlap other routes
            assert route.key.endswith(match.url_name or "\0"), (route.key, url, match.url_name)


# -- (a) Anonymous visitors -------------------------------------------------------------------------


def _login_redirect(response, login_url: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(login_url)


def test_anonymous_visitors_reach_nothing_but_the_public_pages(cast, client):
    login = reverse("account_login")
    admin_login = reverse("admin:login")
    secrets = [b"Acme", cast.owner.email.encode()]
    problems = []
    for route in all_routes():
        url = build_url(route, object_for(cast, route))
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA if method == "post" else None)
            status = response.status_code
            leaked = any(secret in response.content for secret in secrets)
            if route.key in PUBLIC:
                ok = status < 500 and not leaked
            elif route.namespace == "admin":
                ok = (
                    _login_redirect(response, admin_login)
                    or _login_redirect(response, login)
                    or (status in (404, 405) and not leaked)
                )
            else:
                ok = _login_redirect(response, login) or (status in (403, 404, 405) and not leaked)
            if not ok:
                problems.append(f"{method.upper()} {url} ({route.key}) → {status}")
    assert not problems, "\n".join(problems)


# -- (b) A viewer cannot write -----------------------------------------------------------------------


def test_a_viewer_cannot_post_anywhere_of_ours(cast):
    client = client_for(cast.viewer)
    problems = []
    for route in all_routes():
        if not ours(route) or OURS_WITHOUT_PK.get(route.key):
            continue
        url = build_url(route, object_for(cast, route))
        before = snapshot(cast)
        response = client.post(url, POST_DATA)
        if response.status_code not in (403, 404, 405):
            problems.append(f"POST {url} ({route.key}) → {response.status_code}")
        if snapshot(cast) != before:
            problems.append(f"POST {url} ({route.key}) changed data")
    assert not problems, "\n".join(problems)


def test_the_viewers_allowed_posts_leave_workspace_a_alone(cast):
    client = client_for(cast.viewer)
    before = snapshot(cast)
    client.post(reverse("accounts:workspace-switch"), {"workspace": cast.other_workspace.pk})
    client.post(reverse("accounts:workspace-create"), {"name": "Viewer's own"})
    after = snapshot(cast)
    assert after["memberships"] == before["memberships"]
    assert (cast.workspace.pk, "Acme") in after["workspaces"]
    assert after["counts"] == before["counts"]
    # Switching to a workspace the viewer is not a member of does nothing.
    assert not Membership.objects.filter(user=cast.viewer, workspace=cast.other_workspace).exists()


def test_a_viewer_is_not_let_into_the_staff_admin(cast):
    client = client_for(cast.viewer)
    for route in all_routes():
        if route.namespace != "admin" or route.key in PUBLIC:
            continue
        url = build_url(route, 1)
        for method in ("get", "post"):
            response = getattr(client, method)(url, POST_DATA if method == "post" else None)
            assert response.status_code in (302, 404, 405), f"{method} {url} → {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("admin:login")), url
