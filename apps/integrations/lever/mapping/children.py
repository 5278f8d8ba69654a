"""An opportunity's children: notes, interviews, offers and feedback (scorecards)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apps.integrations.lever.mapping.values import (
    first,
    flag,
    items,
    long_text,
    money,
    obj,
    ref_id,
    ref_ids,
    text,
    url,
)
from apps.integrations.lever.parsing import parse_int, parse_ms
from apps.integrations.records import Record

# "3 - Hire", "3", 3: a leading 1–4 and, optionally, the label after it.
_RATING = re.compile(r"^\s*(?P<number>\d+)(?:\s*[-–—:)]\s*|\s+|$)(?P<label>.*)$", re.DOTALL)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def map_notes(opportunity_id: str, notes: Any) -> list[Record]:
    """Return one Note per comment of each note thread; a thread with `deletedAt` marks all of them deleted."""
    records = []
    for note in items(notes):
        note_id = ref_id(note.get("id"))
        if note_id is None:
            continue
        deleted = note.get("deletedAt") is not None
        for index, comment in enumerate(items(note.get("fields"))):
            records.append(
                Record(
                    model="candidates.Note",
                    remote_id=f"{note_id}#{index}",
                    fields={
                        "thread_remote_id": note_id,
                        "body": long_text(comment.get("value")),
                        "secret": flag(note.get("secret")),
                        "score": _score(comment.get("score")),
                        "remote_created_at": parse_ms(comment.get("createdAt"))
                        or parse_ms(note.get("createdAt")),
                    },
                    refs={
                        "application": opportunity_id,
                        "author": ref_id(comment.get("user")) or ref_id(note.get("user")),
                        "stage": ref_id(comment.get("stage")),
                    },
                    remote_data=note,
                    deleted=deleted,
                )
            )
    return records


def _score(value: Any) -> int | None:
    score = parse_int(value)
    return score if score is not None and 1 <= score <= 4 else None


def map_interviews(opportunity_id: str, interviews: Any) -> list[Record]:
    """Map interviews; panels (which embed their interviews) are accepted too and flattened."""
    records = []
    for interview in _flatten_panels(items(interviews)):
        interview_id = ref_id(interview.get("id"))
        if interview_id is None:
            continue
        starts_at = parse_ms(interview.get("date"))
        duration = parse_int(interview.get("duration"))
        location = text(interview.get("location"))
        records.append(
            Record(
                model="candidates.Interview",
                remote_id=interview_id,
                fields={
                    "panel_remote_id": text(ref_id(interview.get("panel")), 255),
                    "title": text(interview.get("subject"), 500),
                    "starts_at": starts_at,
                    "ends_at": _ends_at(starts_at, duration),
                    "timezone": text(interview.get("timezone"), 64),
                    "location": location[:500],
                    "video_link": url(location) if _is_web_url(location) else "",
                    "canceled_at": parse_ms(interview.get("canceledAt")),
                    "remote_created_at": parse_ms(interview.get("createdAt")),
                },
                refs={"application": opportunity_id, "stage": ref_id(interview.get("stage"))},
                many={"interviewers": sorted(ref_ids(interview.get("interviewers")))},
                remote_data=interview,
            )
        )
    return records


def _ends_at(starts_at: datetime | None, duration: int | None) -> datetime | None:
    # A week bounds a real interview and keeps a garbage duration from overflowing the datetime.
    if starts_at is None or duration is None or not 0 <= duration <= 7 * 24 * 60:
        return None
    try:
        return starts_at + timedelta(minutes=duration)
    except OverflowError:  # a start in the last week of year 9999
        return None


def _flatten_panels(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for entry in entries:
        if "subject" not in entry and isinstance(entry.get("interviews"), list):
            inherited = {
                "panel": entry.get("id"),
                "stage": entry.get("stage"),
                "timezone": entry.get("timezone"),
            }
            flat += [{**inherited, **interview} for interview in items(entry["interviews"])]
        else:
            flat.append(entry)
    return flat


def _is_web_url(value: str) -> bool:
    lowered = value.lower()
    return lowered.startswith(("http://", "https://")) and len(lowered.split("://", 1)[1].strip("/")) > 0


def map_offers(opportunity_id: str, offers: Any) -> list[Record]:
    """Map offers; salary, currency, interval and start date come from the offer's standard fields."""
    records = []
    for offer in items(offers):
        offer_id = ref_id(offer.get("id"))
        if offer_id is None:
            continue
        fields = [
            {
                "identifier": text(field.get("identifier")),
                "text": text(field.get("text")),
                "value": field.get("value"),
            }
            for field in items(offer.get("fields"))
        ]
        values = {f["identifier"]: f["value"] for f in reversed(fields) if f["identifier"]}
        records.append(
            Record(
                model="candidates.Offer",
                remote_id=offer_id,
                fields={
                    "status": text(offer.get("status"), 40),
                    "fields": fields,
                    "job_title": text(values.get("job_title"), 500),
                    "salary_amount": money(values.get("salary_amount")),
                    "salary_currency": text(
                        first((values.get("compensation_currency"), values.get("salary_currency"))), 8
                    ),
                    "salary_interval": text(values.get("salary_interval"), 40),
                    "start_date": _date(values.get("anticipated_start_date")),
                    "sent_at": parse_ms(offer.get("sentAt"))
                    or parse_ms(obj(offer.get("sentDocument")).get("uploadedAt")),
                    "approved_at": parse_ms(offer.get("approvedAt")),
                    "remote_created_at": parse_ms(offer.get("createdAt")),
                },
                refs={"application": opportunity_id, "creator": ref_id(offer.get("creator"))},
                remote_data=offer,
            )
        )
    return records


