"""The Content-Security-Policy (style-src 'self', script-src 'self') holds on the main pages and the admin.

Every browser test already fails on a violation (conftest.csp_violations); this one walks the main
pages on purpose, one at a time, so a violation names its page. The last test shows that the check
would see one.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.candidates.models import Application
from apps.scoring import services
from apps.scoring.models import Score
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.e2e.test_browse import log_in
from tests.integrations.factories import ConnectionFactory
from tests.jobs.factories import JobStageFactory
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db(transaction=True)


def visit(page, url, csp_violations) -> list[str]:
    """Open `url`, let its htmx requests (bell count, polls) settle; return the violations it caused."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    page.evaluate("0")  # let reports still on their way from the browser arrive
    violations = csp_violations.take()
    # htmx is told not to inject its indicator <style> (base.html); nothing else may add one either.
    if page.locator("style").count():
        violations.append("a <style> element in the page")
    return violations


def test_main_pages_and_the_admin_break_no_csp_rule(page, live_server, csp_violations):
    user = UserFactory(email="olga@acme.example", is_staff=True, is_superuser=True)
    connection = ConnectionFactory(workspace=MembershipFactory(user=user, role="owner").workspace)
    job = job_to_score(connection)
    stage = JobStageFactory(job=job, position=0, stage__name="New applicant").stage
    application = application_with_resume(
        connection, job=job, current_stage=stage, candidate__name="Grace Hopper"
    )
    services.score_applications(Application.objects.filter(pk=application.pk))
    score_pk = Score.objects.get(application=application).pk  # read before the browser starts

    found = {
        "/accounts/login/ (logged out)": visit(page, f"{live_server.url}/accounts/login/", csp_violations)
    }
    log_in(page, live_server, user.email)
    csp_violations.take()  # the login page again, already checked above
    for path in (
        "/",
        "/jobs/",
        f"/jobs/{job.pk}/pipeline/",
        f"/jobs/{job.pk}/pipeline/list/",
        f"/candidates/{application.candidate_id}/",
        "/integrations/",
        "/integrations/?tab=mine",
        f"/integrations/{connection.pk}/",
        "/integrations/lever/credentials/",
        "/settings/",
        "/accounts/password/change/",
        "/admin/",
        "/admin/candidates/application/",
        f"/admin/scoring/score/{score_pk}/change/",
    ):
        found[path] = visit(page, f"{live_server.url}{path}", csp_violations)
    # The score's explanation: pretty_json's class rule comes from static/css/admin.css, not a style=.
    expect(page.locator("pre.admin-json").first).to_have_css("white-space", "pre-wrap")
    assert {path: v for path, v in found.items() if v} == {}


def test_the_check_sees_an_inline_style(page, live_server, csp_violations):
    """Our pages refuse a style attribute or a <style> element added by script, and the fixture notices."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.body.setAttribute('style', 'color: rgb(255, 0, 0)')")
    page.evaluate(
        "document.head.insertAdjacentHTML('beforeend', '<style>h1 { color: rgb(255, 0, 0) }</style>')"
    )
    expect(page.locator("body")).not_to_have_css("color", "rgb(255, 0, 0)")
    expect(page.locator("h1")).not_to_have_css("color", "rgb(255, 0, 0)")
    page.wait_for_timeout(200)
    page.evaluate("0")
    violations = csp_violations.take()  # taken, so this test's own teardown check passes
    assert any(v.startswith("style-src-attr blocked 'inline'") for v in violations), violations
    assert any(v.startswith("style-src-elem blocked 'inline'") for v in violations), violations
    assert any(v.startswith("console: ") for v in violations), violations
