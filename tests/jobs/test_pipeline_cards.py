"""The board's cards, whose markup is built in Python (apps/jobs/templatetags/pipeline_cards.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from apps.integrations.models import WritebackKind, WritebackStatus
from apps.jobs.pipeline import Card
from apps.jobs.templatetags.pipeline_cards import pipeline_rows
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


# -- The list's rows, built in Python too ------------------------------------------------------------

# The loop pipeline.html rendered the rows with before `{% pipeline_rows %}` took over: the rows must
# come out byte for byte as it made them.
TEMPLATE_ROWS = """{% for card in cards %}
          <tr>
            <td class="select"><input type="checkbox" name="application" value="{{ card.pk }}" form="pipeline-bulk" aria-label="Select {{ card.name }}"></td>
            <td>
              <a href="{{ card.profile_url }}">{{ card.name }}</a>
              {% if card.outcome != "active" %} <span class="badge {{ card.outcome }}">{{ card.outcome_label }}</span>{% endif %}
              <div class="row-sub">{{ card.email }}{% if card.top_reason %}<span class="row-reason"> · {{ card.top_reason|truncatechars:90 }}</span>{% endif %}</div>
              {% if card.tags %}<ul class="tags row-tags" aria-label="Tags">{% for tag in card.tags %}<li class="badge">{{ tag }}</li>{% endfor %}</ul>{% endif %}
            </td>
            <td>{{ card.stage_name|default:"—" }}</td>
            <td class="num">{{ card.score_label|default:"—" }}</td>
            <td><span class="badge {{ card.tier_class }}">{{ card.tier_label }}</span></td>
            <td class="num">{{ card.days_in_stage|default_if_none:"—" }}</td>
            <td>{% if card.applied_at %}<time datetime="{{ card.applied_at|date:'c' }}">{{ card.applied_at|date:"j M Y" }}</time>{% else %}—{% endif %}</td>
            <td>{{ card.source_label|default:"—" }}</td>
            <td>{{ card.owner_label }}</td>
          </tr>
          {% endfor %}"""  # noqa: E501


def a_card(**fields):
    values = {
        "pk": 7,
        "candidate_id": 3,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "stage_id": 1,
        "stage_name": "Phone screen",
        "score": 81.5,
        "tier": "tier_1",
        "top_reason": "Six years of Python",
        "tags": ["python", "remote"],
        "sources": ["LinkedIn"],
        "origin": "applied",
        "owner": "Grace",
        "outcome": "active",
        "entered_on": date(2025, 3, 1),
        "applied_at": datetime(2025, 2, 28, 23, 30, 5, 123456, tzinfo=UTC),
        "days_in_stage": 12,
        "profile_url": "/candidates/3/",
    }
    return Card(**(values | fields))


def test_list_rows_are_what_the_template_loop_rendered():
    cards = [
        a_card(),
        a_card(
            pk=8,
            name='<b>Bobby</b> "Tables" & Co',
            email="bobby&co@example.com",
            stage_name="",
            score=None,
            tier="",
            top_reason="A reason well over ninety characters long, with <markup> & “quotes”, " * 3,
            tags=[],
            sources=[],
            owner="",
            outcome="rejected",
            entered_on=None,
            applied_at=None,
            days_in_stage=None,
        ),
        a_card(pk=9, top_reason="Cafe\u0301 culture", tags=["a<", 'b"', "c&"], days_in_stage=0),
        a_card(pk=10, top_reason="", outcome="hired", applied_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC)),
    ]
    expected = Template(TEMPLATE_ROWS).render(Context({"cards": cards}))
    assert pipeline_rows(cards) == expected
    assert pipeline_rows([]) == Template(TEMPLATE_ROWS).render(Context({"cards": []}))
