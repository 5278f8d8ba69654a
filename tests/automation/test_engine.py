"""The automation engine on the mirror's rows: triggers, conditions, actions, idempotency, loops, safety."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.automation import engine
from apps.automation.events import NewEvent, application_events, idle_events, record_events
from apps.automation.models import (
    AutomationEvent,
    EventSource,
    FiringStatus,
    Notification,
    NotificationSettings,
    RuleFiring,
    RuleMode,
    Trigger,
)
from apps.automation.notifications import send_daily_digests
from apps.automation.preview import rule_preview
from apps.automation.services import (
    existing_matches_count,
    rule_apply_to_existing,
    rule_mark_previewed,
    rule_save,
    rule_set_mode,
)
from apps.integrations.models import ConnectionStatus, WritebackAction, WritebackSource
from tests.candidates.factories import ApplicationFactory, CandidateFactory, TagFactory
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory, JobStageFactory, StageFactory
from tests.scoring.factories import ScoreFactory


@pytest.fixture
def pipeline(cast):
    connection = cast.connection
    job = JobFactory(connection=connection, name="Backend Engineer", department="Engineering")
    stages = [StageFactory(connection=connection, name=name) for name in ("New", "Phone Screen", "Onsite")]
    for position, stage in enumerate(stages):
        JobStageFactory(connection=connection, job=job, stage=stage, position=position)
    owner = AtsUserFactory(connection=connection, name="Olga Owner", email=cast.recruiter.email)
    return job, stages, owner


def application(cast, job, stage, **kw):
    candidate = CandidateFactory(connection=cast.connection, first_name="Ada", name="Ada Lovelace")
    return ApplicationFactory(
        connection=cast.connection, candidate=candidate, job=job, current_stage=stage, **kw
    )


def live_rule(cast, *, mode=RuleMode.ON, **draft):
    defaults = {
        "name": "Rule",
        "trigger": Trigger.STAGE_CHANGED,
        "actions": [{"kind": "add_tag", "tag": "auto"}],
    }
    rule = rule_save(workspace=cast.workspace, draft={**defaults, **draft}, by=cast.admin)
    rule_mark_previewed(rule)
    return rule_set_mode(rule=rule, mode=mode, by=cast.admin)


def stage_event(app, old, new, *, at=None, cause=None):
    at = at or timezone.now()
    event = NewEvent(
        Trigger.STAGE_CHANGED,
        f"stage:{app.pk}:{old.pk}:{new.pk}:{at.isoformat()}",
        at,
        application_id=app.pk,
        candidate_id=app.candidate_id,
        data={"from_stage": old.pk, "to_stage": new.pk},
    )
    return record_events(app.workspace_id, [event], source=EventSource.SYNC, cause_writeback_id=cause)


def test_a_stage_change_fires_the_rule_once_and_sends_through_the_outbox(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    rule = live_rule(
        cast,
        trigger_options={"to_stage": phone.pk},
        actions=[
            {"kind": "add_tag", "tag": "assessment-sent"},
            {"kind": "add_note", "text": "Hi {first_name}, welcome to {job_title} ({stage})."},
        ],
    )
    app = application(cast, job, phone)
    assert stage_event(app, new, phone) == 1

    summary = engine.evaluate_pending()

    assert summary.events == 1 and summary.firings == {"fired": 1}
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.status == FiringStatus.FIRED and firing.rule_version == rule.version
    actions = WritebackAction.objects.filter(application=app).order_by("pk")
    assert [a.kind for a in actions] == ["add_tag", "add_note"]
    assert {a.source for a in actions} == {WritebackSource.AUTOMATION}
    assert actions[1].payload["text"] == "Hi Ada, welcome to Backend Engineer (Phone Screen)."
    assert [a["status"] for a in firing.actions] == ["queued", "queued"]
    assert set(firing.writebacks.values_list("pk", flat=True)) == {a.pk for a in actions}

    # The same change reported again (re-sync, replayed webhook): same key, nothing new.
    assert stage_event(app, new, phone, at=AutomationEvent.objects.get().occurred_at) == 0
    assert engine.evaluate_pending().events == 0
    assert RuleFiring.objects.count() == 1 and WritebackAction.objects.count() == 2


def test_an_event_evaluated_twice_fires_nothing_twice(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    live_rule(cast, trigger_options={"to_stage": phone.pk})
    app = application(cast, job, phone)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    # As if a crashed pass left it pending after its firings were written.
    AutomationEvent.objects.update(status="pending")
    engine.evaluate_pending()
    assert RuleFiring.objects.count() == 1 and WritebackAction.objects.count() == 1


def test_trigger_options_scope_and_conditions_decide(cast, pipeline):
    job, (new, phone, onsite), _ = pipeline
    other_job = JobFactory(connection=cast.connection, department="Sales")
    live_rule(cast, name="to onsite only", trigger_options={"to_stage": onsite.pk})
    live_rule(cast, name="sales only", scope="department", department="sales")
    scoped = live_rule(cast, name="this job", scope="jobs", jobs=[job.pk])
    conditional = live_rule(
        cast,
        name="tier 1 with tag",
        conditions=[
            {"field": "tier", "op": "in", "value": ["tier_1"]},
            {"field": "tag", "op": "has_not", "value": "hold"},
        ],
    )
    app = application(cast, job, phone)
    ScoreFactory(application=app, tier="tier_2", score=55)
    stage_event(app, new, phone)
    engine.evaluate_pending()

    firings = {f.rule.name: f for f in RuleFiring.objects.select_related("rule")}
    assert set(firings) == {"this job", "tier 1 with tag"}  # trigger or scope did not match the others
    assert firings["this job"].status == FiringStatus.FIRED
    skipped = firings["tier 1 with tag"]
    assert skipped.status == FiringStatus.SKIPPED and skipped.reason == "Conditions not met."
    assert skipped.conditions == [
        {"condition": "Fit tier is Tier 1", "passed": False, "value": "tier_2"},
        {"condition": "Tag “hold” is absent", "passed": True, "value": ""},
    ]
    assert (
        not WritebackAction.objects.filter(application=app).exclude(automation_firings__rule=scoped).exists()
    )
    assert other_job.pk != job.pk and conditional.pk


def test_switching_on_never_fires_for_what_happened_before(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    rule = live_rule(cast, trigger_options={"to_stage": phone.pk})
    app = application(cast, job, phone)
    stage_event(app, new, phone, at=rule.enabled_at - timedelta(minutes=5))
    engine.evaluate_pending()
    assert not RuleFiring.objects.exists()


def test_a_rule_must_be_previewed_and_an_edit_switches_it_off(cast, pipeline):
    job, (_, phone, _), _ = pipeline
    rule = rule_save(
        workspace=cast.workspace,
        draft={
            "name": "R",
            "trigger": Trigger.APPLICATION_CREATED,
            "actions": [{"kind": "add_tag", "tag": "x"}],
        },
        by=cast.admin,
    )
    with pytest.raises(ValidationError, match="Preview"):
        rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.admin)
    rule_mark_previewed(rule)
    rule = rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.admin)
    assert rule.mode == RuleMode.ON and rule.enabled_at is not None

    edited = rule_save(
        workspace=cast.workspace,
        draft={
            "name": "R",
            "trigger": Trigger.APPLICATION_CREATED,
            "actions": [{"kind": "add_tag", "tag": "y"}],
        },
        by=cast.admin,
        rule=rule,
    )
    assert (edited.mode, edited.version, edited.enabled_at) == (RuleMode.OFF, 2, None)
    assert list(edited.versions.values_list("version", flat=True)) == [2, 1]
    with pytest.raises(ValidationError):
        rule_set_mode(rule=edited, mode=RuleMode.DRY_RUN, by=cast.admin)


def test_definitions_are_checked_against_the_workspace(cast, pipeline):
    other_stage = StageFactory(connection=cast.other_connection)
    with pytest.raises(ValidationError) as error:
        rule_save(
            workspace=cast.workspace,
            draft={
                "name": "",
                "trigger": Trigger.SCORE_COMPUTED,
                "actions": [
                    {"kind": "move_stage", "stage": other_stage.pk},
                    {"kind": "rescore"},
                    {"kind": "add_note", "text": "Hi {salary}"},
                ],
            },
            by=cast.admin,
        )
    messages = error.value.message_dict
    assert messages["name"] == ["Name the rule."]
    assert "Move to stage: Choose the stage to move to." in messages["actions"]
    assert any("cannot rescore" in m for m in messages["actions"])
    assert "Add note: Unknown placeholder {salary}." in messages["actions"]


def test_dry_run_records_what_it_would_do_and_sends_nothing(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    rule = live_rule(cast, mode=RuleMode.DRY_RUN, trigger_options={"to_stage": phone.pk})
    assert rule.dry_run_until - rule.enabled_at == timedelta(days=7)
    app = application(cast, job, phone)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    firing = RuleFiring.objects.get()
    assert firing.status == FiringStatus.DRY_RUN
    assert firing.actions[0]["summary"] == "Add tag “auto”" and firing.actions[0]["status"] == "dry_run"
    assert not WritebackAction.objects.exists()


def test_disconnect_pauses_lever_actions_but_notifications_continue(cast, pipeline):
    job, (new, phone, _), owner = pipeline
    live_rule(
        cast,
        trigger_options={"to_stage": phone.pk},
        actions=[{"kind": "add_tag", "tag": "x"}, {"kind": "notify", "recipients": ["owner"], "email": True}],
    )
    app = application(cast, job, phone, owner=owner)
    cast.connection.status = ConnectionStatus.DISCONNECTED
    cast.connection.save()
    stage_event(app, new, phone)
    engine.evaluate_pending()
    firing = RuleFiring.objects.get()
    assert [a["status"] for a in firing.actions] == ["paused", "sent"]
    assert not WritebackAction.objects.exists()
    notice = Notification.objects.get()
    assert notice.user == cast.recruiter and notice.title.endswith("Ada Lovelace")


def test_notifications_are_emailed_on_commit_and_digested_daily(
    cast, pipeline, django_capture_on_commit_callbacks
):
    job, (new, phone, _), owner = pipeline
    live_rule(
        cast,
        trigger_options={"to_stage": phone.pk},
        actions=[
            {
                "kind": "notify",
                "recipients": ["owner"],
                "users": [cast.owner.pk],
                "email": True,
                "message": "{candidate_name} reached {stage}",
            }  # fmt: skip
        ],
    )
    app = application(cast, job, phone, owner=owner)
    stage_event(app, new, phone)
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate_pending()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.recruiter.email, cast.owner.email])
    assert "Ada Lovelace reached Phone Screen" in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2

    mail.outbox.clear()
    NotificationSettings.objects.create(workspace=cast.workspace, user=cast.owner, daily_digest=True)
    assert send_daily_digests() == 1
    assert mail.outbox[0].to == [cast.owner.email] and "Ada Lovelace" in mail.outbox[0].body
    assert send_daily_digests() == 0  # once a day, and each notice once


def test_an_actions_own_echo_does_not_fire_its_rule_and_chains_stop(cast, pipeline):
    job, (new, phone, onsite), _ = pipeline
    to_phone = live_rule(cast, name="A", trigger_options={"to_stage": phone.pk},
                         actions=[{"kind": "move_stage", "stage": onsite.pk}])  # fmt: skip
    to_onsite = live_rule(cast, name="B", trigger_options={"to_stage": onsite.pk},
                          actions=[{"kind": "move_stage", "stage": phone.pk}])  # fmt: skip
    app = application(cast, job, phone)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    move_a = WritebackAction.objects.get(automation_firings__rule=to_phone)

    # A's move is mirrored (its echo): B fires, one step down the chain.
    app.current_stage = onsite
    app.save()
    stage_event(app, phone, onsite, cause=move_a.pk)
    engine.evaluate_pending()
    firing_b = RuleFiring.objects.get(rule=to_onsite)
    assert (firing_b.status, firing_b.depth, firing_b.chain) == (FiringStatus.FIRED, 1, [to_phone.pk])
    move_b = WritebackAction.objects.get(automation_firings__rule=to_onsite)

    # B's echo would start A again: A is in the chain, so it is skipped (no ping-pong).
    app.current_stage = phone
    app.save()
    stage_event(app, onsite, phone, cause=move_b.pk)
    engine.evaluate_pending()
    loop = RuleFiring.objects.filter(rule=to_phone).order_by("pk").last()
    assert loop.status == FiringStatus.SKIPPED and "loop protection" in loop.reason
    assert WritebackAction.objects.filter(source=WritebackSource.AUTOMATION).count() == 2


def test_chains_longer_than_the_limit_stop(cast, pipeline, monkeypatch):
    job, (new, phone, onsite), _ = pipeline
    monkeypatch.setattr(engine, "MAX_CHAIN_DEPTH", 0)
    first = live_rule(cast, name="first", trigger_options={"to_stage": phone.pk},
                      actions=[{"kind": "add_tag", "tag": "one"}])  # fmt: skip
    second = live_rule(cast, name="second", trigger_options={"to_stage": onsite.pk})
    app = application(cast, job, phone)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    cause = WritebackAction.objects.get(automation_firings__rule=first)
    stage_event(app, phone, onsite, cause=cause.pk)
    engine.evaluate_pending()
    stopped = RuleFiring.objects.get(rule=second)
    assert stopped.status == FiringStatus.SKIPPED and "chain limit" in stopped.reason


def test_preview_shows_exactly_what_the_live_rule_then_does(cast, pipeline):
    job, (new, phone, _), owner = pipeline
    rule = rule_save(
        workspace=cast.workspace,
        draft={
            "name": "Assessment",
            "trigger": Trigger.STAGE_CHANGED,
            "trigger_options": {"to_stage": phone.pk},
            "actions": [
                {"kind": "add_note", "text": "{first_name}: {job_title}, score {score} ({tier})"},
                {"kind": "add_tag", "tag": "already"},
                {"kind": "notify", "recipients": ["owner"]},
            ],
        },
        by=cast.admin,
    )
    app = application(cast, job, phone, owner=owner)
    app.tags.add(TagFactory(connection=cast.connection, name="already"))
    ScoreFactory(application=app, tier="tier_1", score=91.4)
    application(cast, job, new)  # not in the "to" stage: not a match

    preview = rule_preview(rule)
    assert preview.total == 1
    (match,) = preview.shown
    planned = [(p.summary, p.detail, p.skip) for p in match.plans]
    assert planned[0] == ("Add a note", "Ada: Backend Engineer, score 91 (Tier 1)", "")
    assert planned[1][2] == "already tagged “already”"

    rule_mark_previewed(rule)
    rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.admin)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    firing = RuleFiring.objects.get()
    assert [(a["summary"], a["detail"], a["skip"]) for a in firing.actions] == planned
    assert [a["status"] for a in firing.actions] == ["queued", "skipped", "sent"]


def test_apply_to_existing_matches_only_on_request_with_the_count_shown(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    in_phone = [application(cast, job, phone) for _ in range(3)]
    application(cast, job, new)
    rule = live_rule(cast, trigger_options={"to_stage": phone.pk})
    engine.evaluate_pending()
    assert not RuleFiring.objects.exists()  # switching on fired nothing

    assert existing_matches_count(rule) == 3
    with pytest.raises(ValidationError, match="changed"):
        rule_apply_to_existing(rule=rule, expected=2, by=cast.admin)
    assert rule_apply_to_existing(rule=rule, expected=3, by=cast.admin) == 3
    engine.evaluate_pending()
    assert set(RuleFiring.objects.values_list("application_id", flat=True)) == {a.pk for a in in_phone}
    assert WritebackAction.objects.count() == 3
    # Asking again adds nothing: each match already has its event for this version.
    rule_apply_to_existing(rule=rule, expected=3, by=cast.admin)
    engine.evaluate_pending()
    assert WritebackAction.objects.count() == 3


def test_idle_applications_fire_once_per_stay(cast, pipeline):
    job, (new, _, _), owner = pipeline
    rule = live_rule(
        cast,
        trigger=Trigger.IDLE_IN_STAGE,
        trigger_options={"days": 5, "stage": new.pk},
        actions=[{"kind": "notify", "recipients": ["owner"]}],
    )
    now = timezone.now()
    rule.enabled_at = now - timedelta(days=10)
    rule.save()
    idle = application(cast, job, new, owner=owner, stage_entered_at=now - timedelta(days=6))
    application(cast, job, new, owner=owner, stage_entered_at=now - timedelta(days=2))  # not yet
    application(cast, job, new, owner=owner, stage_entered_at=now - timedelta(days=30))  # before switch-on

    assert idle_events(now) == 1
    engine.evaluate_pending()
    assert Notification.objects.get().application == idle
    assert idle_events(now) == 0
    assert idle_events(now + timedelta(hours=1)) == 0


def test_mirror_changes_become_events_only_for_live_triggers(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    app = application(cast, job, phone, changed_at=timezone.now())  # as the mirror's writer leaves it
    tag = TagFactory(connection=cast.connection, name="Referral")
    changes = [
        (app.pk, app.remote_id, "updated", {"current_stage_id": [new.pk, phone.pk], "tags": [[], [tag.pk]]})
    ]
    events = application_events(changes, {Trigger.STAGE_CHANGED, Trigger.TAG_ADDED})
    assert [(e.kind, e.data) for e in events] == [
        (Trigger.STAGE_CHANGED, {"from_stage": new.pk, "to_stage": phone.pk}),
        (Trigger.TAG_ADDED, {"tag": "Referral"}),
    ]
    assert application_events(changes, {Trigger.HIRED}) == []
    # The same batch twice gives the same keys: the second recording adds nothing.
    assert record_events(cast.workspace.pk, events, source=EventSource.SYNC) == 2
    assert record_events(cast.workspace.pk, application_events(changes, {Trigger.STAGE_CHANGED, Trigger.TAG_ADDED}),
                         source=EventSource.WEBHOOK) == 0  # fmt: skip


def test_rules_of_one_workspace_never_see_anothers_events(cast, pipeline):
    job, (new, phone, _), _ = pipeline
    live_rule(cast)
    other_job = JobFactory(connection=cast.other_connection)
    other_stage = StageFactory(connection=cast.other_connection)
    other = ApplicationFactory(connection=cast.other_connection, job=other_job, current_stage=other_stage)
    stage_event(other, other_stage, other_stage)
    engine.evaluate_pending()
    assert not RuleFiring.objects.exists()


def test_saving_or_switching_a_version_someone_replaced_is_refused(cast, pipeline):
    draft = {
        "name": "R",
        "trigger": Trigger.APPLICATION_CREATED,
        "actions": [{"kind": "add_tag", "tag": "x"}],
    }
    rule = rule_save(workspace=cast.workspace, draft=draft, by=cast.admin)
    rule_save(
        workspace=cast.workspace, draft={**draft, "name": "R2"}, by=cast.owner, rule=rule, expected_version=1
    )
    with pytest.raises(ValidationError, match="version 2"):
        rule_save(
            workspace=cast.workspace,
            draft={**draft, "name": "R3"},
            by=cast.admin,
            rule=rule,
            expected_version=1,
        )
    rule.refresh_from_db()
    rule_mark_previewed(rule)
    with pytest.raises(ValidationError, match="edited since"):
        rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.admin, expected_version=1)
    assert rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.admin, expected_version=2).mode == RuleMode.ON


def test_the_operators_command_lists_rules_evaluates_and_switches_off(cast, pipeline):
    from io import StringIO

    from django.core.management import call_command

    job, (new, phone, _), _ = pipeline
    rule = live_rule(cast, name="Tag phone screens", trigger_options={"to_stage": phone.pk})
    stage_event(application(cast, job, phone), new, phone)
    out = StringIO()
    call_command("automation", stdout=out)
    assert "Tag phone screens" in out.getvalue() and "1 events pending evaluation." in out.getvalue()
    out = StringIO()
    call_command("automation", "--evaluate", stdout=out)
    assert "1 events evaluated: 1 fired." in out.getvalue()
    call_command("automation", "--switch-off", str(rule.pk), stdout=StringIO())
    rule.refresh_from_db()
    assert rule.mode == RuleMode.OFF


def test_the_candidates_timeline_shows_what_rules_did(cast, pipeline):
    from apps.candidates.timeline import candidate_timeline

    job, (new, phone, _), _ = pipeline
    live_rule(cast, name="Assessment", trigger_options={"to_stage": phone.pk})
    live_rule(cast, name="Never", trigger_options={"to_stage": phone.pk},
              conditions=[{"field": "tag", "op": "has", "value": "absent"}])  # fmt: skip
    app = application(cast, job, phone)
    stage_event(app, new, phone)
    engine.evaluate_pending()
    page = candidate_timeline(candidate=app.candidate, applications=[app])
    (entry,) = [e for e in page.entries if e.kind == "automation"]  # a skipped rule is not shown
    assert entry.title == "Rule “Assessment”" and entry.status == "Fired"
    assert entry.details == ("Add tag “auto”: queued",) and entry.application == app


def test_a_first_sync_of_old_applications_records_no_events(cast, pipeline):
    from types import SimpleNamespace

    from apps.automation.events import on_records_changed
    from apps.candidates.models import Application

    job, (new, _, _), _ = pipeline
    rule = live_rule(cast, trigger=Trigger.APPLICATION_CREATED)
    old = application(cast, job, new, remote_created_at=rule.enabled_at - timedelta(days=90))
    fresh = application(cast, job, new, remote_created_at=rule.enabled_at + timedelta(seconds=1))
    writer = SimpleNamespace(connection=cast.connection, source="full", writeback_action_id=None)
    changes = [(a.pk, a.remote_id, "created", {}) for a in (old, fresh)]
    on_records_changed(sender=Application, writer=writer, changes=changes)
    assert list(AutomationEvent.objects.values_list("application_id", flat=True)) == [fresh.pk]


def test_a_failure_in_automation_never_breaks_the_change_that_signalled_it(
    cast, pipeline, monkeypatch, caplog
):
    from types import SimpleNamespace

    from apps.automation import events
    from apps.candidates.models import Application

    job, (new, _, _), _ = pipeline
    live_rule(cast, trigger=Trigger.APPLICATION_CREATED)
    app = application(cast, job, new)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in automation")

    monkeypatch.setattr(events, "application_events", broken)
    writer = SimpleNamespace(connection=cast.connection, source="delta", writeback_action_id=None)
    events.on_records_changed(
        sender=Application, writer=writer, changes=[(app.pk, app.remote_id, "created", {})]
    )
    assert "on_records_changed failed" in caplog.text
    assert Application.objects.filter(pk=app.pk).exists() and not AutomationEvent.objects.exists()


def test_a_stage_removed_since_the_rule_was_saved_skips_the_action_with_why(cast, pipeline):
    job, (new, phone, onsite), _ = pipeline
    live_rule(
        cast, trigger_options={"to_stage": phone.pk}, actions=[{"kind": "move_stage", "stage": onsite.pk}]
    )
    app = application(cast, job, phone)
    onsite.delete()
    stage_event(app, new, phone)
    engine.evaluate_pending()
    (action,) = RuleFiring.objects.get().actions
    assert action["status"] == "skipped" and "no longer exists" in action["reason"]
