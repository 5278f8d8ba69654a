"""The pipeline pages: board, list, CSV export and the change poll, through the test client."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.candidates.models import Application, Candidate, Tag
from apps.integrations.models import AtsUser, WritebackAction, WritebackKind
from apps.jobs import pipeline, views_pipeline
from apps.scoring.models import Score
from tests.candidates.factories import ApplicationFactory, CandidateFactory, TagFactory
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory, WritebackActionFactory
from tests.jobs.factories import JobFactory, JobStageFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 12  # the whole request: session, user, membership, layout and the page


@pytest.fixture
def job(cast):
    return JobFactory(connection=cast.connection, name="Backend Engineer")


@pytest.fixture
def stages(job):
    return [
        JobStageFactory(job=job, position=n, stage__name=name).stage
        for n, name in enumerate(["New applicant", "Phone screen", "On-site"])
    ]


def apply(cast, job, stage, *, score=None, tier="tier_2", name=None, **fields):
    candidate = CandidateFactory(connection=cast.connection, **({"name": name} if name else {}))
    application = ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stage, candidate=candidate, **fields
    )
    if score is not None:
        reasons = {"reasons": [{"text": f"Reason for {candidate.name}", "evidence": "resume"}]}
        ScoreFactory(application=application, score=score, tier=tier, explanation=reasons)
    return application


def url(name, job, **query):
    path = reverse(f"jobs:{name}", args=[job.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# -- The board -------------------------------------------------------------------------------------


def test_board_shows_columns_cards_and_links(cast, job, stages):
    ada = apply(cast, job, stages[1], score=91, tier="tier_1", name="Ada Lovelace", sources=["LinkedIn"])
    ada.tags.add(TagFactory(connection=cast.connection, name="python"))
    apply(cast, job, stages[1], name="Unscored Person")
    response = client_for(cast.viewer).get(url("pipeline", job))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Pipeline · Backend Engineer · Recruitdesk</title>" in page
    assert page.index("New applicant") < page.index("Phone screen") < page.index("On-site")
    assert f'href="/candidates/{ada.candidate_id}/"' in page
    assert 'Tier 1<span class="score"> · 91</span>' in page and "Not scored" in page
    assert "Reason for Ada Lovelace" in page and ">python<" in page and "LinkedIn" in page
    assert re.search(r'<section class="column" aria-labelledby="stage-\d+-h"', page)
    assert f'href="{reverse("jobs:pipeline-list", args=[job.pk])}"' in page  # Board | List tabs
    assert 'hx-trigger="every 10s' in page and reverse("jobs:pipeline-changes", args=[job.pk]) in page


def test_viewers_and_hiring_managers_get_no_move_controls(cast, job, stages):
    apply(cast, job, stages[0])
    for user in (cast.viewer, cast.hiring_manager):
        page = client_for(user).get(url("pipeline", job)).content.decode()
        assert "move-form" not in page and 'draggable="true"' not in page


def test_recruiters_can_move_cards_to_the_other_stages(cast, job, stages):
    application = apply(cast, job, stages[0])
    page = client_for(cast.recruiter).get(url("pipeline", job)).content.decode()
    move_url = f"/actions/applications/{application.pk}/move/"
    assert f'action="{move_url}" hx-post="{move_url}"' in page
    assert f'hx-target="#card-status-{application.pk}"' in page and 'draggable="true"' in page
    form = page[page.index(move_url) : page.index("</form>", page.index(move_url))]
    assert f'value="{stages[1].pk}"' in form and f'value="{stages[2].pk}"' in form
    assert f'value="{stages[0].pk}"' not in form  # not to the stage it is in


def test_archived_cards_cannot_be_moved(cast, job, stages):
    apply(cast, job, stages[0], outcome="rejected")
    page = client_for(cast.recruiter).get(url("pipeline", job, archived="1")).content.decode()
    assert "Rejected" in page and "move-form" not in page


def test_open_move_shows_its_status_chip_on_the_card(cast, job, stages):
    application = apply(cast, job, stages[0])
    action = WritebackActionFactory(
        connection=cast.connection,
        application=application,
        kind=WritebackKind.MOVE_STAGE,
        payload={"stage_id": "x", "stage_name": "Phone screen"},
    )
    page = client_for(cast.viewer).get(url("pipeline", job)).content.decode()
    assert f'id="writeback-{action.pk}"' in page and "Move to Phone screen: pending" in page


def test_htmx_filtering_returns_only_the_results(cast, job, stages):
    apply(cast, job, stages[0], name="Ada Lovelace")
    apply(cast, job, stages[0], name="Grace Hopper")
    response = client_for(cast.recruiter).get(url("pipeline", job, q="ada"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pipeline-results"')
    assert "<html" not in body and "Ada Lovelace" in body and "Grace Hopper" not in body
    # The tabs come along out of band, so Board | List | Export keep the new filters.
    assert 'id="pipeline-tabs" class="pipeline-toolbar" hx-swap-oob="true"' in body
    assert "export.csv?q=ada" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(cast, job, stages):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    body = client_for(cast.recruiter).get(url("pipeline", job), headers=headers).content.decode()
    assert "<html" in body


def test_a_column_links_to_all_of_its_applications_beyond_the_board(cast, job, stages):
    for n in range(pipeline.PER_COLUMN + 2):
        apply(cast, job, stages[0], score=n, tier="tier_3")
    page = client_for(cast.recruiter).get(url("pipeline", job, tier="tier_3")).content.decode()
    assert page.count('class="pcard"') == pipeline.PER_COLUMN
    list_link = reverse("jobs:pipeline-list", args=[job.pk]) + f"?tier=tier_3&amp;stage={stages[0].pk}"
    assert f'href="{list_link}">Show all {pipeline.PER_COLUMN + 2} in this stage' in page


def test_empty_states_say_what_to_do_next(cast, job):
    client = client_for(cast.recruiter)
    assert "arrive with the next sync" in client.get(url("pipeline", job)).content.decode()
    stage = JobStageFactory(job=job).stage
    no_applications = client.get(url("pipeline", job)).content.decode()
    assert "No active applications yet" in no_applications and "?archived=1" in no_applications
    apply(cast, job, stage, name="Ada Lovelace")
    no_match = client.get(url("pipeline", job, q="nobody")).content.decode()
    assert "No applications match these filters" in no_match
    assert f'href="{reverse("jobs:pipeline", args=[job.pk])}" data-clear-filters>Clear filters' in no_match


def test_filter_form_offers_what_the_job_uses(cast, job, stages):
    rita = AtsUserFactory(connection=cast.connection, name="Rita Recruiter")
    application = apply(cast, job, stages[0], owner=rita, sources=["Referral"])
    application.tags.add(TagFactory(connection=cast.connection, name="python"))
    page = client_for(cast.recruiter).get(url("pipeline", job)).content.decode()
    assert f'<option value="{rita.pk}">Rita Recruiter</option>' in page
    assert '<option value="Referral">Referral</option>' in page and ">python</option>" in page
    assert 'hx-push-url="true"' in page and 'method="get"' in page


PIPELINE_URLS = ["pipeline", "pipeline-list", "pipeline-export", "pipeline-changes"]


@pytest.mark.parametrize("name", PIPELINE_URLS)
def test_another_workspace_gets_a_404(cast, job, stages, name):
    apply(cast, job, stages[0])
    assert client_for(cast.outsider).get(url(name, job)).status_code == 404
    assert client_for(cast.owner).get(url(name, job)).status_code == 200


@pytest.mark.parametrize("name", PIPELINE_URLS)
def test_a_bare_job_answers_every_pipeline_url(cast, name):
    """As tests/test_scoping.py checks it: a job with nothing on it, its owner's GET is a 200."""
    job = JobFactory(connection=cast.connection)
    assert client_for(cast.owner).get(url(name, job)).status_code == 200
    assert client_for(cast.outsider).get(url(name, job)).status_code == 404


