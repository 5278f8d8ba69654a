from __future__ import annotations

import pytest
from django.urls import reverse

from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    TagFactory,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def names(response):
    return [candidate.name for candidate in response.context["page"].object_list]


def test_search_by_name_any_email_and_company(cast):
    CandidateFactory(
        connection=cast.connection, name="Ada Lovelace", emails=["ada@work.example", "ada@home.example"]
    )
    CandidateFactory(connection=cast.connection, name="Grace Hopper", current_company="Navy")
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("candidates:list"), {"q": "lovelace"})) == ["Ada Lovelace"]
    assert names(client.get(reverse("candidates:list"), {"q": "ada@home"})) == ["Ada Lovelace"]
    assert names(client.get(reverse("candidates:list"), {"q": "navy"})) == ["Grace Hopper"]


def test_filters_by_outcome_and_job(cast):
    hired = ApplicationFactory(connection=cast.connection, outcome="hired", candidate__name="Hired Person")
    active = ApplicationFactory(connection=cast.connection, candidate__name="Active Person")
    client = client_for(cast.recruiter)
    assert names(client.get(reverse("candidates:list"), {"outcome": "hired"})) == ["Hired Person"]
    assert names(client.get(reverse("candidates:list"), {"job": active.job_id})) == ["Active Person"]
    assert hired.candidate.name not in names(client.get(reverse("candidates:list"), {"job": active.job_id}))


def test_profile_shows_every_application_and_the_union_of_their_tags(cast):
    candidate = CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    first = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Backend Engineer")
    second = ApplicationFactory(connection=cast.connection, candidate=candidate, job__name="Data Engineer")
    first.tags.add(TagFactory(connection=cast.connection, name="python"))
    second.tags.add(TagFactory(connection=cast.connection, name="Tier 1"))
    NoteFactory(application=first, body="Great systems answer")
    InterviewFactory(application=second, title="Panel interview")
    AttachmentFactory(application=first, name="ada-cv.pdf")
    response = client_for(cast.viewer).get(reverse("candidates:detail", args=[candidate.pk]))
    assert response.context["tags"] == ["python", "Tier 1"]
    page = response.content.decode()
    for text in (
        "Backend Engineer",
        "Data Engineer",
        "Great systems answer",
        "Panel interview",
        "ada-cv.pdf",
    ):
        assert text in page


def test_profile_hides_records_deleted_in_lever(cast):
    application = ApplicationFactory(connection=cast.connection)
    NoteFactory(application=application, body="Removed note", remote_deleted_at=application.created_at)
    page = (
        client_for(cast.viewer)
        .get(reverse("candidates:detail", args=[application.candidate.pk]))
        .content.decode()
    )
    assert "Removed note" not in page and "No notes yet" in page
