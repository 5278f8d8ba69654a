"""The loops of a dashboard job card, their markup built in Python: `{% funnel_rows funnel list_url %}`
(the funnel's bars) and `{% stage_links stages list_url %}` (the links to each stage's list).

Through the template engine each bar cost some 15 variable lookups and each link 5, most of a job
card and, with 12 cards, a good part of the dashboard. The markup is exactly what the template's
loops rendered (numbers as `str()` gives them, as the template did without thousand separators):
change it here, not in _job_card.html. Stage names go through `escape`, as the template's
autoescaping did.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from apps.dashboard.funnel import Funnel
from apps.jobs.selectors import StageCount

register = template.Library()


@register.simple_tag
def funnel_rows(funnel: Funnel, list_url: str) -> SafeString:
    list_url = escape(list_url)
    parts = []
    for bar in funnel.bars:
        parts.append(
            '\n    <g class="funnel-row">\n'
            f'      <text class="funnel-label" x="{funnel.label_x}" y="{bar.text_y}" text-anchor="end">'
            f"{escape(bar.short_label)}</text>\n"
            f'      <rect class="funnel-track" x="{funnel.bar_x}" y="{bar.y}" width="{funnel.track_width}" '
            f'height="{funnel.bar_height}" rx="3"></rect>\n      '
        )
        rect = (
            f'x="{funnel.bar_x}" y="{bar.y}" width="{bar.width}" height="{funnel.bar_height}" rx="3"></rect>'
        )
        if bar.stage_id and bar.count:
            # Pointer shortcut only: keyboard and screen reader users get the same links from the stage list.
            parts.append(
                f'\n      \n      <a href="{list_url}?stage={bar.stage_id}" tabindex="-1" class="funnel-link">\n'
                f"        <title>{escape(bar.label)}: {bar.count} — open in the pipeline</title>\n"
                f'        <rect class="funnel-bar" {rect}\n      </a>\n      '
            )
        elif bar.count:
            parts.append(f'\n      <rect class="funnel-bar other" {rect}\n      ')
        zero = "" if bar.count else " zero"
        parts.append(
            f'\n      <text class="funnel-count{zero}" x="{bar.count_x}" y="{bar.text_y}">{bar.count}</text>\n'
            "    </g>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - the stage names and the URL are escaped


@register.simple_tag
def stage_links(stages: list[StageCount], list_url: str) -> SafeString:
    list_url = escape(list_url)
    parts = []
    for stage in stages:
        name = escape(stage.name)
        link = f'<a href="{list_url}?stage={stage.stage_id}">{name}</a>' if stage.stage_id else name
        parts.append(f'<li>{link} <span class="muted">{stage.count}</span></li>')
    return mark_safe("".join(parts))  # noqa: S308 - the stage names and the URL are escaped
