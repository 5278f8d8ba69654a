"""Browser settings for test_browser.py, as tests/e2e has them (skipped when chromium is missing)."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
if CHROMIUM and not os.path.exists(CHROMIUM):
    CHROMIUM = None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no chromium: run `make e2e-deps` (root) or set CHROMIUM_PATH")
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
