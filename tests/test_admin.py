"""Every admin changelist and change page renders for staff, and no secret is ever on screen."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.models import Membership, User, Workspace
from tests.accounts.factories import MembershipFactory
from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateExportFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    OfferFactory,
    RejectionReasonFactory,
    ScorecardFactory,
    SourceFactory,
    TagFactory,
)
from tests.imports.factories import CandidateImportFactory, ImportRowFactory
from tests.integrations.factories import (
    AtsUserFactory,
    ConnectionFactory,
    LeverWebhookFactory,
    RateLimitBucketFactory,
    RecordChangeFactory,
    SyncRunFactory,
    WebhookEventFactory,
    WritebackActionFactory,
)
from tests.jobs.factories import (
    HiringTeamMemberFactory,
    JobExportSettingsFactory,
    JobFactory,
    JobScreeningQuestionFactory,
    JobStageFactory,
    RequisitionFactory,
    ScreeningQuestionFactory,
    StageFactory,
)
from tests.scoring.factories import (
    ScoreFactory,
    ScoreFeedbackFactory,
    ScoringProfileFactory,
    ScoringSettingsFactory,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "integrations", "jobs", "candidates", "scoring", "imports"}

FACTORIES = [
    MembershipFactory,
    ConnectionFactory,
    AtsUserFactory,
    SyncRunFactory,
    WebhookEventFactory,
    LeverWebhookFactory,
    WritebackActionFactory,
    RecordChangeFactory,
    RateLimitBucketFactory,
    StageFactory,
    JobFactory,
    JobStageFactory,
    HiringTeamMemberFactory,
    ScreeningQuestionFactory,
    JobScreeningQuestionFactory,
    TagFactory,
    SourceFactory,
    RequisitionFactory,
    RejectionReasonFactory,
    CandidateFactory,
    ApplicationFactory,
    NoteFactory,
    InterviewFactory,
    OfferFactory,
    AttachmentFactory,
    ScorecardFactory,
    ScoringProfileFactory,
    ScoreFactory,
    ScoreFeedbackFactory,
    ScoringSettingsFactory,
    CandidateExportFactory,
    JobExportSettingsFactory,
    CandidateImportFactory,
    ImportRowFactory,
]


def make(model):
    if model is User:
        return MembershipFactory().user
    if model is Workspace:
        return MembershipFactory().workspace
    factory = next(f for f in FACTORIES if f._meta.model is model)
    return factory()


def our_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OUR_APPS), key=lambda m: m._meta.label
    )


def test_every_model_of_ours_is_in_the_admin():
    from django.apps import apps

    ours = {m for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert ours == set(our_models())


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_changelist_and_change_page_render(staff_client, model):
    obj = make(model)
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "x"}).status_code == 200
    page = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert escape(str(obj))[:20] in page.content.decode()


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_every_list_filter_choice_renders(staff_client, model):
    make(model)
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    response = staff_client.get(changelist)
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            query = choice["query_string"]
            assert staff_client.get(changelist + query).status_code == 200, (spec.title, query)


def test_remote_data_is_pretty_printed(staff_client):
    job = JobFactory(remote_data={"id": "abc", "text": "Infrastructure Engineer"})
    page = staff_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "<pre" in page and "&quot;text&quot;: &quot;Infrastructure Engineer&quot;" in page


def test_mirrored_records_are_view_only(staff_client):
    job = JobFactory(name="Original")
    response = staff_client.post(reverse("admin:jobs_job_change", args=[job.pk]), {"name": "Edited"})
    job.refresh_from_db()
    assert response.status_code == 403
    assert job.name == "Original"


def test_secrets_never_appear_on_connection_pages(staff_client):
    connection = ConnectionFactory(
        api_key="lever-key-SECRET",
        access_token="access-SECRET",
        refresh_token="refresh-SECRET",
        webhook_signing_tokens='["signing-SECRET"]',
    )
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT api_key FROM integrations_connection WHERE id = %s", [connection.pk])
        ciphertext = cursor.fetchone()[0]
    for url in (
        reverse("admin:integrations_connection_change", args=[connection.pk]),
        reverse("admin:integrations_connection_changelist"),
    ):
        page = staff_client.get(url).content.decode()
        assert "SECRET" not in page
        assert ciphertext not in page
        assert connection.webhook_token not in page
    assert (
        "API key, access token, refresh token, webhook signing token (encrypted)"
        in staff_client.get(
            reverse("admin:integrations_connection_change", args=[connection.pk])
        ).content.decode()
    )


def test_staff_sets_an_api_key_without_ever_seeing_it(staff_client):
    connection = ConnectionFactory(api_key="")
    url = reverse("admin:integrations_connection_change", args=[connection.pk])
    form = {
        "workspace": connection.workspace_id,
        "provider": "lever",
        "name": "Acme Lever",
        "auth_type": "api_key",
        "environment": "production",
        "base_url": "",
        "admin_email": "",
        "writeback_user": "",
        "sweep_daily_requests": "3000",
        "new_api_key": "fresh-key-value",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert connection.api_key == "fresh-key-value"
    assert connection.sweep_daily_requests == 3000
    assert "fresh-key-value" not in staff_client.get(url).content.decode()


def test_membership_inline_shows_on_the_workspace(staff_client):
    membership = MembershipFactory()
    page = staff_client.get(reverse("admin:accounts_workspace_change", args=[membership.workspace_id]))
    assert membership.user.email in page.content.decode()
    assert Membership.objects.count() == 1