def test_pages_require_login(client, job):
    assert client.get(url("pipeline", job)).status_code == 302


# -- Query budget ----------------------------------------------------------------------------------


def add_applications(cast, job, stages, count, start=0):
    """Insert `count` scored, tagged, owned applications with bulk_create (fast, even for thousands)."""
    workspace, connection = cast.workspace, cast.connection
    owners = AtsUser.objects.bulk_create(
        AtsUser(workspace=workspace, connection=connection, remote_id=f"u-{start}-{n}", name=f"Owner {n}")
        for n in range(5)
    )
    tags = Tag.objects.bulk_create(
        Tag(workspace=workspace, connection=connection, remote_id=f"t-{start}-{n}", name=f"tag {start}-{n}")
        for n in range(6)
    )
    candidates = Candidate.objects.bulk_create(
        Candidate(
            workspace=workspace,
            connection=connection,
            remote_id=f"c-{uuid.uuid4()}",
            name=f"Person {start + n}",
        )
        for n in range(count)
    )
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            workspace=workspace,
            connection=connection,
            remote_id=f"o-{uuid.uuid4()}",
            candidate=candidate,
            job=job,
            current_stage=stages[n % len(stages)],
            stage_entered_at=now - timedelta(days=n % 40),
            applied_at=now - timedelta(days=n % 90),
            owner=owners[n % len(owners)],
            sources=[["LinkedIn"], ["Referral"], ["Agency", "LinkedIn"]][n % 3],
            origin=["applied", "sourced", "referred"][n % 3],
        )
        for n, candidate in enumerate(candidates)
    )
    Score.objects.bulk_create(
        Score(
            workspace=workspace,
            application=application,
            job=job,
            candidate_id=application.candidate_id,
            score=(n * 37) % 100,
            tier=["tier_1", "tier_2", "tier_3", "not_a_match"][n % 4],
            explanation={"reasons": [{"text": f"Reason {n}", "evidence": "resume"}]},
            engine_version="test",
            input_hash="x",
            job_hash="x",
            candidate_hash="x",
            computed_at=now,
            checked_at=now,
            tier_changed_at=now,
        )
        for n, application in enumerate(applications)
        if n % 10  # every tenth is not scored yet
    )
    through = Application.tags.through
    through.objects.bulk_create(
        through(application_id=application.pk, tag_id=tags[(n + k) % len(tags)].pk)
        for n, application in enumerate(applications)
        for k in range(n % 3)
    )
    WritebackAction.objects.bulk_create(
        WritebackAction(
            workspace=workspace,
            connection=connection,
            application=application,
            kind=WritebackKind.MOVE_STAGE,
            idempotency_key=f"move-{application.pk}",
            payload={"stage_id": "x", "stage_name": "On-site"},
        )
        for application in applications[:: max(count // 10, 1)]
    )


@pytest.mark.parametrize("name", ["pipeline", "pipeline-list"])
def test_query_count_is_bounded_and_independent_of_size(cast, job, name, django_assert_max_num_queries):
    stages = [JobStageFactory(job=job, position=n).stage for n in range(8)]
    client = client_for(cast.recruiter)
    client.get(url(name, job))  # the first request also stores the workspace in the session
    counts = []
    for size in (20, 1980):
        add_applications(cast, job, stages, size, start=len(counts))
        with django_assert_max_num_queries(QUERY_BUDGET) as captured:
            response = client.get(url(name, job))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert Application.objects.filter(job=job).count() == 2000
    if name == "pipeline":
        assert response.content.decode().count('class="pcard"') == 8 * pipeline.PER_COLUMN


# The pages' own queries: the stages (with the job and the filtered counts per stage, the list's total
# too), the cards or the list's page (with their tags), the board's open moves, the filter choices of a
# whole page. Beyond them: session, user, membership, the layout's banners, the list's bulk bar.
@pytest.mark.parametrize(
    ("name", "headers", "budget"),
    [
        ("pipeline", {}, 8),
        ("pipeline", {"HX-Request": "true"}, 6),
        ("pipeline-list", {}, 8),
        ("pipeline-list", {"HX-Request": "true"}, 7),
    ],
)
def test_each_page_keeps_to_its_queries(cast, job, name, headers, budget, django_assert_max_num_queries):
    stages = [JobStageFactory(job=job, position=n).stage for n in range(4)]
    add_applications(cast, job, stages, 60)
    client = client_for(cast.recruiter)
    client.get(url(name, job))  # the first request also stores the workspace in the session
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url(name, job), headers=headers).status_code == 200
    queries = [query["sql"] for query in captured]
    assert not [sql for sql in queries if sql.startswith('SELECT COUNT(*) AS "__count"')]
    assert not [sql for sql in queries if sql.startswith('SELECT "candidates_application_tags"')]


# -- The list --------------------------------------------------------------------------------------


def test_list_pages_by_50_with_checkboxes_for_the_bulk_bar(cast, job, stages):
    for n in range(53):
        apply(cast, job, stages[n % 3], score=n, name=f"Person {n:02d}")
    client = client_for(cast.recruiter)
    first = client.get(url("pipeline-list", job, tier="tier_2"))
    page = first.content.decode()
    assert len(first.context["page"].object_list) == 50
    assert page.count('name="application"') == 50 and 'form="pipeline-bulk"' in page
    assert "data-select-all" in page
    assert "tier=tier_2&amp;page=2" in page
    second = client.get(url("pipeline-list", job, tier="tier_2", sort="-score", page=2))
    assert [a.score for a in second.context["page"].object_list] == [2, 1, 0]


def test_the_list_offers_bulk_actions_to_recruiters_only(cast, job, stages):
    apply(cast, job, stages[0], score=50, name="Amy")
    page = client_for(cast.recruiter).get(url("pipeline-list", job)).content.decode()
    bar = page.index('<form id="pipeline-bulk"')
    assert bar < page.index('<table class="pipeline-table">')
    assert f'<option value="{stages[1].pk}">' in page[bar:]  # the job's own stages
    assert 'id="pipeline-bulk"' not in client_for(cast.viewer).get(url("pipeline-list", job)).content.decode()


def test_list_headers_sort_and_say_how(cast, job, stages):
    apply(cast, job, stages[0], score=20, name="Zed")
    apply(cast, job, stages[1], score=80, name="Amy")
    client = client_for(cast.recruiter)
    default = client.get(url("pipeline-list", job)).content.decode()
    assert re.search(r'aria-sort="descending">\s*<a href="[^"]*sort=score"', default)
    by_name = client.get(url("pipeline-list", job, sort="name"))
    assert [a.name for a in by_name.context["page"].object_list] == ["Amy", "Zed"]
    page = by_name.content.decode()
    assert re.search(r'aria-sort="ascending">\s*<a href="[^"]*sort=-name"', page)
    assert 'hx-get="/jobs/' in page and "?sort=-applied" in page  # dates start newest first
    by_name_desc = client.get(url("pipeline-list", job, sort="-name"))
    assert [a.name for a in by_name_desc.context["page"].object_list] == ["Zed", "Amy"]


def test_list_filters_by_stage(cast, job, stages):
    apply(cast, job, stages[0], name="In new")
    apply(cast, job, stages[1], name="In screen")
    response = client_for(cast.recruiter).get(url("pipeline-list", job, stage=stages[1].pk))
    assert [a.name for a in response.context["page"].object_list] == ["In screen"]
    assert "Phone screen (1)" in response.content.decode()


# -- CSV export ------------------------------------------------------------------------------------


def export(client, job, **query):
    response = client.get(url("pipeline-export", job, **query))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pipeline-backend-engineer-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # UTF-8 byte order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_has_every_filtered_row_not_just_a_page(cast, job, stages):
    for n in range(60):
        apply(cast, job, stages[n % 3], score=50 + n % 10, tier="tier_2")
    apply(cast, job, stages[0], score=10, tier="tier_3")
    rows = export(client_for(cast.viewer), job, tier="tier_2")
    assert rows[0][:3] == ["Candidate", "Email", "Stage"] and rows[0][-1] == "Profile URL"
    assert len(rows) == 1 + 60 and {row[4] for row in rows[1:]} == {"Tier 2"}


def test_export_columns(cast, job, stages):
    owner = AtsUserFactory(connection=cast.connection, name="Rita")
    application = apply(
        cast,
        job,
        stages[1],
        score=87.6,
        tier="tier_1",
        name="Zoë Müller",
        sources=["LinkedIn", "Referral"],
        origin="referred",
        owner=owner,
        stage_entered_at=timezone.now() - timedelta(days=3),
    )
    application.tags.add(TagFactory(connection=cast.connection, name="python"))
    [_, row] = export(client_for(cast.recruiter), job)
    candidate = application.candidate
    assert row == [
        "Zoë Müller",
        candidate.email,
        "Phone screen",
        "88",
        "Tier 1",
        "Reason for Zoë Müller",
        "python",
        "LinkedIn, Referral",
        "Referred",
        "Rita",
        "3",
        timezone.localdate(application.applied_at).isoformat(),
        "Active",
        f"http://testserver/candidates/{candidate.pk}/",
    ]


def test_export_neutralises_formulas(cast, job, stages):
    application = apply(cast, job, stages[0], name='=HYPERLINK("x")', sources=["@evil", "-2+3"])
    application.tags.add(TagFactory(connection=cast.connection, name="+cmd"))
    Candidate.objects.filter(pk=application.candidate_id).update(email="\tx@example.com")
    [_, row] = export(client_for(cast.recruiter), job)
    assert row[0] == '\'=HYPERLINK("x")'
    assert row[1] == "'\tx@example.com"
    assert row[6] == "'+cmd"
    assert row[7] == "'@evil, -2+3"


# -- Live updates ----------------------------------------------------------------------------------


def test_changes_answers_204_until_something_changes(cast, job, stages):
    application = apply(cast, job, stages[0])
    client = client_for(cast.viewer)
    first = client.get(url("pipeline-changes", job))
    assert first.status_code == 200 and "HX-Trigger" not in first
    since = re.search(r"since=(\d+)", first.content.decode()).group(1)
    assert client.get(url("pipeline-changes", job, since=since)).status_code == 204
    Application.objects.filter(pk=application.pk).update(
        current_stage=stages[1], changed_at=timezone.now() + timedelta(seconds=1)
    )
    changed = client.get(url("pipeline-changes", job, since=since))
    assert changed.status_code == 200 and "pipeline-changed" in json.loads(changed["HX-Trigger"])
    newer = re.search(r"since=(\d+)", changed.content.decode()).group(1)
    assert int(newer) > int(since) and 'id="pipeline-poller"' in changed.content.decode()
    assert client.get(url("pipeline-changes", job, since=newer)).status_code == 204


def test_changes_notices_new_scores_and_other_jobs_do_not_count(cast, job, stages):
    application = apply(cast, job, stages[0])
    client = client_for(cast.viewer)
    since = re.search(r"since=(\d+)", client.get(url("pipeline-changes", job)).content.decode()).group(1)
    ApplicationFactory(connection=cast.connection, changed_at=timezone.now() + timedelta(seconds=5))
    assert client.get(url("pipeline-changes", job, since=since)).status_code == 204
    ScoreFactory(application=application, computed_at=timezone.now() + timedelta(seconds=5))
    assert client.get(url("pipeline-changes", job, since=since)).status_code == 200


def test_changes_costs_one_query_beyond_the_session(cast, job, stages, django_assert_max_num_queries):
    apply(cast, job, stages[0])
    client = client_for(cast.viewer)
    client.get(url("pipeline-changes", job))
    with django_assert_max_num_queries(4):  # session, user, membership, the stamp
        assert client.get(url("pipeline-changes", job, since="1")).status_code == 200


def test_stamp_tokens_round_trip_exactly():
    moment = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert views_pipeline.token_to_stamp(views_pipeline.stamp_to_token(moment)) == moment
    assert views_pipeline.token_to_stamp("1772600767") == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert views_pipeline.token_to_stamp("1772600767891") == datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
    assert views_pipeline.token_to_stamp("2026-03-04T05:06:07+00:00") == datetime(
        2026, 3, 4, 5, 6, 7, tzinfo=UTC
    )
    assert views_pipeline.token_to_stamp("yesterday") is None and views_pipeline.token_to_stamp("") is None
