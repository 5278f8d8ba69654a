"""Checks of a person added in Recruitdesk: the typed fields, and the resume's real type and size.

Every check collects its problems per field, so a form (or a CSV row) can show each next to its
input. Field names are the add-candidate form's (apps/candidates/forms_sourcing.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from apps.candidates.identity import normalize_email, normalize_linkedin_url
from apps.candidates.lever_payloads import web_url
from apps.candidates.text_extraction import NOT_A_WORD_PACKAGE, docx_problem
from apps.core.uploads import read_head, safe_filename

MAX_RESUME_BYTES = 10 * 1024 * 1024
RESUME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_PHONE = 60
MAX_PART = 100  # city, state, country each
MAX_TEXT = 255
MAX_VALUES = 20  # emails, phones, links and tags each


@dataclass
class CleanPerson:
    """The checked person, in Candidate field terms."""

    name: str
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[dict[str, str]]
    linkedin_url: str
    links: list[str]  # other links; the LinkedIn profile is not repeated here
    location: str
    current_title: str
    current_company: str
    source: str
    tags: list[str]


class _Errors(dict[str, list[str]]):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def text(self, field: str, value: Any, label: str, *, limit: int = MAX_TEXT) -> str:
        text = " ".join(str(value or "").split())
        if len(text) > limit:
            self.add(field, f"The {label} is too long (at most {limit} characters).")
        return text

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _values(raw: Iterable[Any] | str | None) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw or [])
    return [" ".join(str(item).split()) for item in items if str(item or "").strip()]


def clean_person(new: Any) -> CleanPerson:
    """Return `new` (a NewCandidate) checked and normalised; raise ValidationError keyed by field."""
    errors = _Errors()
    first = errors.text("name", new.first_name, "first name", limit=150)
    last = errors.text("name", new.last_name, "last name", limit=150)
    name = errors.text("name", new.name, "name") or " ".join(p for p in (first, last) if p)
    if not name:
        errors.add("name", "Enter the person's name.")
    emails: list[str] = []
    for raw in _values(new.emails):
        email = normalize_email(raw)
        if not email:
            errors.add("emails", f"“{raw[:80]}” is not an email address.")
        elif email not in emails:
            emails.append(email)
    phones: list[dict[str, str]] = []
    for raw in _values(new.phones):
        if len(raw) > MAX_PHONE or not any(c.isdigit() for c in raw):
            errors.add("phones", f"“{raw[:80]}” is not a phone number.")
        elif raw not in [p["value"] for p in phones]:
            phones.append({"value": raw})
    linkedin = ""
    if str(new.linkedin_url or "").strip():
        linkedin = _web_link(errors, "linkedin_url", new.linkedin_url)
        if linkedin and not normalize_linkedin_url(linkedin):
            errors.add("linkedin_url", "Enter a LinkedIn profile address, like linkedin.com/in/their-name.")
            linkedin = ""
    links: list[str] = []
    for raw in _values(new.links):
        link = _web_link(errors, "links", raw)
        if not link:
            continue
        profile = normalize_linkedin_url(link)
        if profile and not linkedin:
            linkedin = link  # a LinkedIn profile among the links is the LinkedIn profile
        elif not (profile and profile == normalize_linkedin_url(linkedin)) and link not in links:
            links.append(link)
    parts = [errors.text(f, getattr(new, f), f, limit=MAX_PART) for f in ("city", "state", "country")]
    tags = list(dict.fromkeys(errors.text("tags", t, "tag") for t in _values(new.tags)))
    for field, values in (("emails", emails), ("phones", phones), ("links", links), ("tags", tags)):
        if len(values) > MAX_VALUES:
            errors.add(field, f"Give at most {MAX_VALUES}.")
    person = CleanPerson(
        name=name,
        first_name=first,
        last_name=last,
        emails=emails,
        phones=phones,
        linkedin_url=linkedin,
        links=links,
        location=", ".join(p for p in parts if p),
        current_title=errors.text("current_title", new.current_title, "current title"),
        current_company=errors.text("current_company", new.current_company, "current company"),
        source=errors.text("source", new.source, "source"),
        tags=tags,
    )
    errors.raise_any()
    return person


def _web_link(errors: _Errors, field: str, raw: Any) -> str:
    try:
        return web_url(str(raw).strip(), "link")
    except ValidationError:
        errors.add(field, f"“{str(raw)[:80]}” is not a web address.")
        return ""


# -- the resume --------------------------------------------------------------------------------------------


def resume_type(file: Any) -> str:
    """Return "pdf" or "docx" when the bytes are one (whatever the name says), else ""."""
    head = read_head(file)
    if b"%PDF-" in head:  # PDF readers accept the header anywhere in the first kilobyte
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return ""
    # The zip's directory only, its entries counted before they are listed (see docx_problem).
    return "" if docx_problem(file) == NOT_A_WORD_PACKAGE else "docx"


def check_resume(file: Any) -> str:
    """Return the resume's type ("pdf" or "docx"); raise ValidationError when it is too big or neither."""
    size = getattr(file, "size", None) or 0
    if not size:
        raise ValidationError("The resume file is empty.", code="empty")
    if size > MAX_RESUME_BYTES:
        raise ValidationError("The resume is larger than 10 MB.", code="too_large")
    kind = resume_type(file)
    if not kind:
        raise ValidationError("The resume must be a PDF or a Word (.docx) document.", code="file_type")
    problem = docx_problem(file) if kind == "docx" else ""
    if problem:  # a decompression bomb, or close to one: refused before anything is inflated
        raise ValidationError(f"The resume cannot be read safely: {problem}.", code="unsafe")
    return kind


def resume_name(name: str, kind: str) -> str:
    """Return the upload's base name made safe, with the extension its content has (Lever reads it)."""
    base = safe_filename(name, default_stem="resume")
    stem, dot, extension = base.rpartition(".")
    if dot and extension.lower() == kind:
        return base
    return f"{stem if dot and stem else base}.{kind}"
