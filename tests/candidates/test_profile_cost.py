"""What a profile costs: queries that do not grow with the person's applications, and exports that
settle only when they need to (the profile is the most viewed page; see bench/page_cpu.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.candidates.models import CandidateExport, ExportStatus
from apps.candidates.sourcing_export import exports_settle
from apps.integrations.models import ConnectionStatus, WritebackKind, WritebackStatus
from tests.candidates.factories import (
    ApplicationFactory,
    CandidateExportFactory,
    CandidateFactory,
    RejectionReasonFactory,
)
from tests.conftest import client_for
from tests.integrations.factories import WritebackActionFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db

PROFILE_BUDGET = 24  # session, user, membership, layout, the person, timeline, actions…


def job_with_stages(cast, name):
    job = JobFactory(connection=cast.connection, name=name)
    stages = [JobStageFactory(job=job, position=n, stage__name=f"{name} {n}").stage for n in range(3)]
    return job, stages


def queries_of(client, candidate):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("candidates:detail", args=[candidate.pk]))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_profile_queries_do_not_grow_with_applications(cast, django_assert_max_num_queries):
    RejectionReasonFactory(connection=cast.connection, name="Timing")
    client = client_for(cast.recruiter)
    candidate = CandidateFactory(connection=cast.connection)
    job, stages = job_with_stages(cast, "Backend")
    ApplicationFactory(connection=cast.connection, candidate=candidate, job=job, current_stage=stages[0])
    queries_of(client, candidate)  # warm: the session learns the workspace, content types are cached
    one, _ = queries_of(client, candidate)
    applications = []
    for name in ("Data", "Design", "Support"):
        other_job, other_stages = job_with_stages(cast, name)
        applications.append(
            ApplicationFactory(
                connection=cast.connection, candidate=candidate, job=other_job, current_stage=other_stages[1]
            )
        )
    with django_assert_max_num_queries(PROFILE_BUDGET):
        four, page = queries_of(client, candidate)
    assert four == one
    # Each application's "Move to" offers its own job's stages and suggests the next one.
    for application in applications:
        form = page[page.index(f'id="a{application.pk}-stage"') :]
        form = form[: form.index("</select>")]
        name = application.job.name
        assert f"selected>{name} 2</option>" in form and f">{name} 0</option>" in form
        assert f">{name} 1</option>" not in form and "Backend" not in form


def pending_export(cast, status=WritebackStatus.PENDING):
    candidate = CandidateFactory(connection=cast.connection, remote_id=None)
    action = WritebackActionFactory(
        connection=cast.connection,
        candidate=candidate,
        kind=WritebackKind.CREATE_CANDIDATE,
        payload={"name": candidate.name},
        status=status,
    )
    return CandidateExportFactory(candidate=candidate, status=ExportStatus.PENDING, action=action)


def test_exports_with_nothing_to_settle_cost_no_query(cast, django_assert_num_queries):
    pending_export(cast)  # its action is still queued
    CandidateExportFactory(
        candidate=CandidateFactory(connection=cast.connection), status=ExportStatus.EXPORTED
    )
    exports = list(CandidateExport.objects.select_related("action"))
    with django_assert_num_queries(0):
        settled = exports_settle(exports)
    assert [export.status for export in settled] == [export.status for export in exports]


def test_an_export_whose_action_finished_settles_from_the_loaded_action(cast):
    export = pending_export(cast)
    WritebackActionFactory._meta.model.objects.filter(pk=export.action_id).update(
        status=WritebackStatus.FAILED, last_error="Lever says no"
    )
    [settled] = exports_settle(CandidateExport.objects.select_related("action"))
    assert (settled.status, settled.message) == (ExportStatus.FAILED, "Lever says no")
    assert CandidateExport.objects.get().status == ExportStatus.FAILED


def test_a_lever_person_never_exported_costs_the_panel_one_light_query(cast):
    candidate = CandidateFactory(connection=cast.connection)
    client = client_for(cast.recruiter)
    queries_of(client, candidate)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    exports = [q["sql"] for q in captured if "candidates_candidateexport" in q["sql"]]
    assert len(exports) == 1 and "JOIN" not in exports[0] and "export-panel" not in page
    # Once exported, the panel shows the export.
    CandidateExportFactory(candidate=candidate, status=ExportStatus.EXPORTED, message="Created in Lever.")
    page = client.get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    assert "export-panel" in page and "Created in Lever." in page


def test_a_disconnected_lever_takes_no_actions_without_a_query_per_application(cast):
    candidate = CandidateFactory(connection=cast.connection)
    job, stages = job_with_stages(cast, "Backend")
    application = ApplicationFactory(
        connection=cast.connection, candidate=candidate, job=job, current_stage=stages[0]
    )
    client = client_for(cast.recruiter)
    assert reverse("actions:application-note", args=[application.pk]) in queries_of(client, candidate)[1]
    cast.connection.status = ConnectionStatus.DISCONNECTED
    cast.connection.save()
    count, page = queries_of(client, candidate)
    assert "Lever is disconnected: reconnect it under Integrations" in page
    assert reverse("actions:application-note", args=[application.pk]) not in page
    assert count < PROFILE_BUDGET
