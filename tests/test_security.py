"""Security settings and headers: check --deploy, HSTS, CSP, framing, referrer, cookies, login limits."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from apps.core.security import CONTENT_SECURITY_POLICY, OPEN_FORM_ACTION_POLICY
from tests.accounts.factories import PASSWORD
from tests.candidates.factories import ApplicationFactory, AttachmentFactory, CandidateFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# What style-src 'self' refuses in markup: a style="…" attribute, a <style> element.
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.IGNORECASE)

# What production looks like (DEBUG off, HTTPS everywhere); see also tests/test_settings.py, which runs
# check --deploy in a fresh process with the production environment.
PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": ["recruitdesk.example.com"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # allauth keeps its counters in the cache
    yield
    cache.clear()


def test_check_deploy_has_no_warnings_in_production(monkeypatch):
    # The browser tests set it for Playwright's event loop; production never does.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**PRODUCTION):
        call_command("check", "--deploy", "--fail-level", "WARNING")


def test_security_settings_are_on():
    assert "apps.core.security.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_REFERRER_POLICY == "same-origin"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    # Test settings run with DEBUG off, so production defaults apply: secure cookies, HSTS.
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000


def assert_page_headers(response):
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_csp_allows_scripts_and_styles_only_from_our_own_files():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("page", ["dashboard", "candidate", "login"])
def test_pages_carry_the_security_headers(cast, page):
    if page == "login":
        response = Client().get(reverse("account_login"))
    elif page == "dashboard":
        response = client_for(cast.recruiter).get(reverse("dashboard:index"))
    else:
        candidate = ApplicationFactory(connection=cast.connection).candidate
        response = client_for(cast.recruiter).get(reverse("candidates:detail", args=[candidate.pk]))
    assert response.status_code == 200
    assert_page_headers(response)
    # Nothing the policy would block: no inline <script>, no on*= handlers, no inline styles.
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in the page"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler in the page"
    assert not INLINE_STYLE.search(html), "inline style in the page"
    if page != "login":  # pages with htmx: it must not inject its indicator <style> (app.css has the rules)
        config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
        assert config, "no htmx-config meta"
        htmx_config = json.loads(config.group(1))
        assert (
            htmx_config["includeIndicatorStyles"] is False
            and "style" not in htmx_config["attributesToSettle"]
        )


def test_htmx_fragments_carry_the_policy_too(cast):
    candidate = CandidateFactory(connection=cast.connection)
    response = client_for(cast.recruiter).get(
        reverse("candidates:list"), {"q": candidate.name}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert_page_headers(response)


def test_hsts_is_sent_over_https(cast):
    with override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        response = client_for(cast.recruiter).get(reverse("dashboard:index"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_is_httponly(cast):
    client = Client()
    client.get(reverse("account_login"))
    response = client.post(reverse("account_login"), {"login": cast.viewer.email, "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert client.cookies[settings.CSRF_COOKIE_NAME]["secure"]


def test_pdf_preview_keeps_same_origin_framing(cast):
    attachment = AttachmentFactory(
        application=ApplicationFactory(connection=cast.connection),
        file=ContentFile(b"%PDF-1.4 test", name="cv.pdf"),
        content_type="application/pdf",
    )
    response = client_for(cast.viewer).get(reverse("candidates:file-preview", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_the_oauth_connect_page_may_post_to_lever(cast):
    """Its form is redirected to Lever's consent screen; browsers apply form-action to that redirect."""
    response = client_for(cast.owner).get(reverse("integrations:lever-credentials"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == OPEN_FORM_ACTION_POLICY
    assert "form-action" not in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "style-src 'self';" in response["Content-Security-Policy"]


def test_the_staff_admin_has_no_inline_scripts_or_styles(staff_client):
    """The admin gets the app's policy (style-src 'self' too); tests/e2e/test_csp.py checks it in chromium."""
    for url in ("/admin/", "/admin/accounts/workspace/add/", "/admin/accounts/workspace/"):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()), url
        assert not INLINE_STYLE.search(response.content.decode()), url


def test_no_admin_changelist_needs_an_inline_style():
    """Django's change_list.html adds a <style> element when a ModelAdmin turns off both action bars."""
    from django.contrib import admin

    offenders = [
        str(model_admin)
        for model_admin in admin.site._registry.values()
        if not model_admin.actions_on_top and not model_admin.actions_on_bottom
    ]
    assert not offenders


def test_templates_have_no_inline_scripts_or_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(ROOT)))
        triggers = [re.sub(r"from:\S+", "", t) for t in re.findall(r"hx-trigger=\"([^\"]*)\"", text)]
        if any("[" in t for t in triggers) or "hx-on" in text or re.search(r"hx-vals=.js:", text):
            offenders.append(f"{path.relative_to(ROOT)} (htmx code needs eval or inline script)")
    assert not offenders


def test_templates_have_no_inline_styles():
    """style-src 'self' refuses style="…" attributes and <style> elements: use a class in static/css/."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*")
        if path.is_file() and INLINE_STYLE.search(path.read_text())
    ]
    assert not offenders


def html_in_python(path: Path) -> list[str]:
    """The string literals of a module that hold markup with an inline style (docstrings left out)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"<[a-zA-Z][^<>]*\sstyle\s*=|<style[\s>]", node.value, re.IGNORECASE)
    ]


def test_python_markup_has_no_inline_styles():
    """HTML built in Python (format_html in admin helpers, template tags) follows the same rule."""
    elsewhere = {
        # The Lever sandbox is its own server (another origin, no CSP of ours) with its own consent page.
        "apps/lever_sandbox/oauth.py",
    }
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in (ROOT / "apps").rglob("*.py")
        if str(path.relative_to(ROOT)) not in elsewhere and (found := html_in_python(path))
    }
    assert not offenders


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_each_client_has_its_own_login_limit(cast, settings, proxies):
    """TRUSTED_PROXY_COUNT: the address comes from X-Forwarded-For, not from the proxy's connection."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    url = reverse("account_login")
    guesser = Client(headers={"x-forwarded-for": "203.0.113.7"})  # all requests come from the proxy
    for n in range(5):
        guesser.post(url, {"login": f"nobody{n}@example.com", "password": "wrong"})  # 5 accounts, 1 address
    refused = guesser.post(url, {"login": cast.viewer.email, "password": PASSWORD})
    assert "Too many failed login attempts" in refused.content.decode()
    colleague = Client(headers={"x-forwarded-for": "198.51.100.4"})
    response = colleague.post(url, {"login": cast.viewer.email, "password": PASSWORD})
    # Without the setting the colleague shares the guesser's address (the proxy's) and is locked out.
    assert ("_auth_user_id" in colleague.session) is bool(proxies)
    assert response.status_code == (302 if proxies else 200)


def test_the_sixth_bad_login_is_refused(cast):
    client = Client()
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": cast.viewer.email, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post(url, {"login": cast.viewer.email, "password": "wrong"})
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused until the window passes.
    response = client.post(url, {"login": cast.viewer.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
