"""A recruiter logs in and browses: dashboard, live job search, a candidate profile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, MembershipFactory, UserFactory
from tests.candidates.factories import ApplicationFactory, NoteFactory
from tests.integrations.factories import ConnectionFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_recruiter_searches_jobs_live_and_opens_a_profile(page, live_server, screenshot):
    recruiter = UserFactory(email="rita@acme.example", full_name="Rita Recruiter")
    connection = ConnectionFactory(workspace=MembershipFactory(user=recruiter, role="recruiter").workspace)
    data_job = JobFactory(connection=connection, name="Data Engineer", department="Data")
    JobFactory(connection=connection, name="Account Executive", department="Sales")
    application = ApplicationFactory(connection=connection, job=data_job, candidate__name="Zoë Ødegaard")
    NoteFactory(application=application, body="Great SQL answers")

    log_in(page, live_server, "rita@acme.example")
    expect(page.get_by_role("heading", level=1)).to_contain_text(connection.workspace.name)
    screenshot("dashboard")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Jobs").click()
    page.get_by_role("searchbox", name="Search jobs").fill("data")
    # htmx swaps only the results and pushes the URL, no page load
    expect(page.locator("#job-results")).not_to_contain_text("Account Executive")
    expect(page.locator("#job-results")).to_contain_text("Data Engineer")
    expect(page).to_have_url(re.compile(r"q=data"))
    screenshot("jobs-search")

    nav.get_by_role("link", name="Candidates").click()
    page.get_by_role("link", name="Zoë Ødegaard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë Ødegaard")
    expect(page.locator("body")).to_contain_text("Great SQL answers")
    screenshot("candidate")


def test_pages_are_usable_from_the_keyboard(page, live_server):
    user = UserFactory(email="kim@acme.example")
    MembershipFactory(user=user, role="viewer")
    log_in(page, live_server, "kim@acme.example")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
