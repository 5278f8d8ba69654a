"""`{% pipeline_card card column %}`: one card of the pipeline board, its HTML built in Python.

A board shows up to 8 columns × 15 cards. Through the template engine each card cost ~0.3 ms of CPU
(some 30 variable lookups, filters and tags), about half of the whole board; built here it costs a
few microseconds. The markup is exactly what the template partial rendered (tests/jobs, the e2e
tests, pipeline.js and bench/web_load_users.py rely on it): change it here, not in pipeline.html.
Every value from the database goes through `escape`, as the template's autoescaping did.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.jobs.pipeline import Card, Column

register = template.Library()

WRITEBACK_CHIP = "integrations/_writeback_status.html"
_SHARED = "pipeline_cards.shared"  # per-render cache key in the context's render_context


def _shared(context: template.Context) -> dict[str, Any]:
    """What every card of the board shares (computed once per render, not per card)."""
    shared = context.render_context.get(_SHARED)
    if shared is None:
        token = context.get("csrf_token")
        # As {% csrf_token %} renders it.
        csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
            if token and token != "NOTPROVIDED"
            else ""
        )
        shared = {
            "can_move": bool(context.get("can_move")),
            "form_fields": f'{csrf}<input type="hidden" name="next" value="{escape(context.get("next_url", ""))}">',
        }
        context.render_context[_SHARED] = shared
    return shared


def _chip(context: template.Context, card: Card) -> str:
    """The card's write-back status chip, rendered by its template (few cards have one)."""
    if card.writeback is None:
        return ""
    chip = context.template.engine.get_template(WRITEBACK_CHIP)  # type: ignore[union-attr]
    with context.push(action=card.writeback):
        return chip.render(context)


@register.simple_tag(takes_context=True)
def pipeline_card(context: template.Context, card: Card, column: Column) -> SafeString:
    shared = _shared(context)
    can_move = shared["can_move"]
    pk, name = card.pk, escape(card.name)
    draggable = ' draggable="true"' if can_move else ""
    parts = [
        f'\n\n<article class="pcard" aria-labelledby="card-{pk}-name" data-score="{escape(card.score_label)}"'
        f"{draggable}>\n"
        f'<div class="pcard-head"><a class="pcard-name" id="card-{pk}-name" href="{escape(card.profile_url)}">'
        f'{name}</a> <span class="badge {escape(card.tier_class)}">{escape(card.tier_label)}'
    ]
    if card.tier:
        parts.append(f'<span class="score"> · {escape(card.score_label)}</span>')
    parts.append("</span></div>\n")
    if card.outcome != "active":
        parts.append(f'<span class="badge {escape(card.outcome)}">{escape(card.outcome_label)}</span>')
    parts.append("\n")
    if card.top_reason:
        parts.append(f'<p class="pcard-reason">{escape(card.top_reason)}</p>')
    parts.append("\n")
    if card.tags:
        parts.append('<ul class="tags pcard-tags" aria-label="Tags">')
        parts.extend(f'<li class="badge">{escape(tag)}</li>' for tag in card.tags_shown)
        hidden = card.tags_hidden
        if hidden:
            titles = ", ".join(escape(tag) for tag in hidden)
            parts.append(f'<li class="badge" title="{titles}">+{len(hidden)}</li>')
        parts.append("</ul>")
    parts.append(
        f'\n<p class="pcard-meta"><span title="Source">{escape(card.source_label or "No source")}</span>'
    )
    if card.stage_entered_at:
        parts.append(
            f' <span title="In this stage since {escape(card.entered_label)}">{escape(card.days_label)}</span>'
        )
    parts.append(
        f' <span title="Owner">{escape(card.owner_label)}</span></p>\n'
        f'<div class="card-status" id="card-status-{pk}">{_chip(context, card)}</div>\n'
    )
    if can_move:
        # Without JavaScript the form posts and comes back here (next); with htmx the chip lands in the card.
        move_url = escape(card.move_url)
        parts.append(
            f'\n\n<details class="pcard-move"><summary>Move to…<span class="sr-only"> ({name})</span></summary>\n'
            f'<form class="move-form" method="post" action="{move_url}" hx-post="{move_url}" '
            f'hx-target="#card-status-{pk}" hx-swap="innerHTML">{shared["form_fields"]}\n'
            f'<label class="sr-only" for="move-{pk}">New stage for {name}</label>\n'
            f'<select id="move-{pk}" name="stage" required><option value="">Choose a stage</option>'
            f"{column.move_options}</select>\n"
            '<button class="small" type="submit">Move</button></form></details>\n'
        )
    parts.append("\n</article>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
