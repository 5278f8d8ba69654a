"""The automation pages: who may do what, the editor (with and without htmx), preview → switch, apply to
existing matches, the activity log, and each member's own notifications."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.automation.models import (
    AutomationEvent,
    EventSource,
    Notification,
    NotificationSettings,
    Rule,
    RuleFiring,
    RuleMode,
    Trigger,
)
from apps.automation.services import rule_save, rule_set_mode
from apps.integrations.models import ConnectionStatus, WritebackStatus
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.integrations.factories import WritebackActionFactory
from tests.jobs.factories import JobFactory, StageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages(cast):
    names = ("New applicant", "Phone screen", "Recruiter screen")
    return {
        name: StageFactory(connection=cast.connection, name=name, global_index=i)
        for i, name in enumerate(names)
    }


@pytest.fixture
def applicant(cast, stages):
    job = JobFactory(connection=cast.connection, name="Data Engineer")
    return ApplicationFactory(
        connection=cast.connection,
        job=job,
        current_stage=stages["Phone screen"],
        candidate__name="Ada Lovelace",
        candidate__first_name="Ada",
    )


def draft(stages, **changes):
    base = {
        "name": "Phone screen follow-up",
        "trigger": Trigger.STAGE_CHANGED,
        "trigger_options": {"to_stage": stages["Phone screen"].pk},
        "actions": [
            {"kind": "add_tag", "tag": "Assessment sent"},
            {"kind": "add_note", "text": "Hi {first_name}, welcome to {job_title}."},
        ],
    }
    return base | changes


@pytest.fixture
def rule(cast, stages):
    return rule_save(workspace=cast.workspace, draft=draft(stages), by=cast.owner)


def form_data(stages, **changes):
    """What the editor posts for `draft()` (row counts, indexed row fields)."""
    data = {
        "name": "Phone screen follow-up",
        "description": "",
        "trigger": "stage_changed",
        "from_stage": "",
        "to_stage": str(stages["Phone screen"].pk),
        "scope": "all",
        "conditions_count": "0",
        "actions_count": "2",
        "act-0-kind": "add_tag",
        "act-0-tag": "Assessment sent",
        "act-1-kind": "add_note",
        "act-1-text": "Hi {first_name}, welcome to {job_title}.",
        "save": "1",
    }
    return data | changes


def url(name, *args):
    return reverse(f"automation:{name}", args=args)


# -- permissions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "recruiter", "hiring_manager"])
def test_members_without_the_role_read_but_cannot_change_rules(cast, rule, stages, who):
    client = client_for(getattr(cast, who))
    index = client.get(url("index"))
    assert index.status_code == 200
    assert rule.name in index.content.decode() and "New rule" not in index.content.decode()
    assert client.get(url("detail", rule.pk)).status_code == 200
    preview = client.get(url("preview", rule.pk))
    assert preview.status_code == 200 and "Switch on" not in preview.content.decode()
    refused = [
        client.get(url("new")),
        client.post(url("new"), form_data(stages, name="Hijacked")),
        client.get(url("edit", rule.pk)),
        client.post(url("edit", rule.pk), form_data(stages, name="Hijacked")),
        client.post(url("mode", rule.pk), {"mode": "on"}),
        client.get(url("apply", rule.pk)),
        client.post(url("apply", rule.pk), {"expected": "0"}),
        client.get(url("delete", rule.pk)),
        client.post(url("delete", rule.pk)),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    rule.refresh_from_db()
    # Their look at the preview does not count as the preview that allows switching on.
    assert (rule.name, rule.mode, rule.version, rule.previewed_version) == (
        "Phone screen follow-up",
        RuleMode.OFF,
        1,
        0,
    )
    assert Rule.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, rule):
    for target in (
        url("index"),
        url("new"),
        url("detail", rule.pk),
        url("preview", rule.pk),
        url("notifications"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_another_workspaces_rule_is_a_404(cast, rule):
    client = client_for(cast.outsider)  # owner of Globex
    for name in ("detail", "preview", "edit", "apply", "delete"):
        assert client.get(url(name, rule.pk)).status_code == 404, name
    for name in ("mode", "apply", "delete", "edit"):
        assert client.post(url(name, rule.pk), {"mode": "on", "expected": "0"}).status_code == 404, name
    assert Rule.objects.filter(pk=rule.pk, mode=RuleMode.OFF).exists()
    assert rule.name not in client.get(url("index")).content.decode()


# -- the editor ---------------------------------------------------------------------------------------------


def test_the_editor_shows_each_problem_next_to_its_section(cast, stages):
    data = form_data(
        stages,
        name="",
        scope="jobs",
        **{"act-0-kind": "notify", "act-1-text": "Hello {salary}"},
    )
    response = client_for(cast.admin).post(url("new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="name-errors"' in page and "Name the rule." in page
    assert 'id="scope-errors"' in page and "Choose at least one job." in page
    assert 'id="actions-errors"' in page and "Notify: Notify whom?" in page
    assert "Add note: Unknown placeholder {salary}." in page
    assert "Hello {salary}" in page  # what was typed is kept
    assert not Rule.objects.exists()


def test_rows_are_added_and_removed_without_javascript(cast, stages):
    client = client_for(cast.owner)
    added = client.post(url("new"), form_data(stages, save=None, add_condition="1") | {"save": ""})
    page = added.content.decode()
    assert added.status_code == 200 and "<html" in page
    assert 'name="cond-0-field"' in page and 'id="cond-0-field"' in page
    assert 'name="conditions_count" value="1"' in page
    assert "autofocus" in page.split('id="cond-0-field"')[1].split(">")[0]
    # Choosing what it checks (the no-JS "update" button) shows that field's operators and values.
    data = form_data(stages, conditions_count="1", refresh="condition", **{"cond-0-field": "stage"})
    del data["save"]
    chosen = client.post(url("new"), data).content.decode()
    assert 'name="cond-0-op"' in chosen and 'name="cond-0-values"' in chosen and "Recruiter screen" in chosen
    data = form_data(stages, conditions_count="1", remove_action="0", **{"cond-0-field": "stage"})
    del data["save"]
    removed = client.post(url("new"), data).content.decode()
    assert 'name="actions_count" value="1"' in removed
    assert 'name="act-0-kind"' in removed and "Assessment sent" not in removed  # the tag row went
    assert not Rule.objects.exists()


def test_htmx_gets_only_the_form_back(cast, stages):
    data = form_data(stages, add_action="1")
    del data["save"]
    response = client_for(cast.owner).post(url("new"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<div id="rule-editor"')
    assert 'name="actions_count" value="3"' in page


def test_changing_the_trigger_shows_its_options(cast, stages):
    data = form_data(stages, trigger="idle_in_stage", refresh="trigger")
    del data["save"]
    page = client_for(cast.owner).post(url("new"), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="days"' in page and 'name="idle_stage"' in page and 'name="to_stage"' not in page


def test_a_recipe_opens_the_editor_filled_in_with_the_workspaces_stage(cast, stages):
    client = client_for(cast.owner)
    page = client.get(url("new") + "?recipe=assessment").content.decode()
    phone = stages["Phone screen"].pk
    assert f'<option value="{phone}" selected>Phone screen</option>' in page
    assert 'value="Assessment sent"' in page and "Assessment for {first_name}" in page
    idle = client.get(url("new") + "?recipe=idle").content.decode()
    assert f'<option value="{stages["New applicant"].pk}" selected>New applicant</option>' in idle
    assert 'name="days" value="5"' in idle


def test_the_empty_list_offers_recipes_to_admins_only(cast):
    assert "?recipe=tier-1" in client_for(cast.admin).get(url("index")).content.decode()
    assert "?recipe=" not in client_for(cast.viewer).get(url("index")).content.decode()


# -- create → preview → switch on ----------------------------------------------------------------------------


def test_create_preview_and_switch_on_and_an_edit_switches_it_off(cast, stages, applicant):
    client = client_for(cast.owner)
    created = client.post(url("new"), form_data(stages))
    rule = Rule.objects.get()
    assert created["Location"] == url("preview", rule.pk)

    # Not previewed yet: the switch refuses.
    refused = client.post(url("mode", rule.pk), {"mode": "on"}, follow=True)
    assert "Preview the rule first" in refused.content.decode()
    rule.refresh_from_db()
    assert rule.mode == RuleMode.OFF

    preview = client.get(url("preview", rule.pk)).content.decode()
    assert "1 current application would be acted on" in preview
    assert (
        "Ada Lovelace" in preview and reverse("candidates:detail", args=[applicant.candidate_id]) in preview
    )
    assert "Hi Ada, welcome to Data Engineer." in preview  # the note as it would be sent
    assert "Add tag “Assessment sent”" in preview
    rule.refresh_from_db()
    assert rule.previewed_version == 1

    switched = client.post(url("mode", rule.pk), {"mode": "on", "version": "1"}, follow=True)
    assert "Switched on" in switched.content.decode()
    rule.refresh_from_db()
    assert rule.mode == RuleMode.ON and rule.enabled_at is not None
    listed = client.get(url("index")).content.decode()
    assert "Stage changed to Phone screen" in listed and '<span class="badge ok">On</span>' in listed

    edited = client.post(
        url("edit", rule.pk), form_data(stages, **{"act-0-tag": "Assessment v2"}), follow=True
    )
    assert "An edited rule is switched off" in edited.content.decode()
    rule.refresh_from_db()
    assert (rule.mode, rule.version, rule.previewed_version) == (
        RuleMode.OFF,
        2,
        2,
    )  # the redirect previewed it
    assert [v.version for v in rule.versions.all()] == [2, 1]


def test_the_switch_refuses_a_version_the_admin_did_not_preview(cast, rule):
    client = client_for(cast.owner)
    client.get(url("preview", rule.pk))
    rule.refresh_from_db()
    assert rule.previewed_version == 1
    client.post(url("mode", rule.pk), {"mode": "on", "version": "0"})
    rule.refresh_from_db()
    assert rule.mode == RuleMode.OFF


def test_the_rule_page_disables_on_until_previewed(cast, rule):
    page = client_for(cast.owner).get(url("detail", rule.pk)).content.decode()
    assert 'value="on" class="primary" disabled' in page
    assert "has not been previewed yet" in page


def test_dry_run_for_a_week(cast, rule):
    client = client_for(cast.admin)
    client.get(url("preview", rule.pk))
    client.post(url("mode", rule.pk), {"mode": "dry_run", "version": "1"})
    rule.refresh_from_db()
    assert rule.mode == RuleMode.DRY_RUN and rule.dry_run_until > timezone.now()
    assert "Dry run until" in client.get(url("index")).content.decode()


# -- apply to existing matches ---------------------------------------------------------------------------------


def test_apply_to_existing_shows_the_count_and_refuses_a_stale_one(cast, rule, applicant):
    client = client_for(cast.owner)
    client.get(url("preview", rule.pk))
    rule_set_mode(rule=rule, mode=RuleMode.ON, by=cast.owner)

    page = client.get(url("apply", rule.pk)).content.decode()
    assert "1 current application matches this rule now" in page
    assert 'name="expected" value="1"' in page

    missing = client.post(url("apply", rule.pk), {})
    assert missing.status_code == 409 and "Check the number of matches first" in missing.content.decode()
    stale = client.post(url("apply", rule.pk), {"expected": "5"})
    assert stale.status_code == 409 and "The matches changed since you looked" in stale.content.decode()
    assert not AutomationEvent.objects.exists()

    done = client.post(url("apply", rule.pk), {"expected": "1"})
    assert done["Location"] == url("detail", rule.pk)
    event = AutomationEvent.objects.get()
    assert (event.source, event.application_id) == (EventSource.RETROACTIVE, applicant.pk)
    again = client.post(url("apply", rule.pk), {"expected": "1"}, follow=True)
    assert "Nothing new to apply" in again.content.decode()


def test_apply_needs_the_rule_switched_on(cast, rule, applicant):
    client = client_for(cast.owner)
    assert "Switch the rule on (or to a dry run) first." in client.get(url("apply", rule.pk)).content.decode()
    response = client.post(url("apply", rule.pk), {"expected": "1"})
    assert response.status_code == 409 and not AutomationEvent.objects.exists()


# -- the activity log ----------------------------------------------------------------------------------------


def firing(rule, applicant, *, status="fired", writeback=None, n=0):
    return RuleFiring.objects.create(
        workspace=rule.workspace,
        rule=rule,
        rule_version=1,
        idempotency_key=f"test:{n}",
        application=applicant,
        candidate=applicant.candidate,
        status=status,
        reason="Conditions not met." if status == "skipped" else "",
        conditions=[
            {"condition": "Fit tier is Tier 1", "passed": status != "skipped", "value": "Tier 2"},
        ],
        actions=[
            {
                "kind": "add_tag",
                "summary": "Add tag “Assessment sent”",
                "status": "queued",
                "writeback": writeback.pk if writeback else None,
            }
        ]
        if status == "fired"
        else [],
    )


def test_the_activity_log_shows_firings_with_their_live_outbox_status(cast, rule, applicant):
    writeback = WritebackActionFactory(
        connection=cast.connection, application=applicant, status=WritebackStatus.FAILED
    )
    firing(rule, applicant, writeback=writeback)
    firing(rule, applicant, status="skipped", n=1)
    page = client_for(cast.viewer).get(url("detail", rule.pk)).content.decode()
    assert "Ada Lovelace" in page and "Add tag “Assessment sent”" in page
    assert f'<span class="badge {WritebackStatus.FAILED}">Failed</span>' in page  # the outbox row, live
    assert "Conditions not met." in page and "(was: Tier 2)" in page
    assert '<div class="value">1</div><div class="label">Fired</div>' in page
    assert '<div class="value">1</div><div class="label">Skipped</div>' in page
    skipped_only = client_for(cast.viewer).get(url("detail", rule.pk) + "?status=skipped").content.decode()
    assert "Conditions not met." in skipped_only and "(was: Tier 2)" in skipped_only
    assert "Lever: " not in skipped_only


def test_the_activity_log_costs_the_same_queries_for_more_firings(cast, rule, applicant):
    client = client_for(cast.owner)

    def queries() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert client.get(url("detail", rule.pk)).status_code == 200
        return len(captured)

    firing(rule, applicant, writeback=WritebackActionFactory(connection=cast.connection), n=0)
    queries()  # the first request also loads the session and caches
    few = queries()
    for n in range(1, 8):
        firing(rule, applicant, writeback=WritebackActionFactory(connection=cast.connection), n=n)
    assert queries() == few


def test_the_list_counts_firings_per_rule_in_one_query(cast, rule, applicant, stages):
    other = rule_save(workspace=cast.workspace, draft=draft(stages, name="Another"), by=cast.owner)
    firing(rule, applicant, n=0)
    firing(rule, applicant, status="skipped", n=1)
    firing(other, applicant, status="failed", n=2)
    client = client_for(cast.owner)
    with CaptureQueriesContext(db_connection) as captured:
        page = client.get(url("index")).content.decode()
    assert sum("automation_rulefiring" in q["sql"] for q in captured.captured_queries) == 1
    assert page.count('<td class="num">1</td>') == 3  # fired and skipped of one, failed of the other


def test_the_list_says_when_lever_actions_are_paused(cast, rule):
    assert (
        "Lever actions of all rules are paused"
        not in client_for(cast.owner).get(url("index")).content.decode()
    )
    cast.connection.status = ConnectionStatus.DISCONNECTED
    cast.connection.save()
    assert "Lever actions of all rules are paused; notifications continue" in (
        client_for(cast.owner).get(url("index")).content.decode()
    )
    cast.connection.delete()  # never connected at all: a different sentence
    page = client_for(cast.owner).get(url("index")).content.decode()
    assert "No Lever account is connected." in page and "Lever is disconnected" not in page


def test_delete_asks_first(cast, rule):
    client = client_for(cast.owner)
    assert "Delete the rule" in client.get(url("delete", rule.pk)).content.decode()
    assert Rule.objects.filter(pk=rule.pk).exists()
    assert client.post(url("delete", rule.pk))["Location"] == url("index")
    assert not Rule.objects.filter(pk=rule.pk).exists()


# -- notifications --------------------------------------------------------------------------------------------


def notice(workspace, user, title, *, url="/candidates/", read=False, n=[0]):  # noqa: B006
    n[0] += 1
    return Notification.objects.create(
        workspace=workspace,
        user=user,
        title=title,
        url=url,
        key=f"test:{n[0]}",
        read_at=timezone.now() if read else None,
    )


def test_the_bell_counts_only_my_unread_notices_in_this_workspace(cast):
    notice(cast.workspace, cast.recruiter, "Mine 1")
    notice(cast.workspace, cast.recruiter, "Mine 2")
    notice(cast.workspace, cast.recruiter, "Mine, read", read=True)
    notice(cast.workspace, cast.viewer, "Someone else's")
    notice(cast.other_workspace, cast.recruiter, "Another workspace")
    response = client_for(cast.recruiter).get(url("notification-count"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert '<span class="badge bad">2</span>' in response.content.decode()
    assert "badge" not in client_for(cast.owner).get(url("notification-count")).content.decode()


def test_the_page_loads_the_bell_lazily(cast):
    page = client_for(cast.viewer).get(url("index")).content.decode()
    assert f'hx-get="{url("notification-count")}"' in page and 'hx-trigger="load, every 30s"' in page


def test_a_poll_after_logging_out_swaps_nothing(client):
    assert client.get(url("notification-count"), HTTP_HX_REQUEST="true").status_code == 403
    assert client.get(url("notification-count"))["Location"].startswith(reverse("account_login"))


def test_the_list_shows_only_my_notices_unread_first(cast):
    notice(cast.workspace, cast.recruiter, "Older unread")
    notice(cast.workspace, cast.recruiter, "Newer but read", read=True)
    notice(cast.workspace, cast.viewer, "Someone else's")
    notice(cast.other_workspace, cast.recruiter, "Another workspace")
    client = client_for(cast.recruiter)
    page = client.get(url("notifications")).content.decode()
    assert page.index("Older unread") < page.index("Newer but read")
    assert "Someone else's" not in page and "Another workspace" not in page
    unread = client.get(url("notifications") + "?show=unread").content.decode()
    assert "Older unread" in unread and "Newer but read" not in unread


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(cast):
    mine = notice(cast.workspace, cast.recruiter, "Ada moved", url="/candidates/7/")
    response = client_for(cast.recruiter).get(url("notification-open", mine.pk))
    assert response["Location"] == "/candidates/7/"
    mine.refresh_from_db()
    assert mine.read_at is not None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"]
)
def test_opening_a_notice_never_leaves_the_site(cast, target):
    mine = notice(cast.workspace, cast.recruiter, "Odd", url=target)
    response = client_for(cast.recruiter).get(url("notification-open", mine.pk))
    assert response["Location"] == url("notifications")


def test_nobody_opens_someone_elses_notice(cast):
    theirs = notice(cast.workspace, cast.viewer, "Viewer's")
    assert client_for(cast.recruiter).get(url("notification-open", theirs.pk)).status_code == 404
    assert client_for(cast.outsider).get(url("notification-open", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_my_notices_here(cast):
    mine = notice(cast.workspace, cast.recruiter, "Mine")
    theirs = notice(cast.workspace, cast.viewer, "Theirs")
    elsewhere = notice(cast.other_workspace, cast.recruiter, "Elsewhere")
    client_for(cast.recruiter).post(url("notifications-read-all"))
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=elsewhere.pk).read_at is None


def test_the_daily_digest_is_switched_per_member_and_workspace(cast):
    client = client_for(cast.viewer)
    client.post(url("notification-settings"), {"daily_digest": "on"})
    choice = NotificationSettings.objects.get(user=cast.viewer, workspace=cast.workspace)
    assert choice.daily_digest
    assert "checked" in client.get(url("notifications")).content.decode().split('id="daily-digest"')[1][:60]
    client.post(url("notification-settings"), {})
    choice.refresh_from_db()
    assert not choice.daily_digest
    assert NotificationSettings.objects.count() == 1


def test_editing_shows_the_rule_as_saved(cast, rule, stages):
    page = client_for(cast.owner).get(url("edit", rule.pk)).content.decode()
    assert 'value="Phone screen follow-up"' in page
    assert f'<option value="{stages["Phone screen"].pk}" selected>Phone screen</option>' in page
    assert 'value="Assessment sent"' in page and "Hi {first_name}, welcome to {job_title}." in page
    assert 'name="actions_count" value="2"' in page


def test_saving_an_unchanged_rule_keeps_its_version_and_switch(cast, rule, stages):
    client = client_for(cast.owner)
    client.get(url("preview", rule.pk))
    client.post(url("mode", rule.pk), {"mode": "on", "version": "1"})
    response = client.post(url("edit", rule.pk), form_data(stages), follow=True)
    assert "Nothing changed." in response.content.decode()
    rule.refresh_from_db()
    assert (rule.version, rule.mode) == (1, RuleMode.ON)
