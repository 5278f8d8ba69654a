"""Automation end to end against the Lever sandbox over loopback HTTP: a change in Lever comes in by
sync, the rule fires once, its actions go out through the outbox and land in Lever, and neither the
action's own echo, a re-sync nor a full sync makes anything fire twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.automation import engine
from apps.automation.models import AutomationEvent, FiringStatus, Notification, RuleFiring, RuleMode, Trigger
from apps.automation.services import rule_mark_previewed, rule_save, rule_set_mode
from apps.candidates.models import Application, CandidateExport
from apps.candidates.sourcing import candidate_add
from apps.candidates.sourcing_duplicates import NewCandidate
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import SyncKind, WritebackAction, WritebackSource, WritebackStatus
from apps.jobs.models import Stage
from apps.lever_sandbox.server import SandboxServer
from apps.scoring.services import score_applications
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.integrations.writeback_sandbox import FAST, lever, process, synced_connection


@pytest.fixture
def sandbox():
    with SandboxServer(seed=11, opportunities=12, rate_limit=False) as server:
        yield server


@pytest.fixture
def connection(sandbox, db):
    connection = synced_connection(sandbox)
    MembershipFactory(
        workspace=connection.workspace, user=UserFactory(email="lead@example.org"), role="owner"
    )
    return connection


def switched_on(connection, **draft):
    rule = rule_save(workspace=connection.workspace, draft={"name": "Rule", **draft}, by=None)
    rule_mark_previewed(rule)
    return rule_set_mode(rule=rule, mode=RuleMode.ON, by=None)


def stage(connection, name):
    return Stage.objects.for_connection(connection).get(name=name)


def delta(connection):
    run = run_sync(connection, kind=SyncKind.DELTA, client_options=FAST)
    assert run.status == "succeeded", run.error
    return run


def an_active_application(connection, *, not_in):
    return (
        Application.objects.for_connection(connection)
        .alive()
        .filter(outcome="active", job__isnull=False)
        .exclude(current_stage=not_in)
        .order_by("pk")
        .first()
    )


def test_a_stage_change_in_lever_tags_and_notes_it_there_once(sandbox, connection):
    phone = stage(connection, "Phone screen")
    rule = switched_on(
        connection,
        trigger=Trigger.STAGE_CHANGED,
        trigger_options={"to_stage": phone.pk},
        actions=[
            {"kind": "add_tag", "tag": "assessment-sent"},
            {"kind": "add_note", "text": "Assessment sent to {first_name} for {job_title}."},
            {"kind": "add_result_link", "label": "Assessment", "url": "https://assess.example.com/start"},
        ],
    )
    app = an_active_application(connection, not_in=phone)
    sandbox.simulate_stage_change(app.remote_id, phone.remote_id)

    delta(connection)
    engine.evaluate_pending()
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.status == FiringStatus.FIRED and firing.application == app
    assert process(connection)["succeeded"] == 3

    with lever(sandbox) as client:
        opportunity = client.get_opportunity(app.remote_id)
        notes = list(client.iter_notes(app.remote_id))
    assert "assessment-sent" in opportunity["tags"]
    first_name = app.candidate.first_name or app.candidate.name.split(" ")[0]
    assert any(
        f"Assessment sent to {first_name} for {app.job.name}." in field["value"]
        for note in notes
        for field in note.get("fields", [])
    )
    assert "https://assess.example.com/start" in opportunity.get("links", [])

    # The write-backs' echo, a re-sync and a full sync: nothing fires again, nothing is sent twice.
    delta(connection)
    run_sync(connection, kind=SyncKind.FULL, client_options=FAST)
    engine.evaluate_pending()
    assert RuleFiring.objects.filter(rule=rule).count() == 1
    assert WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count() == 3
    assert process(connection)["succeeded"] == 0


def test_a_tag_added_in_lever_moves_the_application_and_the_echo_does_not_loop(sandbox, connection):
    phone = stage(connection, "Phone screen")
    screen = stage(connection, "Recruiter screen")
    on_tag = switched_on(
        connection,
        trigger=Trigger.TAG_ADDED,
        trigger_options={"tag": "fast-track"},
        actions=[{"kind": "move_stage", "stage": phone.pk}, {"kind": "add_tag", "tag": "moved-by-rule"}],
    )
    # A second rule reacting to any stage change, which its own move would start again.
    bounce = switched_on(
        connection, trigger=Trigger.STAGE_CHANGED, actions=[{"kind": "move_stage", "stage": screen.pk}]
    )
    app = an_active_application(connection, not_in=phone)
    with lever(sandbox) as client:
        client.add_tags(app.remote_id, ["fast-track"], perform_as=connection.writeback_user.remote_id)

    delta(connection)
    engine.evaluate_pending()
    assert process(connection)["succeeded"] == 2  # move + tag, mirrored at once (their echo)
    engine.evaluate_pending()  # the echo: bounce fires (depth 1) …
    assert RuleFiring.objects.get(rule=bounce).depth == 1
    assert process(connection)["succeeded"] == 1
    engine.evaluate_pending()  # … and its own echo does not start it again
    delta(connection)
    engine.evaluate_pending()
    assert RuleFiring.objects.filter(rule=on_tag).count() == 1
    assert RuleFiring.objects.filter(rule=bounce, status=FiringStatus.FIRED).count() == 1
    loop = RuleFiring.objects.get(rule=bounce, status=FiringStatus.SKIPPED)
    assert "loop protection" in loop.reason and loop.chain == [on_tag.pk, bounce.pk]
    app.refresh_from_db()
    assert app.current_stage == screen
    assert WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count() == 3


def test_a_tier_reached_by_scoring_fires_once_even_when_rescored(sandbox, connection):
    rule = switched_on(
        connection,
        trigger=Trigger.SCORE_COMPUTED,
        conditions=[{"field": "score", "op": "between", "value": [0, 100]}],
        actions=[{"kind": "add_tag", "tag": "scored"}],
    )
    apps = Application.objects.for_connection(connection).alive().filter(outcome="active", job__isnull=False)
    scored = score_applications(apps).scored
    assert scored > 0
    engine.evaluate_pending()
    assert RuleFiring.objects.filter(rule=rule, status=FiringStatus.FIRED).count() == scored
    score_applications(apps, force=True)  # the same inputs again: not a new event
    engine.evaluate_pending()
    assert RuleFiring.objects.filter(rule=rule).count() == scored
    assert process(connection)["succeeded"] == scored


def test_a_candidate_added_in_recruitdesk_is_exported_by_a_rule(sandbox, connection):
    rule = switched_on(connection, trigger=Trigger.CANDIDATE_CREATED, actions=[{"kind": "export"}])
    result = candidate_add(
        workspace=connection.workspace,
        new=NewCandidate(name="Grace Hopper", emails=("grace.hopper@navy.example",)),
        requested_by=None,
    )
    engine.evaluate_pending()
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.candidate == result.candidate and firing.actions[0]["status"] == "queued"
    export = CandidateExport.objects.get(candidate=result.candidate)
    assert export.source == WritebackSource.AUTOMATION
    assert process(connection)["succeeded"] == 1
    created = WritebackAction.objects.get(kind="create_candidate")
    assert created.status == WritebackStatus.SUCCEEDED
    assert firing.actions[0]["writeback"] == created.pk and list(firing.writebacks.all()) == [created]


def test_a_disconnected_workspace_sends_nothing_from_its_rules(sandbox, connection):
    from apps.integrations.services import connection_disconnect

    phone = stage(connection, "Phone screen")
    rule = switched_on(
        connection, trigger=Trigger.IDLE_IN_STAGE, trigger_options={"days": 1},
        actions=[{"kind": "add_tag", "tag": "stale"}],
    )  # fmt: skip
    rule.enabled_at = timezone.now() - timezone.timedelta(days=30)
    rule.save()
    app = an_active_application(connection, not_in=phone)
    Application.objects.filter(pk=app.pk).update(stage_entered_at=timezone.now() - timezone.timedelta(days=2))
    connection_disconnect(connection=connection, by=None)
    from apps.automation.events import idle_events

    assert idle_events() >= 1
    engine.evaluate_pending()
    firing = RuleFiring.objects.filter(rule=rule, application=app).get()
    assert firing.actions[0]["status"] == "paused"
    assert not WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).exists()
    assert AutomationEvent.objects.filter(status="pending").count() == 0
    before = sandbox.request_counts()["total"]
    process(connection)
    assert sandbox.request_counts()["total"] == before


def test_new_archived_and_hired_applications_in_lever_fire_their_rules(sandbox, connection):
    from apps.candidates.models import RejectionReason
    from apps.jobs.models import Job

    lead = connection.workspace.memberships.get().user
    created = switched_on(
        connection,
        trigger=Trigger.APPLICATION_CREATED,
        actions=[{"kind": "add_tag", "tag": "new-from-lever"}, {"kind": "rescore"}],
    )
    archived = switched_on(
        connection,
        trigger=Trigger.ARCHIVED,
        actions=[{"kind": "remove_tag", "tag": "shortlist"}, {"kind": "notify", "users": [lead.pk]}],
    )
    hired = switched_on(
        connection,
        trigger=Trigger.HIRED,
        actions=[{"kind": "notify", "users": [lead.pk], "message": "Hired: {candidate_name}"}],
    )
    job = Job.objects.for_connection(connection).alive().filter(status="published").order_by("pk").first()
    new = sandbox.simulate_new_application(job.remote_id, "Katherine Johnson", "katherine@nasa.example")
    to_archive, to_hire = (
        Application.objects.for_connection(connection).alive().filter(outcome="active").order_by("pk")[:2]
    )
    with lever(sandbox) as client:
        client.add_tags(to_archive.remote_id, ["shortlist"], perform_as=connection.writeback_user.remote_id)
    delta(connection)  # the tag is mirrored first, so the rule has something to remove
    reasons = RejectionReason.objects.for_connection(connection).alive()
    sandbox.simulate_archive(to_archive.remote_id, reasons.filter(reason_type="non-hired").first().remote_id)
    sandbox.simulate_archive(to_hire.remote_id, reasons.filter(reason_type="hired").first().remote_id)

    delta(connection)
    engine.evaluate_pending()
    new_app = Application.objects.for_connection(connection).get(remote_id=new["id"])
    assert RuleFiring.objects.get(rule=created).application == new_app
    assert RuleFiring.objects.get(rule=archived).application == to_archive
    assert RuleFiring.objects.get(rule=hired).application == to_hire
    assert process(connection)["succeeded"] == 2  # the new application's tag, the archived one's tag removal
    with lever(sandbox) as client:
        assert "new-from-lever" in client.get_opportunity(new_app.remote_id)["tags"]
        assert "shortlist" not in client.get_opportunity(to_archive.remote_id)["tags"]
    notices = Notification.objects.filter(user=lead).order_by("pk")
    assert [n.application for n in notices] == [to_archive, to_hire]
    assert notices[1].body.startswith("Hired: ")
    # Applications synced before the rule was switched on never fired "created": only the new one did.
    assert RuleFiring.objects.filter(rule=created).count() == 1


def test_a_tier_change_rejects_and_a_webhook_replayed_twice_fires_nothing_again(sandbox, connection):
    import json
    import uuid

    from apps.candidates.models import RejectionReason
    from apps.integrations.webhook_processing import webhook_event_process
    from apps.integrations.webhooks import connection_add_signing_token, webhook_receive
    from apps.lever_sandbox.webhooks import sign
    from apps.scoring.models import Score

    reason = (
        RejectionReason.objects.for_connection(connection).alive().filter(reason_type="non-hired").first()
    )
    rule = switched_on(
        connection,
        trigger=Trigger.TIER_CHANGED,
        trigger_options={"tiers": ["not_a_match", "tier_3"]},
        actions=[{"kind": "reject", "reason": reason.pk}],
    )
    apps = Application.objects.for_connection(connection).alive().filter(outcome="active", job__isnull=False)
    score_applications(apps)
    engine.evaluate_pending()
    low = set(
        Score.objects.filter(application__in=apps, tier__in=["not_a_match", "tier_3"]).values_list(
            "application", flat=True
        )
    )
    assert low, "the sandbox's seed gives some low-tier pairs"
    assert set(RuleFiring.objects.filter(rule=rule).values_list("application", flat=True)) == low
    assert process(connection)["succeeded"] == len(low)

    # Lever tells us again, twice, about one of those archives: nothing fires a second time.
    app = Application.objects.get(pk=min(low))
    assert app.outcome == "rejected"
    connection_add_signing_token(connection=connection, token="test-signing-token")
    for _ in range(2):
        token, at = uuid.uuid4().hex, int(timezone.now().timestamp() * 1000)
        body = {
            "id": str(uuid.uuid4()), "event": "candidateArchiveChange", "triggeredAt": at, "token": token,
            "signature": sign("test-signing-token", token, at),
            "data": {"opportunityId": app.remote_id, "toArchived": {"reason": reason.remote_id}},
        }  # fmt: skip
        receipt = webhook_receive(connection=connection, raw=json.dumps(body).encode())
        assert receipt.verdict == "accepted", receipt
        webhook_event_process(receipt.event_id)
    engine.evaluate_pending()
    assert RuleFiring.objects.filter(rule=rule).count() == len(low)
    assert WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count() == len(low)


def test_a_tag_removed_in_lever_fires_its_rule(sandbox, connection):
    lead = connection.workspace.memberships.get().user
    rule = switched_on(
        connection,
        trigger=Trigger.TAG_REMOVED,
        trigger_options={"tag": "Hot lead"},
        actions=[{"kind": "notify", "users": [lead.pk], "message": "{candidate_name} lost “Hot lead”"}],
    )
    app = an_active_application(connection, not_in=None)
    user = connection.writeback_user.remote_id
    with lever(sandbox) as client:
        client.add_tags(app.remote_id, ["Hot lead"], perform_as=user)
        delta(connection)
        engine.evaluate_pending()
        assert not RuleFiring.objects.filter(rule=rule).exists()  # added, not removed
        client.remove_tags(app.remote_id, ["Hot lead"], perform_as=user)
    delta(connection)
    engine.evaluate_pending()
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.application == app and firing.actions[0]["status"] == "sent"
    assert Notification.objects.get(user=lead).body == f"{app.candidate.name} lost “Hot lead”"


def test_a_recruiters_move_in_recruitdesk_fires_rules_once_it_reached_lever(sandbox, connection):
    from apps.candidates.actions import Action, application_action_perform

    phone = stage(connection, "Phone screen")
    rule = switched_on(
        connection,
        trigger=Trigger.STAGE_CHANGED,
        trigger_options={"to_stage": phone.pk},
        actions=[{"kind": "add_tag", "tag": "phone-screen-kit"}],
    )
    app = an_active_application(connection, not_in=phone)
    application_action_perform(
        application=app, action=Action.MOVE, values={"stage": phone}, requested_by=None
    )
    engine.evaluate_pending()
    assert not RuleFiring.objects.exists()  # queued is not done: nothing changed in Lever yet
    assert process(connection)["succeeded"] == 1  # the move, mirrored at once
    engine.evaluate_pending()
    firing = RuleFiring.objects.get(rule=rule)
    assert (firing.application, firing.depth, firing.status) == (
        app,
        0,
        FiringStatus.FIRED,
    )  # a person's move
    assert process(connection)["succeeded"] == 1
    with lever(sandbox) as client:
        assert "phone-screen-kit" in client.get_opportunity(app.remote_id)["tags"]
