"""A member of workspace B gets a 404, never a 403, for workspace A's objects, on every view."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateExportFactory,
    CandidateFactory,
)
from tests.conftest import client_for
from tests.imports.factories import CandidateImportFactory
from tests.integrations.factories import SyncRunFactory, WritebackActionFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db

OUR_NAMESPACES = {
    "accounts",
    "jobs",
    "candidates",
    "actions",
    "integrations",
    "dashboard",
    "scoring",
    "imports",
    "automation",
}


def object_views() -> set[str]:
    """Every URL name of ours that takes an object id."""
    found: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and namespace in OUR_NAMESPACES
                and "pk" in pattern.pattern.converters
            ):
                found.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    return found


def a_rule(cast):
    from apps.automation.services import rule_save

    draft = {
        "name": "Acme rule",
        "trigger": "application_created",
        "actions": [{"kind": "notify", "recipients": ["owner"]}],
    }
    return rule_save(workspace=cast.workspace, draft=draft, by=cast.owner)


def a_notice(cast):
    from apps.automation.models import Notification

    return Notification.objects.create(
        workspace=cast.workspace, user=cast.owner, title="Acme notice", url="/", key="t"
    )


def an_import(cast, **fields):
    return CandidateImportFactory(workspace=cast.workspace, **fields)


def export_of(cast):
    return CandidateExportFactory(candidate=CandidateFactory(connection=cast.connection))


def local_person(cast):
    """Someone added in Recruitdesk, not in Lever yet (only they can be edited here)."""
    return CandidateFactory(workspace=cast.workspace, connection=None, remote_id=None)


def stored_pdf(cast):
    return AttachmentFactory(
        application=ApplicationFactory(connection=cast.connection),
        file=ContentFile(b"%PDF-1.4 test", name="cv.pdf"),
        content_type="application/pdf",
    )


# How to make an object of workspace A for each view, and which method the view answers.
CASES = {
    "imports:detail": ("get", lambda cast: an_import(cast, status="succeeded")),
    "imports:mapping": ("get", lambda cast: an_import(cast)),
    "imports:preview": ("get", lambda cast: an_import(cast, status="ready", preview={"valid": 1})),
    "imports:progress": ("get", lambda cast: an_import(cast, status="running")),
    "imports:report": ("get", lambda cast: an_import(cast, status="succeeded")),
    "imports:run": ("post", lambda cast: an_import(cast, status="ready")),
    "imports:discard": ("post", lambda cast: an_import(cast)),
    "candidates:export": ("post", lambda cast: CandidateFactory(connection=cast.connection)),
    "candidates:edit": ("get", local_person),
    "candidates:export-status": ("get", lambda cast: export_of(cast)),
    "candidates:export-add-to-job": ("post", lambda cast: export_of(cast)),
    "candidates:export-skip": ("post", lambda cast: export_of(cast)),
    "candidates:job-ats-sync": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "jobs:edit": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "candidates:changes": ("get", lambda cast: CandidateFactory(connection=cast.connection)),
    "candidates:file-download": ("get", lambda cast: stored_pdf(cast)),
    "candidates:file-preview": ("get", lambda cast: stored_pdf(cast)),
    "actions:application-move": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-reject": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-tag-add": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-tag-remove": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-note": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-attachment": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-result-link": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "actions:application-rescore": ("post", lambda cast: ApplicationFactory(connection=cast.connection)),
    "jobs:pipeline": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "jobs:pipeline-list": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "jobs:pipeline-export": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "jobs:pipeline-changes": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "jobs:detail": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "candidates:detail": ("get", lambda cast: CandidateFactory(connection=cast.connection)),
    "integrations:connection-detail": ("get", lambda cast: cast.connection),
    "integrations:connection-sweep-budget": ("post", lambda cast: cast.connection),
    "integrations:connection-reconnect": ("get", lambda cast: cast.connection),
    "integrations:connection-disconnect": ("get", lambda cast: cast.connection),
    "integrations:connection-test": ("post", lambda cast: cast.connection),
    "integrations:connection-writeback-user": ("post", lambda cast: cast.connection),
    # A running sync, so the poll answers 200 rather than 286 (stop polling).
    "integrations:connection-progress": (
        "get",
        lambda cast: SyncRunFactory(connection=cast.connection, status="running").connection,
    ),
    "integrations:writeback-status": (
        "get",
        lambda cast: WritebackActionFactory(connection=cast.connection, status="pending"),
    ),
    "integrations:writeback-retry": (
        "post",
        lambda cast: WritebackActionFactory(connection=cast.connection, status="failed"),
    ),
    "scoring:job": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "scoring:job-profile": ("post", lambda cast: JobFactory(connection=cast.connection)),
    "scoring:job-rescore": ("post", lambda cast: JobFactory(connection=cast.connection)),
    "scoring:job-export": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "scoring:job-join-keys": ("get", lambda cast: JobFactory(connection=cast.connection)),
    "scoring:application-feedback": (
        "post",
        lambda cast: ApplicationFactory(connection=cast.connection),
    ),
    "accounts:member-role": ("post", lambda cast: cast.membership(cast.viewer)),
    "accounts:member-remove": ("post", lambda cast: cast.membership(cast.viewer)),
    "automation:detail": ("get", a_rule),
    "automation:edit": ("get", a_rule),
    "automation:preview": ("get", a_rule),
    "automation:mode": ("post", a_rule),
    "automation:apply": ("get", a_rule),
    "automation:delete": ("get", a_rule),
    # Opening marks read and redirects (a 302 for its owner), so it is checked by POST, which it also takes.
    "automation:notification-open": ("post", a_notice),
}


def test_every_object_view_is_covered_here():
    assert object_views() == set(CASES), "add the new view to CASES so its scoping is tested"


@pytest.mark.parametrize("url_name", sorted(CASES))
def test_objects_of_another_workspace_are_a_404(cast, url_name):
    method, make = CASES[url_name]
    obj = make(cast)
    client = client_for(cast.outsider)  # owner of Globex: every capability, wrong workspace
    url = reverse(url_name, args=[obj.pk])
    response = client.get(url) if method == "get" else client.post(url, {"role": "viewer"})
    assert response.status_code == 404
    # The member of A still reaches it.
    owner_response = client_for(cast.owner).get(url) if method == "get" else None
    assert owner_response is None or owner_response.status_code == 200


def test_member_actions_on_another_workspace_change_nothing(cast):
    target = cast.membership(cast.viewer)
    client_for(cast.outsider).post(reverse("accounts:member-remove", args=[target.pk]))
    client_for(cast.outsider).post(reverse("accounts:member-role", args=[target.pk]), {"role": "owner"})
    target.refresh_from_db()
    assert target.role == "viewer"


@pytest.mark.parametrize(
    ("url_name", "query", "factory"),
    [
        ("jobs:list", "", lambda c: JobFactory(connection=c.connection, name="Secret Acme Role")),
        (
            "candidates:list",
            "",
            lambda c: CandidateFactory(connection=c.connection, name="Secret Acme Person"),
        ),
        (
            "candidates:list",
            "?q=Secret",
            lambda c: CandidateFactory(connection=c.connection, name="Secret Acme Person"),
        ),
        ("integrations:index", "?tab=mine", lambda c: c.connection),
    ],
)
def test_lists_show_only_the_current_workspace(cast, url_name, query, factory):
    obj = factory(cast)
    label = getattr(obj, "name", "")
    assert label in client_for(cast.owner).get(reverse(url_name) + query).content.decode()
    assert label not in client_for(cast.outsider).get(reverse(url_name) + query).content.decode()


def test_candidate_job_filter_ignores_jobs_of_another_workspace(cast):
    application = ApplicationFactory(connection=cast.connection)
    response = client_for(cast.outsider).get(reverse("candidates:list"), {"job": application.job_id})
    assert application.candidate.name not in response.content.decode()
