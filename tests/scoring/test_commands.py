from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from apps.scoring.engine import backends
from apps.scoring.models import Score
from tests.scoring.factories import application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("score", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def two_jobs(cast):
    first, second = job_to_score(cast.connection), job_to_score(cast.connection, name="Data Engineer")
    application_with_resume(cast.connection, job=first)
    application_with_resume(cast.connection, job=second)
    application_with_resume(cast.other_connection, job=job_to_score(cast.other_connection))
    return first, second


def test_all_scores_everything_then_nothing_changed(two_jobs):
    out, err = run("--all")
    assert "Scored 3, unchanged 0, failed 0" in out
    assert "scoring: 3 applications" in err  # the progress line (plain when not a terminal)
    out, _ = run("--all")
    assert "Scored 0, unchanged 3, failed 0" in out


def test_force_rescores_what_did_not_change(two_jobs):
    run("--all")
    out, _ = run("--all", "--force")
    assert "Scored 3, unchanged 0" in out


def test_job_scores_only_that_pipeline(two_jobs):
    first, _ = two_jobs
    out, _ = run("--job", str(first.pk))
    assert "Scored 1," in out
    assert list(Score.objects.values_list("job_id", flat=True)) == [first.pk]


def test_workspace_limits_to_one_workspace(cast, two_jobs):
    out, _ = run("--workspace", "acme")
    assert "Scored 2," in out
    assert set(Score.objects.values_list("workspace_id", flat=True)) == {cast.workspace.pk}


def test_a_job_of_another_workspace_is_not_found(two_jobs):
    first, _ = two_jobs
    with pytest.raises(CommandError, match="No job"):
        run("--job", str(first.pk), "--workspace", "globex")


def test_unknown_workspace_and_missing_target_are_explained(two_jobs):
    with pytest.raises(CommandError, match="No workspace with the slug 'nope'"):
        run("--workspace", "nope")
    with pytest.raises(CommandError, match="Say what to score"):
        run()


def test_failures_are_counted_and_make_the_command_fail(two_jobs):
    boom = mock.patch.object(backends, "score_prepared", side_effect=RuntimeError("boom"))
    with boom, pytest.raises(CommandError, match="3 application"):
        run("--all")
    assert not Score.objects.exists()
