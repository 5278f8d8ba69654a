"""The posting edit form: the fields of a Lever posting Recruitdesk edits, prefilled from the mirror.

The form remembers what it was opened on in a signed hidden `base` (the posting version and a
fingerprint per field), so saving can tell what the person changed from what changed in Lever since
(services.job_edit_compare). Values come out of `edited_values()` in the shape job_update_in_lever takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from apps.integrations.lever.validation import SALARY_RANGE_FIELDS
from apps.integrations.models import WritebackAction
from apps.jobs.models import Job, JobStatus, WorkplaceType
from apps.jobs.posting_html import PostingHtmlError, sanitise_description
from apps.jobs.services import (
    SALARY_INTERVALS,
    SETTABLE_STATES,
    fingerprint,
    job_edit_fingerprints,
    job_edit_values,
    job_version,
)

SALT = "jobs.edit.base"
MAX_LISTS = 30  # a bound on what a posted form can ask for; Lever postings have a handful
REOPENED = "reopened"  # a fingerprint no value has: the field counts as changed by the person
LABELS = {
    "name": "Title",
    "description_html": "Description",
    "requirement_lists": "Requirement lists",
    "location": "Location",
    "team": "Team",
    "department": "Department",
    "commitment": "Commitment",
    "workplace_type": "Workplace type",
    "salary": "Salary range",
    "state": "State",
}
INTERVAL_LABELS = {
    "per-year-salary": "per year",
    "per-month-salary": "per month",
    "semi-month-salary": "twice a month",
    "bi-month-salary": "every two months",
    "bi-week-salary": "every two weeks",
    "per-week-salary": "per week",
    "per-day-wage": "per day",
    "per-hour-wage": "per hour",
    "one-time": "one-time",
}
CONFIRM_CHOICES = [("", "Save"), ("overwrite", "Keep my changes"), ("discard", "Take Lever's version")]
_LIST_KEY = re.compile(r"^list_(\d+)_(?:text|items)$")
_BULLET = re.compile(r"^[•\-*–]\s+")


@dataclass(frozen=True)
class Base:
    """What the form was opened on: the posting version and each field's fingerprint."""

    version: int | None
    fingerprints: dict[str, str]


def sign(job: Job, payload: dict[str, Any]) -> str:
    return signing.dumps({"j": job.pk, **payload}, salt=SALT, compress=True)


