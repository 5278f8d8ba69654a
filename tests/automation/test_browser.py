"""An admin builds a rule in the htmx editor (mouse and keyboard), previews it, switches it on, sees it listed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.automation.models import Notification, Rule, RuleMode
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.candidates.factories import ApplicationFactory
from tests.e2e.conftest import (  # noqa: F401 (fixtures; csp_violations is autouse: fails on a CSP violation)
    CHROMIUM,
    browser_type_launch_args,
    csp_violations,
    screenshot,
)
from tests.e2e.test_browse import log_in
from tests.integrations.factories import ConnectionFactory
from tests.jobs.factories import JobFactory, StageFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM, reason="no chromium: run `make e2e-deps` (root) or set CHROMIUM_PATH"),
]


def settled(page):
    """Wait until no htmx request is in flight (its swap would replace what is chosen meanwhile)."""
    expect(page.locator(".htmx-request")).to_have_count(0)


def test_admin_builds_previews_and_switches_on_a_rule(page, live_server, screenshot):  # noqa: F811
    admin = UserFactory(email="ava@acme.example", full_name="Ava Admin")
    workspace = MembershipFactory(user=admin, role="admin").workspace
    connection = ConnectionFactory(workspace=workspace)
    phone = StageFactory(connection=connection, name="Phone screen", global_index=1)
    StageFactory(connection=connection, name="New applicant", global_index=0)
    job = JobFactory(connection=connection, name="Data Engineer")
    ApplicationFactory(
        connection=connection,
        job=job,
        current_stage=phone,
        candidate__name="Grace Hopper",
        candidate__first_name="Grace",
    )
    Notification.objects.create(workspace=workspace, user=admin, title="Earlier notice", url="/", key="k1")

    log_in(page, live_server, "ava@acme.example")
    # The bell's count arrives by htmx after the page loaded.
    expect(page.locator(".bell")).to_contain_text("1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Automation").click()
    expect(page.get_by_role("heading", name="No rules yet")).to_be_visible()
    page.get_by_role("link", name="Start from scratch").click()
    expect(page).to_have_url(f"{live_server.url}/automation/new/")
    page.evaluate("window.notReloaded = true")  # gone if any step below reloaded the page

    page.get_by_label("Name", exact=True).fill("Phone screen assessment")
    page.get_by_label("This happens to an application").select_option(label="Stage changed")
    settled(page)  # the trigger's options are swapped in: choose among them only then
    page.get_by_label("To stage").select_option(label="Phone screen")

    # A condition: added with the mouse, its field chosen (htmx swaps in the operators and value).
    page.get_by_role("button", name="Add a condition").click()
    expect(page.get_by_label("Checks")).to_be_focused()
    page.get_by_label("Checks").select_option(label="Tag")
    settled(page)
    page.get_by_label("Test").select_option(label="is absent")
    page.get_by_label("Value").fill("Assessment sent")

    # The first action row is there from the start: choose its kind, then fill its options.
    page.get_by_label("Do").select_option(label="Add tag")
    settled(page)
    page.get_by_label("Tag", exact=True).fill("Assessment sent")

    # A second action from the keyboard: Enter on "Add an action" focuses the new row's kind.
    page.get_by_role("button", name="Add an action").focus()
    page.keyboard.press("Enter")
    second = page.locator("#act-1-kind")
    expect(second).to_be_focused()
    second.select_option(label="Add note")
    settled(page)
    expect(page.locator("#act-1-text")).to_be_visible()
    page.locator("#act-1-text").fill("Hi {first_name}, here is your assessment for {job_title}.")
    expect(page.get_by_text("Placeholders you can use").first).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    screenshot("automation-editor")

    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview: Phone screen assessment")
    expect(page.locator("body")).to_contain_text("1 current application would be acted on")
    expect(page.locator("body")).to_contain_text("Hi Grace, here is your assessment for Data Engineer.")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    screenshot("automation-preview")

    page.get_by_role("button", name="Switch on").click()
    expect(page.locator("#messages")).to_contain_text("Switched on")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phone screen assessment")
    screenshot("automation-rule")
    rule = Rule.objects.get()
    assert rule.mode == RuleMode.ON and rule.conditions == [
        {"field": "tag", "op": "has_not", "value": "Assessment sent"}
    ]
    assert [a["kind"] for a in rule.actions] == ["add_tag", "add_note"]

    page.get_by_role("link", name="Automation").first.click()
    row = page.get_by_role("row", name=re.compile("Phone screen assessment"))
    expect(row).to_contain_text("Stage changed to Phone screen")
    expect(row).to_contain_text("On")
    screenshot("automation-list")
