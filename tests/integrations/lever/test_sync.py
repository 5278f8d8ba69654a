"""The sync engine end to end against the Lever sandbox over loopback HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.candidates.files import availability
from apps.candidates.models import (
    Application,
    Attachment,
    Candidate,
    Note,
    Outcome,
    ReasonType,
    RejectionReason,
)
from apps.candidates.text_extraction import extract_text
from apps.integrations.digest import mirror_digest
from apps.integrations.lever.environments import environment_for
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import (
    AtsUser,
    ConnectionStatus,
    RecordChange,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from apps.integrations.ratelimit import rate_limiter_for
from apps.integrations.sync_runs import SyncUnavailable
from apps.jobs.models import Job, JobStage, Stage
from apps.lever_sandbox.server import SandboxServer
from tests.integrations.lever.sandbox_sync import FAST, connect, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox():
    # Seed 1 with 40 opportunities holds hired, rejected, confidential and anonymised ones.
    with SandboxServer(seed=1, opportunities=40, rate_limit=False) as server:
        yield server


def walk(server: SandboxServer, path: str, **params) -> list[dict]:
    from apps.integrations.lever.auth import ApiKeyAuth
    from apps.integrations.lever.client import LeverClient

    with LeverClient(environment_for("custom", server.url), ApiKeyAuth(server.api_key)) as client:
        return list(client.paginate(path, params))


# -- full sync -------------------------------------------------------------------------------------------


def test_full_sync_mirrors_what_the_sandbox_holds(sandbox):
    connection = connect(sandbox)
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    expected = sandbox.dataset_summary()
    alive = lambda model: model.objects.for_connection(connection).alive()  # noqa: E731
    assert alive(AtsUser).count() == expected["users"]
    assert alive(AtsUser).filter(deactivated_at__isnull=False).exists()
    assert alive(Stage).count() == expected["stages"]
    assert alive(RejectionReason).count() == expected["archiveReasons"]
    assert alive(Job).count() == expected["postings"]
    assert alive(Job).filter(confidential=True).exists()
    assert alive(JobStage).count() == expected["postings"] * expected["stages"]
    opportunities = walk(sandbox, "/opportunities", confidentiality="all", expand="applications")
    assert alive(Application).count() == expected["opportunities"] == len(opportunities)
    assert alive(Candidate).count() == len({o["contact"] for o in opportunities})
    # Spot checks against Lever's own data.
    for opportunity in opportunities[:10]:
        application = Application.objects.get(connection=connection, remote_id=opportunity["id"])
        assert application.candidate.remote_id == opportunity["contact"]
        assert (application.current_stage.remote_id if application.current_stage else None) == opportunity[
            "stage"
        ]
        notes = walk(sandbox, f"/opportunities/{opportunity['id']}/notes")
        comments = sum(len(n["fields"]) for n in notes if not n.get("deletedAt"))
        assert Note.objects.filter(application=application).alive().count() == comments
    hired_reasons = set(
        RejectionReason.objects.for_connection(connection)
        .filter(reason_type=ReasonType.HIRED)
        .values_list("remote_id", flat=True)
    )
    for opportunity in opportunities:
        archived = opportunity.get("archived") or {}
        if archived.get("reason") in hired_reasons:
            assert (
                Application.objects.get(connection=connection, remote_id=opportunity["id"]).outcome
                == Outcome.HIRED
            )
    assert connection.history_synced_at is not None
    assert connection.opportunities_synced_through is not None


def test_resume_text_is_extracted_for_scoring(sandbox):
    connection = connect(sandbox)
    sync(connection)
    resumes = Attachment.objects.filter(connection=connection, kind="resume", processing_status="processed")
    assert resumes.exists()
    for resume in resumes.exclude(parsed_positions=[])[:5]:
        assert resume.text_extracted_at is not None
        first_position = resume.parsed_positions[0]
        assert (first_position.get("title") or "").split()[0] in resume.extracted_text
        # The bytes are kept too, for Download and Preview on the profile.
        with resume.file.open("rb") as stored:
            kept = stored.read()
        assert extract_text(kept, extension=resume.extension, content_type=resume.content_type) == (
            resume.extracted_text
        )


def download(server: SandboxServer, attachment: Attachment) -> bytes:
    from apps.integrations.lever.auth import ApiKeyAuth
    from apps.integrations.lever.client import LeverClient

    with LeverClient(environment_for("custom", server.url), ApiKeyAuth(server.api_key)) as client:
        return client.download_file(attachment.application.remote_id, attachment.remote_id)


def test_other_files_are_mirrored_too_and_those_lever_cannot_give_are_not_asked_for_again(sandbox):
    connection = connect(sandbox)
    sync(connection)
    files = Attachment.objects.filter(connection=connection, kind="file").select_related("application")
    processed = [f for f in files if f.processing_status == "processed"]
    others = [f for f in files if f.processing_status != "processed"]
    assert processed and others  # seed 1 holds cover letters, portfolios… and unprocessed images
    for attachment in processed:
        assert availability(attachment) == "stored" and attachment.text_extracted_at is not None
        with attachment.file.open("rb") as stored:
            assert stored.read() == download(sandbox, attachment)
        assert attachment.extracted_text == ""  # only a resume's text is read (by the scorer)
    for attachment in others:
        assert not attachment.file and availability(attachment) in ("unavailable", "pending")
    kept = {f.pk: (f.file.name, f.text_extracted_at) for f in processed}
    sync(connection, SyncKind.FULL)  # the same versions: nothing is downloaded again
    assert {f.pk: (f.file.name, f.text_extracted_at) for f in Attachment.objects.filter(pk__in=kept)} == kept


def test_files_bigger_than_the_limit_stay_in_lever(sandbox, settings):
    settings.LEVER_FILE_MAX_BYTES = 100  # smaller than every generated resume and file
    connection = connect(sandbox)
    sync(connection)
    processed = Attachment.objects.filter(connection=connection, processing_status="processed")
    assert processed.exists()
    assert not processed.exclude(file="").exists()
    assert {availability(f) for f in processed} == {"too_large"}
    assert not processed.filter(text_extracted_at__isnull=True).exists()  # not asked for every run


def test_anonymised_people_keep_no_personal_data(sandbox):
    connection = connect(sandbox)
    sync(connection)
    anonymised = Candidate.objects.filter(connection=connection, is_anonymized=True)
    assert anonymised.exists()
    for candidate in anonymised:
        assert (candidate.name, candidate.email, candidate.emails, candidate.phones) == ("", "", [], [])
        assert not Attachment.objects.filter(candidate=candidate).exclude(extracted_text="").exists()
        assert not Attachment.objects.filter(candidate=candidate).exclude(file="").exists()


def test_a_second_full_sync_changes_nothing(sandbox):
    connection = connect(sandbox)
    sync(connection)
    before = (RecordChange.objects.filter(connection=connection).count(), mirror_digest(connection))
    run = sync(connection)
    assert run.status == SyncStatus.SUCCEEDED
    assert (RecordChange.objects.filter(connection=connection).count(), mirror_digest(connection)) == before
    counts = {label: c for label, c in run.stats.items() if label != "requests"}
    assert all(
        c.get("created", 0) == c.get("updated", 0) == c.get("deleted", 0) == 0 for c in counts.values()
    )


def test_two_connections_to_one_account_mirror_the_same(sandbox):
    first, second = connect(sandbox), connect(sandbox)
    sync(first)
    sync(second)
    assert mirror_digest(first) == mirror_digest(second)


# -- delta ------------------------------------------------------------------------------------------------


def test_delta_picks_up_moves_new_archived_hired_and_deleted(sandbox):
    connection = connect(sandbox)
    sync(connection)
    # Lever's updated_at filters are inclusive ms instants: step past the full sync's listing start.
    connection.opportunities_synced_through = timezone.now()
    connection.save()
    active = list(Application.objects.for_connection(connection).alive().filter(outcome=Outcome.ACTIVE)[:4])
    stages = list(Stage.objects.for_connection(connection).alive())
    target_stage = next(s for s in stages if s.pk != active[0].current_stage_id)
    hired = RejectionReason.objects.for_connection(connection).filter(reason_type=ReasonType.HIRED).first()
    rejected = (
        RejectionReason.objects.for_connection(connection).filter(reason_type=ReasonType.NON_HIRED).first()
    )
    sandbox.simulate_stage_change(active[0].remote_id, target_stage.remote_id)
    sandbox.simulate_archive(active[1].remote_id, rejected.remote_id)
    sandbox.simulate_archive(active[2].remote_id, hired.remote_id)
    sandbox.simulate_delete(active[3].remote_id)
    new = sandbox.simulate_new_application()
    sandbox.reset_counts()

    run = sync(connection, SyncKind.DELTA)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    refreshed = {a.remote_id: a for a in Application.objects.filter(pk__in=[a.pk for a in active])}
    assert refreshed[active[0].remote_id].current_stage == target_stage
    assert refreshed[active[1].remote_id].outcome == Outcome.REJECTED
    assert refreshed[active[2].remote_id].outcome == Outcome.HIRED
    assert refreshed[active[3].remote_id].remote_deleted_at is not None
    new_id = new.get("opportunityId") or new.get("id") or new["data"]["opportunityId"]
    assert Application.objects.filter(connection=connection, remote_id=new_id).alive().exists()
    # Reference lists (5) + requisitions + postings + opportunities + deleted, then children of the 4 changed.
    assert sandbox.request_counts()["total"] <= 9 + 6 * 5 + 5


def test_a_delta_with_no_change_is_cheap_and_writes_nothing(sandbox):
    connection = connect(sandbox)
    sync(connection)
    changes = RecordChange.objects.filter(connection=connection).count()
    sandbox.reset_counts()
    run = sync(connection, SyncKind.DELTA)
    assert run.status == SyncStatus.SUCCEEDED
    assert sandbox.request_counts()["total"] <= 15
    assert RecordChange.objects.filter(connection=connection).count() == changes


def test_first_delta_without_a_full_sync_runs_as_full(sandbox):
    connection = connect(sandbox)
    run = sync(connection, SyncKind.DELTA)
    assert run.kind == SyncKind.FULL


# -- resumption and concurrency ------------------------------------------------------------------------------


class Killed(BaseException):
    """Stands in for kill -9: nothing in the sync may catch it."""


def kill_after(requests: int):
    counter = {"n": 0}

    def on_request(self, *args, **kwargs):
        counter["n"] += 1
        if counter["n"] > requests:
            raise Killed
        return original(self, *args, **kwargs)

    from apps.integrations.lever import transport

    original = transport.LeverTransport.request
    return on_request, original


@pytest.mark.parametrize("killed_after", [3, 30, 120])
def test_a_killed_run_resumes_and_ends_identical(sandbox, monkeypatch, killed_after):
    from apps.integrations.lever import transport

    reference = connect(sandbox)
    sync(reference)

    connection = connect(sandbox)
    on_request, original = kill_after(killed_after)
    monkeypatch.setattr(transport.LeverTransport, "request", on_request)
    with pytest.raises(Killed):
        run_sync(connection, kind=SyncKind.FULL, client_options=FAST)
    monkeypatch.setattr(transport.LeverTransport, "request", original)
    dead = SyncRun.objects.get(connection=connection)
    assert dead.status == SyncStatus.RUNNING  # a killed worker leaves it "running"
    # A live run blocks others; once its heartbeat is stale the next attempt resumes it.
    with pytest.raises(SyncUnavailable):
        run_sync(connection, kind=SyncKind.DELTA, client_options=FAST)
    SyncRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    resumed = sync(connection, SyncKind.DELTA)
    assert resumed.pk == dead.pk and resumed.resumes == 1 and resumed.kind == SyncKind.FULL
    assert resumed.status == SyncStatus.SUCCEEDED, resumed.error
    assert mirror_digest(connection) == mirror_digest(reference)


def test_a_paused_run_continues_where_it_stopped(sandbox):
    connection = connect(sandbox)
    first = sync(connection, time_budget=0)  # pauses at its first heartbeat
    assert first.status == SyncStatus.QUEUED
    continued = sync(connection)
    assert continued.pk == first.pk and continued.status == SyncStatus.SUCCEEDED
    reference = connect(sandbox)
    sync(reference)
    assert mirror_digest(connection) == mirror_digest(reference)


def test_two_sync_attempts_on_one_connection_give_one_run(sandbox):
    connection = connect(sandbox)
    SyncRun.objects.create(
        workspace=connection.workspace,
        connection=connection,
        kind=SyncKind.FULL,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    with pytest.raises(SyncUnavailable):
        run_sync(connection, kind=SyncKind.DELTA, client_options=FAST)
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_faults_and_rate_limits_do_not_change_the_result():
    # Lever's budget scaled up tenfold so the test stays quick: the sandbox allows 100/s (burst 20),
    # the client's shared bucket asks for 90/s; then 10 % of requests fail with 5xx on top.
    with SandboxServer(seed=1, opportunities=40, rate=100, burst=20) as limited:
        reference, connection = connect(limited), connect(limited)
        sync(
            reference, client_options={"limiter": rate_limiter_for(f"test:{reference.pk}", rate=90, burst=15)}
        )
        limited.reset_counts()
        limited.set_faults(error_rate=0.1)
        limiter = rate_limiter_for(f"test:{connection.pk}", rate=90, burst=15)
        run = sync(connection, client_options={"limiter": limiter, "max_attempts": 8})
        statuses = limited.request_counts()["statuses"]
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert sum(n for status, n in statuses.items() if status.startswith("5")) > 0
    assert mirror_digest(connection) == mirror_digest(reference)


def test_revoked_credentials_stop_the_sync_and_ask_for_reauthorisation(sandbox):
    connection = connect(sandbox)
    connection.api_key = "not-the-sandbox-key"
    connection.save()
    run = sync(connection)
    assert run.status == SyncStatus.FAILED
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    with pytest.raises(SyncUnavailable):
        run_sync(connection, kind=SyncKind.DELTA, client_options=FAST)


# -- the rolling sweep ----------------------------------------------------------------------------------


def test_a_new_note_missed_by_the_delta_is_picked_up_by_the_sweep(sandbox):
    from apps.integrations.lever.credentials import lever_client_for

    connection = connect(sandbox)
    sync(connection)
    application = (
        Application.objects.for_connection(connection).alive().filter(outcome=Outcome.ACTIVE).first()
    )
    user = AtsUser.objects.for_connection(connection).alive().filter(deactivated_at__isnull=True).first()
    with lever_client_for(connection, limiter=None) as client:
        client.create_note(application.remote_id, "Called back: keen on the role", perform_as=user.remote_id)
    # Lever does not bump updatedAt for notes: a delta sees nothing.
    sync(connection, SyncKind.DELTA)
    assert not Note.objects.filter(application=application, body__contains="Called back").exists()
    # The sweep refreshes the least recently refreshed active applications first.
    Application.objects.filter(pk=application.pk).update(children_synced_at=None)
    sync(connection, SyncKind.SWEEP)
    assert Note.objects.filter(application=application, body__contains="Called back").exists()


def test_the_sweep_keeps_to_its_request_budget_oldest_first(sandbox):
    connection = connect(sandbox, sweep_daily_requests=48 * 20)  # 20 requests per sweep run
    sync(connection)
    active = Application.objects.for_connection(connection).alive().filter(outcome=Outcome.ACTIVE)
    oldest = list(active.order_by("pk")[:2])
    Application.objects.filter(pk__in=[a.pk for a in oldest]).update(children_synced_at=None)
    sandbox.reset_counts()
    before = timezone.now()
    sync(connection, SyncKind.SWEEP)
    # ~6 requests per application: it stops once the budget is spent, never far past it.
    assert 12 <= sandbox.request_counts()["total"] <= 20 + 7
    refreshed = {a.pk for a in active.filter(children_synced_at__gte=before)}
    assert {a.pk for a in oldest} <= refreshed
    assert len(refreshed) <= 4


def test_an_opportunity_gone_from_lever_is_forgotten_by_the_sweep(sandbox):
    connection = connect(sandbox)
    sync(connection)
    # A person with a single application, so they are gone with it.
    application = next(
        a
        for a in Application.objects.for_connection(connection).alive().filter(outcome=Outcome.ACTIVE)
        if a.candidate.applications.count() == 1
    )
    sandbox.simulate_delete(application.remote_id)
    Application.objects.filter(pk=application.pk).update(children_synced_at=None)
    sync(connection, SyncKind.SWEEP)
    application.refresh_from_db()
    candidate = application.candidate
    assert application.remote_deleted_at is not None
    assert candidate.remote_deleted_at is not None and candidate.name == "" and candidate.emails == []
