"""The pipeline read model: columns, card order, every filter, facets, the list order, change stamps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.candidates.models import Application
from apps.integrations.models import WritebackKind, WritebackStatus
from apps.jobs import pipeline
from apps.jobs.pipeline import PipelineFilters
from tests.candidates.factories import ApplicationFactory, CandidateFactory, TagFactory
from tests.integrations.factories import AtsUserFactory, WritebackActionFactory
from tests.jobs.factories import JobFactory, JobStageFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(cast):
    return JobFactory(connection=cast.connection, name="Backend Engineer")


@pytest.fixture
def stages(job):
    """Three stages whose pipeline positions disagree with their creation (and global) order."""
    screen = JobStageFactory(job=job, position=1, stage__name="Phone screen").stage
    new = JobStageFactory(job=job, position=0, stage__name="New applicant").stage
    onsite = JobStageFactory(job=job, position=2, stage__name="On-site").stage
    return new, screen, onsite


def apply(cast, job, stage, *, score=None, tier="tier_2", reason="", candidate=None, **fields):
    candidate = candidate or {}
    application = ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stage,
        candidate=CandidateFactory(connection=cast.connection, **candidate),
        **fields,
    )
    if score is not None:
        explanation = {"reasons": [{"text": reason, "evidence": "resume"}]} if reason else {}
        ScoreFactory(application=application, score=score, tier=tier, explanation=explanation)
    return application


def board_of(job, filters=None, per_column=pipeline.PER_COLUMN):
    filters = filters or PipelineFilters()
    stages = pipeline.pipeline_stages(workspace_id=job.workspace_id, job_id=job.pk, filters=filters)
    return pipeline.pipeline_board(job=job, stages=stages, filters=filters, per_column=per_column)


def shown(job, **filters):
    """The pks on the board for these filters (query-string values, as a person would send them)."""
    board = board_of(job, PipelineFilters.from_query(filters))
    return {card.pk for column in board.columns for card in column.cards}


def test_columns_follow_the_job_stage_positions_with_their_counts(cast, job, stages):
    new, screen, onsite = stages
    apply(cast, job, screen)
    apply(cast, job, screen)
    apply(cast, job, onsite)
    board = board_of(job)
    assert [column.stage.name for column in board.columns] == ["New applicant", "Phone screen", "On-site"]
    assert [column.count for column in board.columns] == [0, 2, 1]
    assert board.total == 3
    assert [column.stage.pk for column in board.columns] == [new.pk, screen.pk, onsite.pk]


def test_pipeline_stages_bring_their_job_and_skip_other_workspaces(cast, job, stages):
    found = pipeline.pipeline_stages(workspace_id=job.workspace_id, job_id=job.pk, filters=PipelineFilters())
    assert found[0].job == job and found[0].job.name == "Backend Engineer"
    elsewhere = pipeline.pipeline_stages(
        workspace_id=cast.other_workspace.pk, job_id=job.pk, filters=PipelineFilters()
    )
    assert elsewhere == []


def test_cards_are_ordered_by_score_with_unscored_last(cast, job, stages):
    new = stages[0]
    unscored = apply(cast, job, new)
    low = apply(cast, job, new, score=41)
    high = apply(cast, job, new, score=92, tier="tier_1", reason="Six years of Python")
    middle = apply(cast, job, new, score=67)
    cards = board_of(job).columns[0].cards
    assert [card.pk for card in cards] == [high.pk, middle.pk, low.pk, unscored.pk]
    assert cards[0].score == 92 and cards[0].tier_label == "Tier 1"
    assert cards[0].top_reason == "Six years of Python"
    assert cards[-1].tier_label == "Not scored" and cards[-1].top_reason == ""


def test_each_column_shows_its_best_cards_and_counts_the_rest(cast, job, stages):
    new, screen, _ = stages
    scores = [10, 90, 50, 70, 30]
    for score in scores:
        apply(cast, job, new, score=score)
    apply(cast, job, screen, score=5)
    board = board_of(job, per_column=3)
    first, second, third = board.columns
    assert [card.score for card in first.cards] == [90, 70, 50]
    assert (first.count, first.hidden) == (5, 2)
    assert [card.score for card in second.cards] == [5] and second.hidden == 0
    assert third.cards == [] and third.count == 0


def test_days_in_stage_are_counted_from_stage_entry(cast, job, stages):
    # Calendar days in the site's time zone: noon nine days ago is 9 whatever the time of the run
    # (nine days and an hour ago was 10 between midnight and one o'clock).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    apply(cast, job, stages[0], stage_entered_at=noon - timedelta(days=9))
    apply(cast, job, stages[0], stage_entered_at=None)
    assert {card.days_in_stage for card in board_of(job).columns[0].cards} == {9, None}


def test_the_board_never_shows_other_jobs_or_workspaces(cast, job, stages):
    mine = apply(cast, job, stages[0])
    other_job = JobFactory(connection=cast.connection)
    ApplicationFactory(connection=cast.connection, job=other_job, current_stage=stages[0])
    # Another workspace's application pointing at our job and stage (corrupt data must not leak).
    foreign = ApplicationFactory(connection=cast.other_connection)
    Application.objects.filter(pk=foreign.pk).update(job=job, current_stage=stages[0])
    ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stages[0], remote_deleted_at=timezone.now()
    )
    assert shown(job) == {mine.pk}
    assert board_of(job).columns[0].count == 1


def test_archived_shows_hired_and_rejected_instead_of_active(cast, job, stages):
    active = apply(cast, job, stages[0])
    hired = apply(cast, job, stages[2], outcome="hired")
    rejected = apply(cast, job, stages[1], outcome="rejected")
    assert shown(job) == {active.pk}
    assert shown(job, archived="1") == {hired.pk, rejected.pk}


@pytest.mark.parametrize(
    "query",
    ["ada", "ADA@EXAMPLE", "rust compilers", "initech"],
)
def test_search_matches_name_email_headline_and_company(cast, job, stages, query):
    ada = apply(
        cast,
        job,
        stages[0],
        candidate={
            "name": "Ada Lovelace",
            "email": "ada@example.net",
            "headline": "Rust compilers",
            "current_company": "Initech",
        },
    )
    apply(cast, job, stages[0], candidate={"name": "Grace Hopper", "headline": "COBOL", "email": "g@h.org"})
    assert shown(job, q=query) == {ada.pk}


def test_tier_filter(cast, job, stages):
    first = apply(cast, job, stages[0], score=90, tier="tier_1")
    apply(cast, job, stages[0], score=60, tier="tier_2")
    unscored = apply(cast, job, stages[0])
    assert shown(job, tier="tier_1") == {first.pk}
    assert shown(job, tier="unscored") == {unscored.pk}
    assert len(shown(job, tier="nonsense")) == 3


def test_minimum_score_filter(cast, job, stages):
    high = apply(cast, job, stages[0], score=80)
    edge = apply(cast, job, stages[1], score=70)
    apply(cast, job, stages[0], score=69.5)
    apply(cast, job, stages[0])
    assert shown(job, min_score="70") == {high.pk, edge.pk}


def test_tag_filter(cast, job, stages):
    python = TagFactory(connection=cast.connection, name="python")
    tagged = apply(cast, job, stages[0])
    tagged.tags.add(python, TagFactory(connection=cast.connection, name="remote"))
    apply(cast, job, stages[0]).tags.add(TagFactory(connection=cast.connection, name="java"))
    assert shown(job, tag=str(python.pk)) == {tagged.pk}


def test_source_filter_matches_whole_sources_only(cast, job, stages):
    linkedin = apply(cast, job, stages[0], sources=["LinkedIn", "Referral"])
    apply(cast, job, stages[0], sources=["LinkedIn Recruiter"])
    apply(cast, job, stages[0], sources=[])
    accents = apply(cast, job, stages[0], sources=["Salon de l'emploi à Lyon"])
    assert shown(job, source="LinkedIn") == {linkedin.pk}
    assert shown(job, source="Referral") == {linkedin.pk}
    assert shown(job, source="Salon de l'emploi à Lyon") == {accents.pk}


def test_origin_filter(cast, job, stages):
    referred = apply(cast, job, stages[0], origin="referred")
    apply(cast, job, stages[0], origin="applied")
    assert shown(job, origin="referred") == {referred.pk}


def test_owner_filter_and_unowned(cast, job, stages):
    owner = AtsUserFactory(connection=cast.connection, name="Rita Recruiter")
    owned = apply(cast, job, stages[0], owner=owner)
    apply(cast, job, stages[0], owner=AtsUserFactory(connection=cast.connection))
    nobody = apply(cast, job, stages[0])
    assert shown(job, owner=str(owner.pk)) == {owned.pk}
    assert shown(job, owner="none") == {nobody.pk}


def test_counts_follow_the_filters(cast, job, stages):
    apply(cast, job, stages[0], score=90, tier="tier_1")
    apply(cast, job, stages[0], score=50, tier="tier_3")
    apply(cast, job, stages[1], score=95, tier="tier_1")
    board = board_of(job, PipelineFilters(tier="tier_1"))
    assert [column.count for column in board.columns] == [1, 1, 0]


def test_filters_from_a_query_string_drop_junk():
    filters = PipelineFilters.from_query(
        {"q": "  ada ", "tier": "tier_9", "min_score": "-5", "tag": "x", "owner": "1;drop", "origin": "moon"}
    )
    assert filters == PipelineFilters(q="ada")
    assert PipelineFilters.from_query({"min_score": "250"}).min_score == 100
    assert not PipelineFilters(archived=True).active and PipelineFilters(tag=3).active


def test_querystring_keeps_the_filters_and_applies_changes():
    filters = PipelineFilters(q="ada lovelace", tier="tier_1", archived=True)
    assert filters.querystring() == "?q=ada+lovelace&tier=tier_1&archived=1"
    assert filters.querystring(stage=7) == "?q=ada+lovelace&tier=tier_1&archived=1&stage=7"
    assert PipelineFilters().querystring() == ""


def test_open_and_recently_failed_moves_reach_their_cards(cast, job, stages):
    moving = apply(cast, job, stages[0])
    failed = apply(cast, job, stages[0])
    done = apply(cast, job, stages[0])
    tagged = apply(cast, job, stages[0])
    pending = WritebackActionFactory(
        connection=cast.connection, application=moving, kind=WritebackKind.MOVE_STAGE, status="pending"
    )
    WritebackActionFactory(
        connection=cast.connection,
        application=failed,
        kind=WritebackKind.MOVE_STAGE,
        status=WritebackStatus.FAILED,
        completed_at=timezone.now(),
        last_error="Stage not found",
    )
    WritebackActionFactory(
        connection=cast.connection, application=done, kind=WritebackKind.MOVE_STAGE, status="succeeded"
    )
    WritebackActionFactory(connection=cast.connection, application=tagged, kind=WritebackKind.ADD_TAG)
    cards = {card.pk: card for card in board_of(job).columns[0].cards}
    assert cards[moving.pk].writeback == pending
    assert cards[failed.pk].writeback.last_error == "Stage not found"
    assert cards[done.pk].writeback is None and cards[tagged.pk].writeback is None


def test_facets_list_what_the_job_uses(cast, job, stages):
    rita = AtsUserFactory(connection=cast.connection, name="Rita")
    nameless = AtsUserFactory(connection=cast.connection, name="", email="sam@example.com")
    first = apply(cast, job, stages[0], owner=rita, sources=["LinkedIn", "Referral"])
    first.tags.add(TagFactory(connection=cast.connection, name="python"))
    apply(cast, job, stages[1], owner=nameless, sources=["LinkedIn"], outcome="rejected")
    elsewhere = ApplicationFactory(connection=cast.connection, sources=["Job board"])
    elsewhere.tags.add(TagFactory(connection=cast.connection, name="elsewhere"))
    facets = pipeline.pipeline_facets(job=job)
    assert [name for _, name in facets.tags] == ["python"]
    assert [name for _, name in facets.owners] == ["Rita", "sam@example.com"]
    assert facets.sources == ["LinkedIn", "Referral"]


def list_of(job, sort, **filters):
    filters = PipelineFilters.from_query(filters)
    stages = pipeline.pipeline_stages(workspace_id=job.workspace_id, job_id=job.pk, filters=filters)
    return pipeline.cards_from(pipeline.pipeline_list(job=job, stages=stages, filters=filters, sort=sort))


def test_list_sorts_by_each_column(cast, job, stages):
    new, screen, onsite = stages
    now = timezone.now()
    zed = apply(
        cast,
        job,
        onsite,
        score=40,
        tier="tier_3",
        candidate={"name": "Zed"},
        applied_at=now - timedelta(days=1),
        stage_entered_at=now - timedelta(days=1),
        sources=["Referral"],
        owner=AtsUserFactory(connection=cast.connection, name="Bea"),
    )
    amy = apply(
        cast,
        job,
        new,
        score=90,
        tier="tier_1",
        candidate={"name": "Amy"},
        applied_at=now - timedelta(days=30),
        stage_entered_at=now - timedelta(days=20),
        sources=["Agency"],
        owner=AtsUserFactory(connection=cast.connection, name="Al"),
    )
    max_ = apply(
        cast,
        job,
        screen,
        candidate={"name": "Max"},
        applied_at=now - timedelta(days=5),
        stage_entered_at=now - timedelta(days=5),
        sources=["LinkedIn"],
    )

    def order(sort):
        return [application.pk for application in list_of(job, sort)]

    assert order("name") == [amy.pk, max_.pk, zed.pk]
    assert order("-name") == [zed.pk, max_.pk, amy.pk]
    assert order("stage") == [amy.pk, max_.pk, zed.pk]  # pipeline positions, not names
    assert order("-stage") == [zed.pk, max_.pk, amy.pk]
    assert order("-score") == [amy.pk, zed.pk, max_.pk]  # unscored last
    assert order("score") == [zed.pk, amy.pk, max_.pk]  # unscored last both ways
    assert order("tier") == [amy.pk, zed.pk, max_.pk]
    assert order("-days") == [amy.pk, max_.pk, zed.pk]  # longest in stage first
    assert order("days") == [zed.pk, max_.pk, amy.pk]
    assert order("-applied") == [zed.pk, max_.pk, amy.pk]
    assert order("source") == [amy.pk, max_.pk, zed.pk]
    assert order("owner") == [amy.pk, zed.pk, max_.pk]  # unowned last
    assert order("bogus") == order("-score")


def test_list_pages_follow_the_list_order_and_count_from_the_stage_counts(
    cast, job, stages, django_assert_num_queries
):
    """The paginated list (`ListPages`): a page cut on the sort key, then its card rows, is the same
    slice of `pipeline_list`; its total comes with the stages (no count query) and matches one."""
    new, screen, _ = stages
    now = timezone.now()
    for n in range(7):
        apply(
            cast,
            job,
            [new, screen, None][n % 3],
            score=[50, 50, None, 20, 90, 50, None][n],
            candidate={"name": f"Person {n % 4}"},
            applied_at=now - timedelta(days=n % 2),
            stage_entered_at=None if n == 3 else now - timedelta(days=n),
            sources=[["LinkedIn"], [], ["Agency", "LinkedIn"]][n % 3],
        )
    apply(cast, job, screen, outcome="rejected")
    for sort in ("name", "-stage", "-score", "score", "tier", "days", "-applied", "source", "owner"):
        for query in (
            {},
            {"stage": str(screen.pk)},
            {"stage": str(new.pk), "min_score": "30"},
            {"tier": "unscored"},
        ):
            filters = PipelineFilters.from_query(query)
            stages_ = pipeline.pipeline_stages(workspace_id=job.workspace_id, job_id=job.pk, filters=filters)
            pages = pipeline.pipeline_list_pages(job=job, stages=stages_, filters=filters, sort=sort)
            whole = list_of(job, sort, **query)
            with django_assert_num_queries(0):
                total = pages.count()
            assert total == len(whole)
            assert [
                card.pk for start in range(0, 8, 3) for card in pipeline.cards_from(pages[start : start + 3])
            ] == [card.pk for card in whole], (sort, query)


def test_list_filters_by_stage(cast, job, stages):
    screened = apply(cast, job, stages[1])
    apply(cast, job, stages[0])
    assert [a.pk for a in list_of(job, "name", stage=str(stages[1].pk))] == [screened.pk]


def test_last_change_moves_with_applications_scores_and_writebacks(cast, job, stages):
    jobs = job.__class__.objects.all()
    found, empty = pipeline.pipeline_last_change(jobs=jobs, job_id=job.pk)
    assert found and empty is None
    application = apply(cast, job, stages[0])
    _, created = pipeline.pipeline_last_change(jobs=jobs, job_id=job.pk)
    assert created is not None
    later = created + timedelta(seconds=5)
    Application.objects.filter(pk=application.pk).update(changed_at=later)
    assert pipeline.pipeline_last_change(jobs=jobs, job_id=job.pk) == (True, later)
    score = ScoreFactory(application=application, computed_at=later + timedelta(seconds=5))
    assert pipeline.pipeline_last_change(jobs=jobs, job_id=job.pk)[1] == score.computed_at
    action = WritebackActionFactory(connection=cast.connection, application=application)
    assert pipeline.pipeline_last_change(jobs=jobs, job_id=job.pk)[1] >= action.created_at
    assert pipeline.pipeline_last_change(jobs=jobs.none(), job_id=job.pk) == (False, None)
