from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.candidates.models import Application
from apps.scoring import engine, services
from apps.scoring.models import Score, Tier
from tests.candidates.factories import ApplicationFactory, AttachmentFactory, TagFactory
from tests.scoring.factories import WEAK_RESUME, application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


def score_all(workspace, **options):
    return services.score_applications(Application.objects.for_workspace(workspace), **options)


@pytest.fixture
def pipeline(cast):
    """One job with a strong and a weak applicant, and a second job the strong one also applied to."""
    job = job_to_score(cast.connection)
    other_job = job_to_score(cast.connection, name="Platform Engineer")
    strong = application_with_resume(cast.connection, job=job, candidate__name="Ada Lovelace")
    weak = application_with_resume(cast.connection, job=job, text=WEAK_RESUME)
    strong_elsewhere = ApplicationFactory(
        connection=cast.connection, job=other_job, candidate=strong.candidate
    )
    return job, other_job, strong, weak, strong_elsewhere


def test_first_run_scores_every_application_to_a_job_but_not_leads(cast, pipeline):
    job, _, strong, weak, _ = pipeline
    ApplicationFactory(connection=cast.connection, job=None)
    summary = score_all(cast.workspace)
    assert (summary.scored, summary.unchanged, summary.failed) == (3, 0, 0)
    strong_score, weak_score = Score.objects.get(application=strong), Score.objects.get(application=weak)
    assert strong_score.score > weak_score.score
    assert strong_score.tier in Tier.values
    assert strong_score.engine_version == engine.ENGINE_VERSION
    assert strong_score.explanation["requirements"]
    assert strong_score.job_id == job.pk and strong_score.candidate_id == strong.candidate_id


def test_unchanged_inputs_are_not_rescored(cast, pipeline):
    score_all(cast.workspace)
    before = dict(Score.objects.values_list("pk", "computed_at"))
    with mock.patch.object(engine, "score_prepared", wraps=engine.score_prepared) as scored:
        summary = score_all(cast.workspace)
    assert scored.call_count == 0
    assert (summary.scored, summary.unchanged) == (0, 3)
    assert dict(Score.objects.values_list("pk", "computed_at")) == before


def test_candidate_features_are_extracted_once_and_shared_across_their_jobs(cast, pipeline):
    with mock.patch.object(engine, "extract_candidate", wraps=engine.extract_candidate) as extracted:
        score_all(cast.workspace)
    assert extracted.call_count == 2  # two people, three applications


def test_a_candidate_edit_rescores_only_that_candidates_pairs(cast, pipeline):
    _, _, strong, weak, strong_elsewhere = pipeline
    score_all(cast.workspace)
    before = dict(Score.objects.values_list("application_id", "computed_at"))
    strong.candidate.headline = "Staff engineer, payments"
    strong.candidate.save()
    summary = score_all(cast.workspace)
    after = dict(Score.objects.values_list("application_id", "computed_at"))
    assert summary.scored == 2
    assert after[weak.pk] == before[weak.pk]
    assert after[strong.pk] > before[strong.pk] and after[strong_elsewhere.pk] > before[strong_elsewhere.pk]


def test_a_new_resume_text_lowers_the_score_and_is_picked_up_after_a_sync(cast, pipeline):
    _, _, strong, _, _ = pipeline
    services.score_changed(cast.connection)
    old = Score.objects.get(application=strong)
    AttachmentFactory(
        application=strong,
        kind="resume",
        extracted_text=WEAK_RESUME,
        uploaded_at=timezone.now() + timedelta(days=1),
        changed_at=timezone.now() + timedelta(seconds=1),
    )
    summary = services.score_changed(cast.connection)
    assert summary.scored == 2  # the strong candidate's two applications, nothing else
    assert Score.objects.get(application=strong).score < old.score