def unsign(job: Job, token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and data.get("j") == job.pk else None


class JobEditForm(forms.Form):
    base = forms.CharField(widget=forms.HiddenInput)  # first: the other fields' checks read it
    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the version a conflict showed
    from_action = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.ChoiceField(choices=CONFIRM_CHOICES, required=False)  # the conflict panel's buttons
    name = forms.CharField(label="Title", max_length=500)
    description_html = forms.CharField(
        label="Description",
        required=False,
        max_length=100_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text="HTML as Lever takes it: <div>, <p>, <span>, <br>, <b>, <i>, <s>, <u> and <a href>. "
        "Plain text becomes one paragraph per line.",
    )
    location = forms.CharField(max_length=255, required=False)
    team = forms.CharField(max_length=255, required=False)
    department = forms.CharField(max_length=255, required=False)
    commitment = forms.CharField(max_length=255, required=False, help_text="e.g. Full-time")
    workplace_type = forms.ChoiceField(label="Workplace type", choices=WorkplaceType.choices)
    salary_min = forms.DecimalField(
        label="Minimum", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    salary_max = forms.DecimalField(
        label="Maximum", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    salary_currency = forms.CharField(
        label="Currency", required=False, max_length=3, widget=forms.TextInput(attrs={"size": 4})
    )
    salary_interval = forms.ChoiceField(label="Interval", required=False)
    state = forms.ChoiceField(choices=JobStatus.choices)

    def __init__(self, *args: Any, job: Job, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.parsed_base: Base | None = None
        self.html_removed: tuple[str, ...] = ()
        self.opened_on: tuple[dict[str, str], dict[str, Any]] | None = None  # set by reopened()
        # Lever sets approval states itself and never goes back to "unspecified": offer neither,
        # but accept them unchanged (clean() refuses them as a change).
        self.fields["state"].widget.choices = [
            (value, label)
            for value, label in JobStatus.choices
            if value in SETTABLE_STATES or value == job.status
        ]
        self.fields["workplace_type"].widget.choices = [
            (value, label)
            for value, label in WorkplaceType.choices
            if value != WorkplaceType.UNSPECIFIED or job.workplace_type == WorkplaceType.UNSPECIFIED
        ]
        intervals = [(value, label) for value, label in INTERVAL_LABELS.items() if value in SALARY_INTERVALS]
        if job.salary_interval and job.salary_interval not in SALARY_INTERVALS:
            intervals.append((job.salary_interval, job.salary_interval))
        self.fields["salary_interval"].choices = [("", "—"), *intervals]
        for index in range(self._list_count()):
            self.fields[f"list_{index}_text"] = forms.CharField(
                label="List title", max_length=255, required=False
            )
            self.fields[f"list_{index}_items"] = forms.CharField(
                label="Items, one per line",
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def opened(cls, job: Job) -> JobEditForm:
        """Return the form prefilled from the mirror, remembering the version it shows."""
        values = job_edit_values(job)
        base = sign(job, {"v": job_version(job), "h": job_edit_fingerprints(values)})
        return cls(job=job, initial=initial_for(values) | {"base": base})

    @classmethod
    def reopened(cls, job: Job, action: WritebackAction) -> JobEditForm:
        """Return the form of an update Lever's newer version stopped: the person's values over Lever's."""
        values = job_edit_values(job)
        fingerprints = job_edit_fingerprints(values)
        mine = {name: value for name, value in (action.payload or {}).items() if name in values}
        fingerprints |= dict.fromkeys(mine, REOPENED)
        version = job_version(job)
        initial = initial_for(values | mine) | {
            "base": sign(job, {"v": version, "h": fingerprints}),
            "seen": sign(job, {"v": version}),
            "from_action": action.pk,
        }
        form = cls(job=job, initial=initial)
        form.opened_on = (fingerprints, values | mine)
        return form

    def _list_count(self) -> int:
        """Return how many list slots the form has: each list, plus an empty one to add a list."""
        limit = max(MAX_LISTS, len(self.job.requirement_lists or []) + 1)  # never hide a list Lever has
        if self.is_bound:
            indexes = [int(m.group(1)) for key in self.data if (m := _LIST_KEY.match(key))]
            return min(max(indexes, default=-1) + 1, limit)
        return min(self.initial.get("requirement_lists_count", 0) + 1, limit)

    @property
    def list_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"list_{index}_text"], self[f"list_{index}_items"]) for index in range(self._list_count())
        ]

    @property
    def category_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in ("location", "team", "department", "commitment", "workplace_type", "state")
        ]

    # -- checking ----------------------------------------------------------------------------------

    def clean_base(self) -> str:
        data = unsign(self.job, self.cleaned_data["base"])
        if data is None or not isinstance(data.get("h"), dict):
            # A hidden field's error shows above the form, not next to an input nobody sees.
            self.add_error(None, "This form was not opened on this job, or has expired: reload the page.")
            return ""
        self.parsed_base = Base(version=data.get("v"), fingerprints=data["h"])
        return self.cleaned_data["base"]

    def clean_seen(self) -> dict[str, Any] | None:
        """Return {"v": version} of the conflict the person was shown, or None if they saw none."""
        token = self.cleaned_data.get("seen")
        return unsign(self.job, token) if token else None

    def clean_description_html(self) -> str:
        raw = self.cleaned_data["description_html"].replace("\r\n", "\n").strip()
        if self._unchanged("description_html", raw):
            return raw  # as opened: it is not sent, so it is neither sanitised nor reported
        try:
            result = sanitise_description(raw)
        except PostingHtmlError as exc:
            raise ValidationError(str(exc), code="html") from None
        self.html_removed = result.removed
        return result.html

    def clean_salary_currency(self) -> str:
        currency = self.cleaned_data["salary_currency"].strip().upper()
        if currency and (len(currency) != 3 or not currency.isalpha()):
            raise ValidationError("Use a three-letter currency code, like EUR or USD.", code="currency")
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["requirement_lists"] = self._clean_lists()
        cleaned["salary"] = self._clean_salary()
        state = cleaned.get("state")
        if state and state not in SETTABLE_STATES and not self._unchanged("state", state):
            self.add_error(
                "state", "Lever sets that state itself: choose published, internal, closed or draft."
            )
        workplace = cleaned.get("workplace_type")
        if (
            workplace == WorkplaceType.UNSPECIFIED
            and self.job.workplace_type != WorkplaceType.UNSPECIFIED
            and not self._unchanged("workplace_type", workplace)
        ):
            self.add_error("workplace_type", "Lever cannot set a workplace type back to unspecified.")
        return cleaned

    def _unchanged(self, name: str, value: Any) -> bool:
        base = self.parsed_base
        return base is not None and base.fingerprints.get(name) == fingerprint(value)

    def _clean_lists(self) -> list[dict[str, Any]]:
        slots = self._list_slots()
        as_typed = [{"text": title, "items": items} for title, items in slots if title or items]
        if self._unchanged("requirement_lists", as_typed):
            return as_typed  # as opened, even items that start like a bullet: not sent
        lists = []
        for index, (title, typed) in enumerate(slots):
            items = [item for item in (_BULLET.sub("", line).strip() for line in typed) if item]
            if not title and not items:
                continue  # an empty slot, or a list the person cleared: it goes
            if not title:
                self.add_error(f"list_{index}_text", "Give this list a title, e.g. Requirements.")
            for item in items:
                if len(item) > 1_000:
                    self.add_error(f"list_{index}_items", f"“{item[:40]}…” is longer than 1,000 characters.")
            lists.append({"text": title, "items": items})
        return lists

    def _list_slots(self) -> list[tuple[str, list[str]]]:
        """Return each list slot's title and non-empty lines, as typed."""
        slots = []
        for index in range(self._list_count()):
            title = (self.cleaned_data.get(f"list_{index}_text") or "").strip()
            lines = (self.cleaned_data.get(f"list_{index}_items") or "").replace("\r\n", "\n").split("\n")
            slots.append((title, [line.strip() for line in lines if line.strip()]))
        return slots

    def _clean_salary(self) -> dict[str, Any] | None:
        if any(f"salary_{part}" in self.errors for part in SALARY_RANGE_FIELDS):
            return None
        values = {part: self.cleaned_data.get(f"salary_{part}") for part in SALARY_RANGE_FIELDS}
        given = [part for part, value in values.items() if value not in (None, "")]
        salary = values if given else None
        if self._unchanged("salary", salary):
            return salary  # as opened (even a range Lever holds only in part): not sent
        if not given:
            if job_edit_values(self.job)["salary"] is not None:
                self.add_error(
                    "salary_min", "Lever's API cannot remove a salary range: remove it in Lever itself."
                )
            return None
        if len(given) < len(SALARY_RANGE_FIELDS):
            for part in SALARY_RANGE_FIELDS:
                if part not in given:
                    self.add_error(f"salary_{part}", "Fill in all four salary fields, or none of them.")
            return None
        if values["min"] > values["max"]:
            self.add_error("salary_max", "The maximum is below the minimum.")
            return None
        return values

    # -- reading -----------------------------------------------------------------------------------

    def edited_values(self) -> dict[str, Any]:
        """Return the posting fields as sent, in the shape job_update_in_lever takes (after is_valid)."""
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "description_html": data["description_html"],
            "requirement_lists": data["requirement_lists"],
            "location": data["location"].strip(),
            "team": data["team"].strip(),
            "department": data["department"].strip(),
            "commitment": data["commitment"].strip(),
            "workplace_type": data["workplace_type"],
            "salary": data["salary"],
            "state": data["state"],
        }


