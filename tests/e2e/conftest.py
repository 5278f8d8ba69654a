"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

They are skipped when chromium is missing (`make e2e-deps` installs it; CI runs that first).
Screenshots land in E2E_ARTIFACTS (default: artifacts/e2e/), kept as test artifacts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no chromium: run `make e2e-deps` (root) or set CHROMIUM_PATH")
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