def test_a_profile_edit_rescores_the_jobs_pipeline_in_the_background(
    cast, pipeline, django_capture_on_commit_callbacks
):
    from apps.scoring.profiles import scoring_profile_update

    job, other_job, strong, weak, strong_elsewhere = pipeline
    score_all(cast.workspace)
    before = dict(Score.objects.values_list("application_id", "computed_at"))
    with django_capture_on_commit_callbacks(execute=True):
        scoring_profile_update(job=job, user=cast.recruiter, must_haves=["Rust", "Erlang"])
    after = dict(Score.objects.values_list("application_id", "computed_at"))
    assert after[strong.pk] > before[strong.pk] and after[weak.pk] > before[weak.pk]
    assert after[strong_elsewhere.pk] == before[strong_elsewhere.pk]
    requirements = [r["text"] for r in Score.objects.get(application=strong).explanation["requirements"]]
    assert "Rust" in requirements


def test_an_engine_version_change_rescores_everything(cast, pipeline):
    score_all(cast.workspace)
    Score.objects.update(engine_version="2000.1")
    summary = score_all(cast.workspace)
    assert summary.scored == 3
    assert set(Score.objects.values_list("engine_version", flat=True)) == {engine.ENGINE_VERSION}


def test_outdated_scores_are_rescored_chunk_by_chunk_in_the_background(
    cast, pipeline, settings, django_capture_on_commit_callbacks
):
    from apps.scoring.tasks import rescore_outdated

    settings.SCORING_CHUNK_SIZE = 1
    score_all(cast.workspace)
    Score.objects.update(engine_version="2000.1")
    with django_capture_on_commit_callbacks(execute=True):
        rescore_outdated()  # one chunk, then it queues the next (run inline by the test broker)
    assert not Score.objects.exclude(engine_version=engine.ENGINE_VERSION).exists()


def test_moved_cut_offs_change_the_tier_without_running_the_engine(cast, pipeline, settings):
    _, _, strong, _, _ = pipeline
    score_all(cast.workspace)
    value = Score.objects.get(application=strong).score
    settings.SCORING_TIER_CUTOFFS = [value + 3, value + 2, value + 1]
    with mock.patch.object(engine, "score_prepared") as scored:
        score_all(cast.workspace)
    assert scored.call_count == 0
    assert Score.objects.get(application=strong).tier == Tier.NOT_A_MATCH


def test_force_rescores_unchanged_pairs(cast, pipeline):
    score_all(cast.workspace)
    assert score_all(cast.workspace, force=True).scored == 3


def test_personal_data_is_listed_as_excluded_and_never_changes_the_score(cast, pipeline):
    _, _, strong, _, _ = pipeline
    score_all(cast.workspace)
    first = Score.objects.get(application=strong)
    assert "name" in first.explanation["excluded"]
    strong.candidate.name, strong.candidate.email, strong.candidate.emails = (
        "Grace Hopper",
        "g@x.org",
        ["g@x.org"],
    )
    strong.candidate.save()
    score_all(cast.workspace)
    assert Score.objects.get(application=strong).score == first.score


def test_recruitdesk_tier_tags_do_not_feed_back_into_the_score(cast, pipeline):
    _, _, strong, _, _ = pipeline
    score_all(cast.workspace)
    strong.tags.add(TagFactory(connection=cast.connection, name="Recruitdesk: Tier 1 match"))
    assert score_all(cast.workspace).scored == 0


def test_after_sync_task_scores_new_applications_and_skips_the_rest(cast, pipeline):
    from apps.scoring.tasks import scoring_after_sync

    job, *_ = pipeline
    assert scoring_after_sync(cast.connection.pk)["scored"] == 3
    newcomer = application_with_resume(cast.connection, job=job)
    result = scoring_after_sync(cast.connection.pk)
    assert (result["scored"], result["unchanged"]) == (1, 0)  # only the newcomer was even looked at
    assert Score.objects.filter(application=newcomer).exists()


def test_after_sync_leaves_other_workspaces_alone(cast, pipeline):
    from apps.scoring.tasks import scoring_after_sync

    other = application_with_resume(cast.other_connection, job=job_to_score(cast.other_connection))
    scoring_after_sync(cast.connection.pk)
    assert not Score.objects.filter(application=other).exists()


def test_an_application_that_lost_its_job_loses_its_score(cast, pipeline):
    _, _, _, weak, _ = pipeline
    services.score_changed(cast.connection)
    Application.objects.filter(pk=weak.pk).update(job=None)
    services.score_changed(cast.connection)
    assert not Score.objects.filter(application=weak).exists()