def initial_for(values: dict[str, Any]) -> dict[str, Any]:
    """Return form initial data for posting values (job_edit_values' shape)."""
    salary = values.get("salary") or {}
    initial = {
        name: values[name]
        for name in ("name", "description_html", "location", "team", "department", "commitment")
    }
    initial |= {
        "workplace_type": values["workplace_type"],
        "state": values["state"],
        "requirement_lists_count": len(values["requirement_lists"]),
    }
    for part in SALARY_RANGE_FIELDS:
        value = salary.get(part)
        initial[f"salary_{part}"] = _amount(value) if part in ("min", "max") else value or ""
    for index, entry in enumerate(values["requirement_lists"]):
        initial[f"list_{index}_text"] = entry.get("text") or ""
        initial[f"list_{index}_items"] = "\n".join(str(item) for item in entry.get("items") or [])
    return initial


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def display(name: str, value: Any) -> str:
    """Return a field's value as the conflict panel shows it (plain text; the template escapes it)."""
    if name == "requirement_lists":
        return "\n".join(f"{entry['text']}: " + "; ".join(entry["items"]) for entry in value) or "—"
    if name == "salary":
        if not value:
            return "—"
        interval = INTERVAL_LABELS.get(value.get("interval") or "", value.get("interval") or "")
        low, high = (_amount(value.get(part)) for part in ("min", "max"))
        amounts = "–".join(f"{amount:,}" if amount is not None else "?" for amount in (low, high))
        return f"{value.get('currency') or ''} {amounts} {interval}".strip()
    if name == "workplace_type":
        return str(WorkplaceType(value).label) if value in WorkplaceType.values else str(value)
    if name == "state":
        return str(JobStatus(value).label) if value in JobStatus.values else str(value)
    return str(value) if value not in (None, "") else "—"
