"""What a profile costs: queries that do not grow with the person's applications, and exports that
settle only when they need to (the profile is the most viewed page; see bench/page_cpu.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.automation.models import FiringStatus, Rule, RuleFiring, Trigger
from apps.candidates.models import Application, Candidate, CandidateExport, ExportStatus, Outcome
from apps.candidates.sourcing_export import exports_settle
from apps.integrations.models import ConnectionStatus, WritebackKind, WritebackStatus
from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateExportFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    OfferFactory,
    RejectionReasonFactory,
    ScorecardFactory,
    TagFactory,
)
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory, RecordChangeFactory, WritebackActionFactory
from tests.jobs.factories import JobFactory, JobStageFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db

PROFILE_BUDGET = 24  # session, user, membership, layout, the person, timeline, actions…


def job_with_stages(cast, name):
    job = JobFactory(connection=cast.connection, name=name)
    stages = [JobStageFactory(job=job, position=n, stage__name=f"{name} {n}").stage for n in range(3)]
    return job, stages


def queries_of(client, candidate):
    return counted(client, reverse("candidates:detail", args=[candidate.pk]))


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
        cold, _ = queries_of(client, candidate)  # new pipelines: the action menus are read again
    four, page = queries_of(client, candidate)
    assert four == one and cold <= one + 3
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


# -- a full profile: every source, narrow reads ------------------------------------------------------------
# The profile and its poll read only the columns they show (timeline.py, selectors.py): a field read
# that was not loaded costs a query per row, which these budgets and the growth check catch.

FULL_PROFILE_BUDGET = 24  # as the small profile's, plus interviews, offers, feedback, changes, files…
FULL_POLL_BUDGET = 14  # session, user, membership, the person, the marker, applications, 7 sources, names


def add_entries(cast, candidate, each):
    """Add `each` rows of every timeline source, by different authors, to each of the person's applications."""
    candidate_type = ContentType.objects.get_for_model(Candidate)
    application_type = ContentType.objects.get_for_model(Application)
    applications = list(Application.objects.filter(candidate=candidate).select_related("current_stage"))
    rule = Rule.objects.create(workspace=cast.workspace, name="Welcome", trigger=Trigger.STAGE_CHANGED)
    for n in range(each):
        for application in applications:
            RuleFiring.objects.create(
                workspace=cast.workspace,
                rule=rule,
                rule_version=1,
                idempotency_key=f"{rule.pk}:{application.pk}:{n}:{each}",
                application=application,
                candidate=candidate,
                status=FiringStatus.FIRED,
                actions=[{"summary": f"Add tag “welcome-{n}”", "status": "queued"}],
            )
            author = AtsUserFactory(connection=cast.connection, name=f"Author {application.pk}-{n}")
            NoteFactory(application=application, author=author, body=f"Note {application.pk}-{n}")
            InterviewFactory(
                application=application,
                title=f"Interview {application.pk}-{n}",
                location="Room 4",
                canceled_at=timezone.now() if n % 2 else None,
            )
            OfferFactory(
                application=application,
                creator=author,
                job_title=f"Offer title {application.pk}-{n}",
                start_date=date(2030, 1, 2),
            )
            ScorecardFactory(application=application, author=author, rating_label="Hire", overall_rating=3)
            WritebackActionFactory(
                connection=cast.connection,
                application=application,
                candidate=candidate,
                requested_by=cast.recruiter,
                status=WritebackStatus.FAILED,
                last_error=f"Lever said no {application.pk}-{n}",
            )
            RecordChangeFactory(
                connection=cast.connection,
                content_type=application_type,
                object_id=application.pk,
                fields={"current_stage_id": [None, application.current_stage_id], "owner_id": [1, 2]},
            )
        RecordChangeFactory(
            connection=cast.connection,
            content_type=candidate_type,
            object_id=candidate.pk,
            fields={"headline": ["Old", "New"]},
        )


def full_person(cast):
    """A person with an active and an archived application (owner, stage, tags, score, resume)."""
    candidate = CandidateFactory(connection=cast.connection, name="Grace Hopper")
    job, stages = job_with_stages(cast, "Backend")
    active = ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        job=job,
        current_stage=stages[0],
        owner=AtsUserFactory(connection=cast.connection, name="Olive Owner"),
    )
    active.tags.add(TagFactory(connection=cast.connection, name="python"))
    ScoreFactory(application=active)
    AttachmentFactory(application=active, name="grace-cv.pdf", extracted_text="Python and COBOL, 1959 on.")
    other_job, other_stages = job_with_stages(cast, "Data")
    ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        job=other_job,
        current_stage=other_stages[1],
        outcome=Outcome.REJECTED,
        archived_at=timezone.now(),
        rejection_reason=RejectionReasonFactory(connection=cast.connection, name="Timing"),
    )
    RejectionReasonFactory(connection=cast.connection, name="Location")
    add_entries(cast, candidate, 1)
    return candidate


