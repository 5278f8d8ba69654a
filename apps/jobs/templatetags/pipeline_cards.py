"""`{% column_cards column %}`: the cards of a pipeline board's column, and `{% pipeline_rows cards %}`:
the rows of the pipeline list, their HTML built in Python.

A board shows up to 8 columns × 15 cards. Through the template engine each card cost ~0.3 ms of CPU
(some 30 variable lookups, filters and tags), about half of the whole board; built here it costs a
few microseconds (one tag per column: a tag and a loop turn per card cost more than the card). The markup is exactly what the template partial rendered (tests/jobs, the e2e
tests, pipeline.js and bench/web_load_users.py rely on it): change it here, not in pipeline.html.
The list's 50 rows cost the same through the template (some 20 lookups and filters each), most of
the list page. Every value from the database goes through `escape`, as the template's autoescaping
did: the standard library's, which Django's wraps (the wrapper costs more than the escaping).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe

from apps.jobs.pipeline import Card, Column

register = template.Library()

WRITEBACK_CHIP = "integrations/_writeback_status.html"
_SHARED = "pipeline_cards.shared"  # per-render cache key in the context's render_context


class _Escaped(dict):
    """Text to its escaped form, computed once: cards and rows repeat their tiers, sources, owners,
    tags and dates, and a lookup costs a fraction of escaping again."""

    def __missing__(self, text: str) -> str:
        self[text] = escaped = escape(text)
        return escaped


def _shared(context: template.Context) -> dict[str, Any]:
    """What every card of the board shares (computed once per render, not per card)."""
    shared = context.render_context.get(_SHARED)
    if shared is None:
        token = context.get("csrf_token")
        # As {% csrf_token %} renders it.
        csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
            if token and token != "NOTPROVIDED"
            else ""
        )
        shared = {
            "escaped": _Escaped(),
            "can_move": bool(context.get("can_move")),
            "form_fields": f'{csrf}<input type="hidden" name="next" value="{escape(str(context.get("next_url", "")))}">',
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
def column_cards(context: template.Context, column: Column) -> SafeString:
    shared = _shared(context)
    cards = "".join(_card(context, shared, card, column) for card in column.cards)
    return mark_safe(cards)  # noqa: S308 - every value in a card is escaped


def _card(context: template.Context, shared: dict[str, Any], card: Card, column: Column) -> str:
    can_move, escaped = shared["can_move"], shared["escaped"]
    pk, name, score = card.pk, escape(card.name), escaped[card.score_label]
    draggable = ' draggable="true"' if can_move else ""
    parts = [
        f'\n\n<article class="pcard" aria-labelledby="card-{pk}-name" data-score="{score}"'
        f"{draggable}>\n"
        f'<div class="pcard-head"><a class="pcard-name" id="card-{pk}-name" href="{escape(card.profile_url)}">'
        f'{name}</a> <span class="badge {escaped[card.tier_class]}">{escaped[card.tier_label]}'
    ]
    if card.tier:
        parts.append(f'<span class="score"> · {score}</span>')
    parts.append("</span></div>\n")
    if card.outcome != "active":
        parts.append(f'<span class="badge {escaped[card.outcome]}">{escaped[card.outcome_label]}</span>')
    parts.append("\n")
    if card.top_reason:
        parts.append(f'<p class="pcard-reason">{escaped[card.top_reason]}</p>')
    parts.append("\n")
    if card.tags:
        parts.append('<ul class="tags pcard-tags" aria-label="Tags">')
        parts.extend(f'<li class="badge">{escaped[tag]}</li>' for tag in card.tags_shown)
        hidden = card.tags_hidden
        if hidden:
            titles = ", ".join(escaped[tag] for tag in hidden)
            parts.append(f'<li class="badge" title="{titles}">+{len(hidden)}</li>')
        parts.append("</ul>")
    parts.append(
        f'\n<p class="pcard-meta"><span title="Source">{escaped[card.source_label or "No source"]}</span>'
    )
    if card.entered_on:
        parts.append(
            f' <span title="In this stage since {escaped[card.entered_label]}">{escaped[card.days_label]}</span>'
        )
    parts.append(
        f' <span title="Owner">{escaped[card.owner_label]}</span></p>\n'
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
    return "".join(parts)


@register.simple_tag
def pipeline_rows(cards: list[Card]) -> SafeString:
    """The list's table rows, as the template's loop rendered them (filters included)."""
    parts, escaped, applied_days = [], _Escaped(), {}
    for card in cards:
        pk, name = card.pk, escape(card.name)
        parts.append(
            "\n          <tr>\n"
            f'            <td class="select"><input type="checkbox" name="application" value="{pk}" '
            f'form="pipeline-bulk" aria-label="Select {name}"></td>\n'
            "            <td>\n"
            f'              <a href="{escape(card.profile_url)}">{name}</a>\n              '
        )
        if card.outcome != "active":
            parts.append(f' <span class="badge {escaped[card.outcome]}">{escaped[card.outcome_label]}</span>')
        parts.append(f'\n              <div class="row-sub">{escape(card.email)}')
        if card.top_reason:
            parts.append(f'<span class="row-reason"> · {escape(_reason(card.top_reason))}</span>')
        parts.append("</div>\n              ")
        if card.tags:
            parts.append('<ul class="tags row-tags" aria-label="Tags">')
            parts.extend(f'<li class="badge">{escaped[tag]}</li>' for tag in card.tags)
            parts.append("</ul>")
        days = "—" if card.days_in_stage is None else card.days_in_stage
        parts.append(
            "\n            </td>\n"
            f"            <td>{escaped[card.stage_name] or '—'}</td>\n"
            f'            <td class="num">{escaped[card.score_label] or "—"}</td>\n'
            f'            <td><span class="badge {escaped[card.tier_class]}">{escaped[card.tier_label]}</span></td>\n'
            f'            <td class="num">{days}</td>\n'
            f"            <td>{_applied(card, applied_days)}</td>\n"
            f"            <td>{escaped[card.source_label] or '—'}</td>\n"
            f"            <td>{escaped[card.owner_label]}</td>\n"
            "          </tr>\n          "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _reason(text: str) -> str:
    """`truncatechars:90`, which returns text that fits as it is (NFC-normalised)."""
    if len(text) <= 90 and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, 90)


def _applied(card: Card, days: dict[date, str]) -> str:
    if not card.applied_at:
        return "—"
    # As the template's `date` filter: in the current time zone. Format "c" is isoformat(); "j M Y"
    # depends on the day alone, formatted once per day.
    applied = timezone.localtime(card.applied_at)
    day = applied.date()
    label = days.get(day)
    if label is None:
        label = days[day] = escape(formats.date_format(applied, "j M Y"))
    return f'<time datetime="{escape(applied.isoformat())}">{label}</time>'