def _date(value: Any) -> date | None:
    """Return the UTC date of epoch milliseconds, or of an ISO "YYYY-MM-DD" string."""
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    when = parse_ms(value)
    return when.astimezone(UTC).date() if isinstance(when, datetime) else None


def map_feedback(opportunity_id: str, feedback: Any) -> list[Record]:
    """Map feedback forms to Scorecards; the overall rating comes from the `score-system` field."""
    records = []
    for form in items(feedback):
        form_id = ref_id(form.get("id"))
        if form_id is None:
            continue
        fields = items(form.get("fields"))
        rating, label = _rating(next((f for f in fields if text(f.get("type")) == "score-system"), None))
        kind = text(form.get("type"), 20).lower()
        created = parse_ms(form.get("createdAt"))
        records.append(
            Record(
                model="candidates.Scorecard",
                remote_id=form_id,
                fields={
                    # Lever's docs spell the type "assigment".
                    "kind": "assignment" if kind == "assigment" else kind,
                    "title": text(form.get("text"), 500),
                    "template_remote_id": text(ref_id(form.get("baseTemplateId")), 255),
                    "overall_rating": rating,
                    "rating_label": label[:120],
                    "answers": [
                        {"text": text(f.get("text")), "type": text(f.get("type")), "value": f.get("value")}
                        for f in fields
                    ],
                    "completed_at": parse_ms(form.get("completedAt")),
                    "remote_created_at": created,
                    "remote_updated_at": parse_ms(form.get("updatedAt")) or created,
                },
                refs={
                    "application": opportunity_id,
                    "interview": ref_id(form.get("interview")),
                    "author": ref_id(form.get("user")),
                },
                remote_data=form,
                deleted=form.get("deletedAt") is not None,
            )
        )
    return records


def _rating(field: dict[str, Any] | None) -> tuple[int | None, str]:
    """Return (1–4 rating, label) of a score-system field: "3 - Hire" → (3, "Hire")."""
    if field is None:
        return None, ""
    value = field.get("value")
    match = _RATING.match(text(value)) if not isinstance(value, float) else None
    number = _digits(match["number"]) if match else parse_int(value)
    if number is None or not 1 <= number <= 4:
        return None, ""
    label = match["label"].strip() if match else ""
    options = field.get("options")
    if not label and isinstance(options, list):  # a bare number: borrow the label of the option carrying it
        for option in options:
            option_match = _RATING.match(text(option.get("text") if isinstance(option, dict) else option))
            if option_match and _digits(option_match["number"]) == number:
                label = option_match["label"].strip()
                break
    return number, label


def _digits(digits: str) -> int | None:
    """Return the number a short run of digits spells; None for a run too long to be a rating."""
    return int(digits) if len(digits) <= 9 else None
