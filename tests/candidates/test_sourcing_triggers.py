"""Export triggers per job: each fires exactly when it should, once, and never retroactively."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.candidates import sourcing
from apps.candidates.models import CandidateExport, ExportCause, ExportStatus
from apps.candidates.sourcing import (
    NewCandidate,
    candidate_add,
    candidate_export,
    export_triggers_after_contact_change,
    export_triggers_after_scoring,
)
from apps.candidates.sourcing_triggers import export_triggers_on_add, job_export_settings_update
from apps.integrations.models import WritebackAction, WritebackSource
from apps.jobs.models import ExportTrigger
from apps.scoring.models import Score
from apps.scoring.services import score_applications
from tests.candidates.factories import ApplicationFactory
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory
from tests.scoring.factories import ScoreFactory

pytestmark = pytest.mark.django_db

WITH_EMAIL = NewCandidate(name="Ada Lovelace", emails=("ada@new.example",))
NO_CONTACT = NewCandidate(name="Ada Lovelace", linkedin_url="linkedin.com/in/ada-lovelace")


@pytest.fixture
def job(cast):
    AtsUserFactory(connection=cast.connection, email=cast.recruiter.email)  # so exports can be attributed
    return JobFactory(connection=cast.connection)


def set_trigger(cast, job, trigger, tier=""):
    return job_export_settings_update(job=job, trigger=trigger, tier=tier, by=cast.recruiter)


def add(cast, job, new=WITH_EMAIL, **options):
    return candidate_add(workspace=cast.workspace, new=new, requested_by=cast.recruiter, job=job, **options)


def before_the_trigger(cast, job, trigger, tier="", new=WITH_EMAIL):
    """A person added to the job, then the trigger chosen a moment later."""
    result = add(cast, job, new=new)
    settings = set_trigger(cast, job, trigger, tier)
    settings.trigger_set_at = result.candidate.created_at + timedelta(seconds=1)
    settings.save()
    return result


def exports():
    return list(CandidateExport.objects.order_by("pk"))


def score(application, tier):
    return ScoreFactory(
        application=application, tier=tier, score={"tier_1": 90, "tier_2": 65, "tier_3": 50}.get(tier, 10)
    )


# -- settings -------------------------------------------------------------------------------------------------


def test_a_new_trigger_or_tier_restarts_the_clock_and_saving_the_same_does_not(cast, job):
    first = set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_2")
    started = first.trigger_set_at
    assert started is not None and first.updated_by == cast.recruiter
    assert set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_2").trigger_set_at == started
    assert set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_1").trigger_set_at > started
    assert set_trigger(cast, job, ExportTrigger.NEVER).trigger_set_at is None
    assert set_trigger(cast, job, ExportTrigger.CONTACT_FOUND, "tier_1").tier == ""  # tier only for tiers


def test_no_trigger_and_never_export_nothing(cast, job):
    assert add(cast, job).export is None
    set_trigger(cast, job, ExportTrigger.NEVER)
    result = add(cast, job, new=NewCandidate(name="Grace", emails=("grace@new.example",)))
    assert result.export is None and result.waiting_for == "only with the Export to ATS button"
    assert exports() == []


# -- added to the pipeline ---------------------------------------------------------------------------------------


def test_added_to_the_pipeline_fires_when_the_application_is_created_and_only_once(cast, job):
    set_trigger(cast, job, ExportTrigger.ADDED_TO_PIPELINE)
    result = add(cast, job)
    export = result.export
    assert (export.trigger, export.status, export.source) == (
        ExportCause.ADDED_TO_PIPELINE,
        ExportStatus.PENDING,
        WritebackSource.EXPORT_TRIGGER,
    )
    assert export.action.source == WritebackSource.EXPORT_TRIGGER
    assert export.action.requested_by == cast.recruiter
    assert export_triggers_on_add(result.candidate, result.application) is None
    assert exports() == [export] and WritebackAction.objects.count() == 1


def test_added_to_the_pipeline_exports_nothing_for_a_lead(cast, job):
    set_trigger(cast, job, ExportTrigger.ADDED_TO_PIPELINE)
    result = add(cast, None)
    assert result.export is None and result.waiting_for == "only with the Export to ATS button"


def test_added_to_the_pipeline_never_fires_retroactively(cast, job):
    result = before_the_trigger(cast, job, ExportTrigger.ADDED_TO_PIPELINE)
    assert export_triggers_on_add(result.candidate, result.application) is None
    assert exports() == []
    # The button covers people added before the trigger.
    assert (
        candidate_export(candidate=result.candidate, requested_by=cast.recruiter).status
        == ExportStatus.PENDING
    )


# -- contact information found -----------------------------------------------------------------------------------


def test_contact_found_fires_at_add_time_when_an_email_or_phone_exists(cast, job):
    set_trigger(cast, job, ExportTrigger.CONTACT_FOUND)
    assert add(cast, job).export.trigger == ExportCause.CONTACT_FOUND
    by_phone = add(cast, job, new=NewCandidate(name="Grace", phones=("+1 555 0100",)))
    assert by_phone.export.trigger == ExportCause.CONTACT_FOUND
    assert len(exports()) == 2


def test_contact_found_waits_for_contact_information_then_fires_once(cast, job):
    set_trigger(cast, job, ExportTrigger.CONTACT_FOUND)
    result = add(cast, job, new=NO_CONTACT)
    assert result.export is None
    assert result.waiting_for == "once they have contact information (an email or a phone)"
    candidate = result.candidate
    assert export_triggers_after_contact_change(candidate) == []  # still nothing to contact them by
    candidate.emails, candidate.email = ["ada@later.example"], "ada@later.example"
    candidate.save()
    [export] = export_triggers_after_contact_change(candidate)
    assert (export.trigger, export.application) == (ExportCause.CONTACT_FOUND, result.application)
    assert export.action.requested_by == cast.recruiter  # the member who added them
    assert export_triggers_after_contact_change(candidate) == []
    assert exports() == [export]


def test_contact_found_never_fires_retroactively(cast, job):
    result = before_the_trigger(cast, job, ExportTrigger.CONTACT_FOUND, new=NO_CONTACT)
    candidate = result.candidate
    candidate.phones = [{"value": "+1 555 0100"}]
    candidate.save()
    assert export_triggers_after_contact_change(candidate) == []
    assert exports() == []


# -- the fit score reaches a tier --------------------------------------------------------------------------------


def test_a_tier_fires_at_that_tier_or_better_only_once(cast, job):
    set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_2")
    result = add(cast, job)
    assert result.export is None and result.waiting_for == "when their fit score reaches Tier 2 or better"
    application = result.application
    assert export_triggers_after_scoring([score(application, "tier_3")]) == 0
    Score.objects.all().delete()
    assert export_triggers_after_scoring([score(application, "tier_1")]) == 1
    [export] = exports()
    assert (export.trigger, export.source) == (ExportCause.TIER_REACHED, WritebackSource.EXPORT_TRIGGER)
    assert export_triggers_after_scoring(Score.objects.all()) == 0
    assert exports() == [export]


def test_people_added_with_never_export_are_left_alone_by_every_trigger(cast, job):
    set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_2")
    kept_local = add(cast, job, export=False)
    assert export_triggers_after_scoring([score(kept_local.application, "tier_1")]) == 0
    set_trigger(cast, job, ExportTrigger.CONTACT_FOUND)
    also_local = add(cast, job, new=NewCandidate(name="Grace", emails=("grace@new.example",)), export=False)
    assert export_triggers_after_contact_change(also_local.candidate) == []
    assert exports() == []
    # The Export to ATS button still sends them.
    assert candidate_export(candidate=kept_local.candidate, requested_by=cast.recruiter).status == "pending"


def test_a_tier_never_fires_retroactively(cast, job):
    result = before_the_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_3")
    assert export_triggers_after_scoring([score(result.application, "tier_1")]) == 0
    assert exports() == []


def test_a_tier_leaves_people_in_lever_and_other_jobs_alone(cast, job):
    set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_3")
    in_lever = ApplicationFactory(connection=cast.connection, job=job)
    other_job = add(cast, JobFactory(connection=cast.connection)).application
    assert export_triggers_after_scoring([score(in_lever, "tier_1"), score(other_job, "tier_1")]) == 0


def test_a_duplicate_or_skip_is_not_overridden_by_a_later_trigger(cast, job):
    set_trigger(cast, job, ExportTrigger.TIER_REACHED, "tier_3")
    ApplicationFactory(
        connection=cast.connection,
        candidate__email="ada@new.example",
        job=JobFactory(connection=cast.connection),
    )
    result = add(cast, job, export=True)
    assert result.export.status == ExportStatus.DUPLICATE
    assert export_triggers_after_scoring([score(result.application, "tier_1")]) == 0
    assert exports() == [result.export]


def test_scoring_calls_the_tier_trigger_with_the_scores_it_wrote(cast, job, monkeypatch):
    application = add(cast, job).application
    seen = []
    monkeypatch.setattr(sourcing, "export_triggers_after_scoring", lambda scores: seen.extend(scores))
    score_applications(type(application).objects.filter(pk=application.pk), write_back=False)
    assert [s.application_id for s in seen] == [application.pk]
