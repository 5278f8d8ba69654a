"""The board's cards, whose markup is built in Python (apps/jobs/templatetags/pipeline_cards.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.integrations.models import WritebackKind, WritebackStatus
from tests.candidates.factories import ApplicationFactory, CandidateFactory, TagFactory
from tests.conftest import client_for
from tests.integrations.factories import WritebackActionFactory
from tests.jobs.factories import JobFactory, JobStageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(cast):
    job = JobFactory(connection=cast.connection, name="Backend Engineer")
    stages = [JobStageFactory(job=job, position=n, stage__name=f"Stage {n}").stage for n in range(3)]
    return job, stages


def card_of(page: str, application) -> str:
    start = page.index(f'<article class="pcard" aria-labelledby="card-{application.pk}-name"')
    return page[start : page.index("</article>", start) + len("</article>")]


def test_a_card_escapes_what_comes_from_lever(cast, board):
    job, stages = board
    candidate = CandidateFactory(connection=cast.connection, name='<b>Bobby</b> "Tables" & Co')
    application = ApplicationFactory(
        connection=cast.connection, job=job, candidate=candidate, current_stage=stages[0], sources=["<x>"]
    )
    tags = [TagFactory(connection=cast.connection, name=name) for name in ("a<", "b", "c", "d&", 'e"')]
    application.tags.add(*tags)
    page = client_for(cast.recruiter).get(reverse("jobs:pipeline", args=[job.pk])).content.decode()
    card = card_of(page, application)
    assert "<b>Bobby" not in card and "&lt;b&gt;Bobby&lt;/b&gt; &quot;Tables&quot; &amp; Co" in card
    assert '<span title="Source">&lt;x&gt;</span>' in card
    # Three tags shown, the others counted, named in the title.
    assert card.count('<li class="badge">') == 3 and '<li class="badge">a&lt;</li>' in card
    assert '<li class="badge" title="d&amp;, e&quot;">+2</li>' in card
    assert "New stage for &lt;b&gt;Bobby&lt;/b&gt; &quot;Tables&quot; &amp; Co</label>" in card


def test_a_card_has_the_move_form_the_e2e_test_and_the_script_use(cast, board):
    job, stages = board
    application = ApplicationFactory(connection=cast.connection, job=job, current_stage=stages[1])
    client = client_for(cast.recruiter)
    page = client.get(reverse("jobs:pipeline", args=[job.pk]) + "?q=").content.decode()
    card = card_of(page, application)
    move = reverse("actions:application-move", args=[application.pk])
    assert 'draggable="true"' in card and f'href="/candidates/{application.candidate_id}/"' in card
    assert f'<form class="move-form" method="post" action="{move}" hx-post="{move}"' in card
    assert 'name="csrfmiddlewaretoken" value="' in card
    assert '<input type="hidden" name="next" value="/jobs/' in card and "?q=" in card
    assert f'<select id="move-{application.pk}" name="stage" required>' in card
    options = card[card.index("<select") : card.index("</select>")]
    assert f'value="{stages[0].pk}"' in options and f'value="{stages[2].pk}"' in options
    assert f'value="{stages[1].pk}"' not in options


def test_a_card_shows_its_failed_move_with_a_retry_form(cast, board):
    job, stages = board
    application = ApplicationFactory(connection=cast.connection, job=job, current_stage=stages[0])
    action = WritebackActionFactory(
        connection=cast.connection,
        application=application,
        kind=WritebackKind.MOVE_STAGE,
        payload={"stage_id": "x", "stage_name": "Stage 2"},
        status=WritebackStatus.FAILED,
        last_error="Lever <refused>",
        completed_at=application.created_at,
    )
    page = client_for(cast.recruiter).get(reverse("jobs:pipeline", args=[job.pk])).content.decode()
    card = card_of(page, application)
    assert f'id="writeback-{action.pk}"' in card and "Lever &lt;refused&gt;" in card
    assert reverse("integrations:writeback-retry", args=[action.pk]) in card  # the chip had `can`
