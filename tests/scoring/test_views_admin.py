"""Staff admin pages for scoring render, and every scoring URL with an id is scoped to the workspace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.candidates.models import Application
from apps.scoring import services
from apps.scoring.models import Score, ScoreFeedback, ScoringProfile, ScoringSettings
from tests.conftest import client_for
from tests.scoring.factories import ScoringSettingsFactory, application_with_resume, job_to_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(cast):
    application = application_with_resume(cast.connection, job=job_to_score(cast.connection))
    services.score_applications(Application.objects.all())
    ScoreFeedback.objects.create(
        workspace=cast.workspace, application=application, user=cast.recruiter, verdict="up"
    )
    ScoringProfile.objects.create(workspace=cast.workspace, job=application.job, must_haves=["Python"])
    ScoringSettingsFactory(workspace=cast.workspace)
    return application


@pytest.mark.parametrize("model", [Score, ScoreFeedback, ScoringProfile, ScoringSettings])
def test_admin_changelist_and_change_page_render(staff_client, scored, model):
    meta = model._meta
    assert (
        staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    )
    obj = model.objects.get()
    assert (
        staff_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("url_name", "method", "target"),
    [
        ("scoring:job", "get", "job"),
        ("scoring:job-profile", "post", "job"),
        ("scoring:job-rescore", "post", "job"),
        ("scoring:job-export", "get", "job"),
        ("scoring:job-join-keys", "get", "job"),
        ("scoring:application-feedback", "post", "application"),
    ],
)
def test_scoring_objects_of_another_workspace_are_a_404(cast, scored, url_name, method, target):
    obj = scored.job if target == "job" else scored
    client = client_for(cast.outsider)  # owner of Globex: every capability, wrong workspace
    response = getattr(client, method)(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 404
