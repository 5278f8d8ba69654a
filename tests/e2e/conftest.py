"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

They are skipped when chromium is missing (`make e2e-deps` installs it; CI runs that first).
Screenshots land in E2E_ARTIFACTS (default: artifacts/e2e/), kept as test artifacts.
Every browser test also fails when a page broke the Content-Security-Policy (`csp_violations`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop; Django refuses ORM calls from it unless told otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
if CHROMIUM and not os.path.exists(CHROMIUM):
    CHROMIUM = None
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts" / "e2e"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under ARTIFACTS and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies onto the
        # swapped-in element with setAttribute (a violation of our style-src that the page never made).
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


# Runs in every page and frame before the page's own scripts: reports each CSP violation to the test.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__recordCspViolation({
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    where: `${event.sourceFile || event.documentURI}:${event.lineNumber}`,
  });
});
"""


class CspViolations(list):
    """What the browser refused under our Content-Security-Policy during one test."""

    def take(self) -> list[str]:
        """Return the violations so far and forget them (for a test that provokes one on purpose)."""
        taken = list(self)
        self.clear()
        return taken


@pytest.fixture(autouse=True)
def csp_violations(request):
    """Fail a browser test at teardown if any page reported a CSP violation (an event or a console error).

    Tests without a browser page are left alone, so this never launches chromium on its own.
    """
    if "page" not in request.fixturenames:
        yield CspViolations()
        return
    page = request.getfixturevalue("page")
    violations = CspViolations()
    context = page.context
    context.expose_binding(
        "__recordCspViolation",
        lambda source, v: violations.append(
            f"{v['directive']} blocked {v['blocked']!r} at {v['where']} ({v['sample']!r})"
        ),
    )
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", on_console)
    yield violations
    if not page.is_closed():
        # Let reports still on their way from the browser arrive (a page mid-navigation cannot evaluate).
        with contextlib.suppress(PlaywrightError):
            page.evaluate("0")
    context.remove_listener("console", on_console)
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no chromium: run `make e2e-deps` (root) or set CHROMIUM_PATH")
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
