from __future__ import annotations

import ast

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from apps.integrations.models import ConnectionStatus
from apps.integrations.schedules import (
    AUTOMATION_EVENTS_TASK,
    AUTOMATION_IDLE_TASK,
    DIGEST_TASK,
    PREFIX,
    RESUME_SCHEDULE,
    RESUME_TASK,
    SYNC_TASK,
    ensure_schedules,
)
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


# Automation's schedules exist with or without connections (sourcing rules, notifications).
AUTOMATION = {f"{PREFIX}automation-events", f"{PREFIX}automation-idle", f"{PREFIX}notification-digest"}


def ours():
    """Our schedules except automation's three."""
    return {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX) if s.name not in AUTOMATION}


def test_automation_runs_without_any_connection():
    assert ensure_schedules()["created"] == 3
    schedules = {s.name: s for s in Schedule.objects.filter(name__in=AUTOMATION)}
    assert {name: s.func for name, s in schedules.items()} == {
        f"{PREFIX}automation-events": AUTOMATION_EVENTS_TASK,
        f"{PREFIX}automation-idle": AUTOMATION_IDLE_TASK,
        f"{PREFIX}notification-digest": DIGEST_TASK,
    }
    assert schedules[f"{PREFIX}automation-events"].minutes == 1
    assert schedules[f"{PREFIX}notification-digest"].cron == "0 7 * * *"


def test_each_live_connection_gets_delta_sweep_and_nightly_full():
    connection = ConnectionFactory()
    assert ensure_schedules()["created"] == 5 + len(AUTOMATION)
    schedules = ours()
    base = f"{PREFIX}connection:{connection.pk}:"
    assert set(schedules) == {
        base + "delta",
        base + "sweep",
        base + "full",
        base + "writeback",
        RESUME_SCHEDULE,
    }
    assert (
        schedules[base + "delta"].minutes == 10
        and schedules[base + "delta"].schedule_type == Schedule.MINUTES
    )
    assert schedules[base + "full"].schedule_type == Schedule.CRON
    # django-q2 reads args back with literal_eval: they must be plain values.
    assert ast.literal_eval(schedules[base + "delta"].args) == (connection.pk, "delta", "schedule")
    assert {s.func for s in schedules.values()} == {
        SYNC_TASK,
        "apps.integrations.tasks.process_writebacks",
        RESUME_TASK,
    }


def test_one_resume_schedule_for_all_connections_every_minute():
    ConnectionFactory()
    ConnectionFactory()
    ensure_schedules()
    resume = Schedule.objects.get(name=RESUME_SCHEDULE)
    assert (resume.func, resume.schedule_type, resume.minutes) == (RESUME_TASK, Schedule.MINUTES, 1)
    assert ast.literal_eval(resume.args) == ()
    assert len(ours()) == 2 * 4 + 1


def test_ensure_schedules_is_idempotent_and_follows_disconnects():
    connection = ConnectionFactory()
    ensure_schedules()
    assert ensure_schedules() == {"created": 0, "updated": 0, "unchanged": 5 + len(AUTOMATION), "deleted": 0}
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()
    assert ensure_schedules()["deleted"] == 5  # with the last live connection, the resume schedule goes
    assert not ours()


def test_unrelated_schedules_are_left_alone():
    Schedule.objects.create(
        name="someone-elses", func="math.floor", args="(1.5,)", schedule_type=Schedule.ONCE
    )
    ConnectionFactory(status=ConnectionStatus.NEEDS_REAUTH)  # not live: no schedules
    ensure_schedules()
    assert Schedule.objects.filter(name="someone-elses").exists()
    assert not ours()


def test_command_prints_what_it_did(capsys):
    ConnectionFactory()
    call_command("ensure_schedules")
    assert f"{5 + len(AUTOMATION)} created" in capsys.readouterr().out