def counted(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_full_profile_and_its_poll_read_each_source_once_however_many_rows(
    cast, django_assert_max_num_queries
):
    candidate = full_person(cast)
    client = client_for(cast.recruiter)
    profile_url = reverse("candidates:detail", args=[candidate.pk])
    poll_url = reverse("candidates:changes", args=[candidate.pk]) + "?since=0"
    counted(client, profile_url)  # warm: the session learns the workspace, content types are cached
    few, _ = counted(client, profile_url)
    few_poll, _ = counted(client, poll_url, HX_Request="true")
    add_entries(cast, candidate, 4)
    with django_assert_max_num_queries(min(few, FULL_PROFILE_BUDGET)):
        _, page = counted(client, profile_url)
    with django_assert_max_num_queries(min(few_poll, FULL_POLL_BUDGET)):
        _, poll = counted(client, poll_url, HX_Request="true")
    # What the narrow reads feed is all there: the entries, their authors and the status chips…
    application = candidate.applications.get(outcome=Outcome.ACTIVE)
    for body in (page, poll):
        for text in ("Note", "Interview", "Offer title", "Author", "Lever said no"):
            assert f"{text} {application.pk}-3" in body
        assert "Moved to Backend 0" in body and "Cancelled" in body and "Room 4" in body
        assert "Starts 2 Jan 2030" in body and "Hire (3/4)" in body and "Updated in Lever: headline" in body
        assert "Add tag “Tier 1”: failed" in body and cast.recruiter.email in body
        assert "Rule “Welcome”" in body and "Add tag “welcome-3”: queued" in body
    # …and the profile's applications, actions and resume.
    assert "Olive Owner" in page and "Timing" in page and ">Backend 1</option>" in page
    assert ">Location</option>" in page and '<span class="badge">python</span>' in page
    assert "grace-cv.pdf · " in page and "Python and COBOL" in page


def test_sources_the_person_has_no_rows_of_are_not_asked(cast):
    candidate = CandidateFactory(connection=cast.connection)
    application = ApplicationFactory(connection=cast.connection, candidate=candidate)
    NoteFactory(application=application, body="Only a note")
    client = client_for(cast.viewer)
    profile_url = reverse("candidates:detail", args=[candidate.pk])
    client.get(profile_url)
    poll_url = reverse("candidates:changes", args=[candidate.pk])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(profile_url)
        poll = client.get(poll_url, headers={"HX-Request": "true"})
    # The marker's subqueries look at every source; the timeline then asks only those with rows.
    asked = " ".join(query["sql"] for query in captured if "mark_notes" not in query["sql"])
    assert "Only a note" in page.content.decode() and "Only a note" in poll.content.decode()
    for table in ("interview", "offer", "scorecard", "attachment", "writebackaction", "recordchange"):
        assert f'FROM "candidates_{table}"' not in asked and f'FROM "integrations_{table}"' not in asked
    assert 'FROM "automation_rulefiring"' not in asked
    # A row arriving later moves the marker: the next poll asks again and shows it.
    InterviewFactory(application=application, title="Fresh interview")
    fresh = client.get(poll_url, {"since": poll.context["version"]}, headers={"HX-Request": "true"})
    assert fresh.status_code == 200 and "Fresh interview" in fresh.content.decode()


def test_a_new_rule_firing_moves_the_marker_so_the_open_profile_shows_it(cast):
    candidate = CandidateFactory(connection=cast.connection)
    application = ApplicationFactory(connection=cast.connection, candidate=candidate)
    client = client_for(cast.viewer)
    page = client.get(reverse("candidates:detail", args=[candidate.pk]))
    assert "Rule “Welcome”" not in page.content.decode()
    rule = Rule.objects.create(workspace=cast.workspace, name="Welcome", trigger=Trigger.STAGE_CHANGED)
    RuleFiring.objects.create(
        workspace=cast.workspace,
        rule=rule,
        rule_version=1,
        idempotency_key="welcome",
        application=application,
        candidate=candidate,
        status=FiringStatus.DRY_RUN,
    )
    poll = client.get(
        reverse("candidates:changes", args=[candidate.pk]),
        {"since": page.context["version"]},
        headers={"HX-Request": "true"},
    )
    assert poll.status_code == 200  # not 204: the firing alone is a change
    assert "Rule “Welcome”" in poll.content.decode()


def test_archived_applications_cost_no_pipeline_or_reasons_query(cast):
    RejectionReasonFactory(connection=cast.connection, name="Timing")
    candidate = CandidateFactory(connection=cast.connection)
    job, stages = job_with_stages(cast, "Backend")
    ApplicationFactory(
        connection=cast.connection,
        candidate=candidate,
        job=job,
        current_stage=stages[0],
        outcome=Outcome.HIRED,
        archived_at=timezone.now(),
    )
    client = client_for(cast.recruiter)
    queries_of(client, candidate)
    with CaptureQueriesContext(connection) as captured:
        _, page = queries_of(client, candidate)
    # Only the menus' version (one UNION, for the tag names) touches those tables: no list is read.
    asked = " ".join(query["sql"] for query in captured if "UNION ALL" not in query["sql"])
    assert 'FROM "jobs_jobstage"' not in asked and 'FROM "candidates_rejectionreason"' not in asked
    assert "Hired: to move or reject it again, unarchive it in Lever first." in page


def test_an_unchanged_poll_is_the_marker_query_alone_and_stays_scoped(cast, django_assert_max_num_queries):
    candidate = CandidateFactory(connection=cast.connection)
    client = client_for(cast.viewer)
    url = reverse("candidates:changes", args=[candidate.pk])
    since = client.get(url).context["version"]
    with django_assert_max_num_queries(4):  # session, user, membership, the marker (which scopes the person)
        assert client.get(url, {"since": since}).status_code == 204
    assert client_for(cast.outsider).get(url, {"since": since}).status_code == 404
    too_big = reverse("candidates:changes", args=[2**63])
    assert client.get(too_big, {"since": since}).status_code == 404
