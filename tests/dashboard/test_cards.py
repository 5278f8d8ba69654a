"""The loops of a dashboard job card, whose markup is built in Python (dashboard_cards)."""

from __future__ import annotations

from django.template import Context, Template

from apps.dashboard.funnel import funnel_geometry
from apps.dashboard.templatetags.dashboard_cards import funnel_rows, stage_links
from apps.jobs.models import Stage
from apps.jobs.selectors import StageCount

# The loops _job_card.html rendered before the tags took over: the tags must give the same bytes.
TEMPLATE_BARS = """{% load l10n %}{% localize off %}{% for bar in funnel.bars %}
    <g class="funnel-row">
      <text class="funnel-label" x="{{ funnel.label_x }}" y="{{ bar.text_y }}" text-anchor="end">{{ bar.short_label }}</text>
      <rect class="funnel-track" x="{{ funnel.bar_x }}" y="{{ bar.y }}" width="{{ funnel.track_width }}" height="{{ funnel.bar_height }}" rx="3"></rect>
      {% if bar.stage_id and bar.count %}
      {# Pointer shortcut only: keyboard and screen reader users get the same links from the stage list below. #}
      <a href="{{ list_url }}?stage={{ bar.stage_id }}" tabindex="-1" class="funnel-link">
        <title>{{ bar.label }}: {{ bar.count }} — open in the pipeline</title>
        <rect class="funnel-bar" x="{{ funnel.bar_x }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ funnel.bar_height }}" rx="3"></rect>
      </a>
      {% elif bar.count %}
      <rect class="funnel-bar other" x="{{ funnel.bar_x }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ funnel.bar_height }}" rx="3"></rect>
      {% endif %}
      <text class="funnel-count{% if not bar.count %} zero{% endif %}" x="{{ bar.count_x }}" y="{{ bar.text_y }}">{{ bar.count }}</text>
    </g>
    {% endfor %}{% endlocalize %}"""  # noqa: E501
TEMPLATE_LINKS = """{% for stage in stages_with_people %}<li>{% if stage.stage_id %}<a href="{{ list_url }}?stage={{ stage.stage_id }}">{{ stage.name }}</a>{% else %}{{ stage.name }}{% endif %} <span class="muted">{{ stage.count }}</span></li>{% endfor %}"""  # noqa: E501

STAGES = [
    (4, "New <applicant> & “friends”", 1234),
    (5, "A stage name long enough to be shortened", 3),
    (6, "Offer", 0),
    (None, "Other stages", 7),
]
LIST_URL = "/jobs/3/pipeline/list/?a=1&b=2"  # escaped as the template did, odd as it is


def test_funnel_bars_are_what_the_template_loop_rendered():
    for stages in (STAGES, STAGES[2:3], []):
        funnel = funnel_geometry(stages)
        expected = Template(TEMPLATE_BARS).render(Context({"funnel": funnel, "list_url": LIST_URL}))
        assert funnel_rows(funnel, LIST_URL) == expected


def test_stage_links_are_what_the_template_loop_rendered():
    stages = [
        StageCount(Stage(pk=stage_id, name=name) if stage_id else None, count)
        for stage_id, name, count in STAGES
    ]
    expected = Template(TEMPLATE_LINKS).render(Context({"stages_with_people": stages, "list_url": LIST_URL}))
    assert stage_links(stages, LIST_URL) == expected
    assert stage_links([], LIST_URL) == ""
