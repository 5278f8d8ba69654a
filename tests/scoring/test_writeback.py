from __future__ import annotations

import pytest

from apps.candidates.models import Application
from apps.integrations.models import WritebackAction, WritebackKind, WritebackSource
from apps.scoring import services
from apps.scoring.models import Score, Tier
from apps.scoring.writeback import score_write_back, tier_note, writeback_catch_up, writeback_preview
from tests.scoring.factories import (
    WEAK_RESUME,
    ScoringSettingsFactory,
    application_with_resume,
    job_to_score,
)

pytestmark = pytest.mark.django_db


def score_all(workspace):
    return services.score_applications(Application.objects.for_workspace(workspace))


def actions(**filters):
    return list(WritebackAction.objects.filter(**filters).order_by("pk"))


@pytest.fixture
def strong(cast):
    return application_with_resume(cast.connection, job=job_to_score(cast.connection))


def test_a_new_tier_enqueues_exactly_one_tag_and_one_note(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace)
    summary = score_all(cast.workspace)
    score = Score.objects.get(application=strong)
    assert score.tier == Tier.TIER_1
    sent = actions(application=strong)
    assert [a.kind for a in sent] == [WritebackKind.ADD_TAG, WritebackKind.ADD_NOTE]
    assert sent[0].payload["tag"] == "Recruitdesk: Tier 1 match"
    assert "fit score: " in sent[1].payload["text"] and "Tier 1" in sent[1].payload["text"]
    assert {a.source for a in sent} == {WritebackSource.SCORING}
    assert summary.written_back == 1
    assert score.written_tier == Tier.TIER_1


def test_an_unchanged_score_enqueues_nothing_more(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace)
    score_all(cast.workspace)
    score_all(cast.workspace)
    services.score_applications(Application.objects.all(), force=True)  # same inputs, same tier
    assert len(actions(application=strong)) == 2


def test_a_retry_after_a_crash_does_not_duplicate(cast, strong):
    settings = ScoringSettingsFactory(workspace=cast.workspace)
    score_all(cast.workspace)
    # The worker died after enqueueing but before recording the written tier: the next pass retries.
    Score.objects.filter(application=strong).update(written_tier="")
    score_write_back(Score.objects.get(application=strong), settings)
    assert len(actions(application=strong)) == 2


def test_a_tier_change_removes_the_previous_tag_and_explains_the_change(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace)
    score_all(cast.workspace)
    resume = strong.attachments.get()
    resume.extracted_text = WEAK_RESUME
    resume.save()
    strong.candidate.headline = "Pastry chef"
    strong.candidate.save()
    score_all(cast.workspace)
    score = Score.objects.get(application=strong)
    assert score.tier == Tier.NOT_A_MATCH
    later = actions(application=strong)[2:]
    assert [(a.kind, a.payload.get("tag")) for a in later] == [
        (WritebackKind.REMOVE_TAG, "Recruitdesk: Tier 1 match"),
        (WritebackKind.ADD_NOTE, None),
    ]
    assert "(was Tier 1)" in later[1].payload["text"]


def test_nothing_is_enqueued_while_write_back_is_off(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace, writeback_enabled=False)
    score_all(cast.workspace)
    assert actions() == []
    assert Score.objects.get(application=strong).written_tier == ""


def test_nothing_is_enqueued_for_a_workspace_that_never_saved_settings(cast, strong):
    score_all(cast.workspace)
    assert actions() == []


def test_a_first_non_match_sends_nothing(cast):
    ScoringSettingsFactory(workspace=cast.workspace)
    application_with_resume(
        cast.connection,
        job=job_to_score(cast.connection),
        text=WEAK_RESUME,
        candidate__headline="Pastry chef",
    )
    score_all(cast.workspace)
    assert Score.objects.get().tier == Tier.NOT_A_MATCH
    assert actions() == []


def test_archived_applications_are_scored_but_not_written_back(cast):
    ScoringSettingsFactory(workspace=cast.workspace)
    application_with_resume(cast.connection, job=job_to_score(cast.connection), outcome="rejected")
    score_all(cast.workspace)
    assert Score.objects.count() == 1
    assert actions() == []


def test_notes_can_be_turned_off(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace, write_notes=False, tier_1_tag="Top fit")
    score_all(cast.workspace)
    assert [(a.kind, a.payload.get("tag")) for a in actions()] == [(WritebackKind.ADD_TAG, "Top fit")]


def test_preview_lists_what_would_be_sent_without_sending(cast, strong):
    ScoringSettingsFactory(workspace=cast.workspace, writeback_enabled=False)
    score_all(cast.workspace)
    plans, pending = writeback_preview(cast.workspace)
    assert pending == 1
    assert plans[0].add_tag == "Recruitdesk: Tier 1 match" and "Strongest reasons" in plans[0].note
    assert actions() == []


def test_turning_write_back_on_sends_the_pending_tiers_once(cast, strong):
    settings = ScoringSettingsFactory(workspace=cast.workspace, writeback_enabled=False)
    score_all(cast.workspace)
    settings.writeback_enabled = True
    settings.save()
    assert writeback_catch_up(cast.workspace) == 1
    assert writeback_catch_up(cast.workspace) == 0
    assert len(actions(application=strong)) == 2


def test_the_note_quotes_evidence_for_each_reason(cast, strong):
    score_all(cast.workspace)
    note = tier_note(Score.objects.get(application=strong))
    assert "“Built payment services in Python" in note
    assert "Gaps:" in note or "Strongest reasons:" in note
