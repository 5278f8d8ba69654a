"""A recruiter imports a CSV in the browser, from the keyboard where it matters, and watches it finish."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect

from apps.imports.models import CandidateImport
from apps.imports.runner import import_run
from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.e2e.conftest import csp_violations  # noqa: F401 (autouse: the test fails on a CSP violation)

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts" / "e2e"))


def test_a_recruiter_uploads_maps_checks_and_watches_the_import_finish(page, live_server, tmp_path):
    UserFactory(email="rita@acme.example")
    MembershipFactory(user__email="owner@acme.example", role="owner")
    recruiter = UserFactory(email="rio@acme.example")
    MembershipFactory(user=recruiter, role="recruiter")
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "Full name,E-mail,Notes\nAda Lovelace,ada@example.com,x\n<b>Bold</b>,not-an-email,y\n"
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("rio@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/imports/new/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and choose columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What does each column hold?")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("name")
    expect(page.get_by_label("E-mail")).to_have_value("emails")
    expect(page.get_by_label("Notes")).to_have_value("")
    shot(page, "import-mapping")
    page.get_by_label("Notes").focus()
    page.keyboard.press("Tab")  # from the last column to Job, Stage, then the button
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check the rows")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check before importing")
    expect(page.locator("body")).to_contain_text("Bad email “not-an-email”.")
    expect(page.locator("body")).to_contain_text("<b>Bold</b>")  # shown as text, not markup
    shot(page, "import-preview")
    page.get_by_label("Never: keep them in Recruitdesk only").check()
    with mock.patch("apps.imports.services._enqueue"):  # the worker starts later, below
        page.get_by_role("button", name="Import 1 candidate").click()

    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Queued")
    expect(progress).to_contain_text("0 of 2 rows")
    shot(page, "import-queued")
    import_run(CandidateImport.objects.get().pk)  # the worker; the page learns by polling
    expect(progress).to_contain_text("Done", timeout=10_000)
    expect(progress).to_contain_text("Download the report")
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    shot(page, "import-done")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
