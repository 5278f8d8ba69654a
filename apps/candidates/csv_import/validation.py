"""Check mapped rows: one Person per valid row, reasons in plain words for the others.

The rules and limits are those of `sourcing.candidate_add` (sourcing_checks.py), so a row valid here
is valid there. Duplicates are found with dictionaries, never queries: the workspace's normalised
emails and LinkedIn profiles are loaded once (`index.workspace_lookups`), and every valid row adds its
own, so a later row with the same email or profile is reported as a duplicate of that row. Only rows
that will be imported count: a row repeating an invalid one is not a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from apps.candidates.csv_import.cells import is_url, one_line, short, split_values, with_scheme
from apps.candidates.csv_import.reader import Record
from apps.candidates.identity import normalize_email, normalize_linkedin_url

TEXT_LIMIT = 255
NAME_PART_LIMIT = 150
PLACE_LIMIT = 100
PHONE_LIMIT = 60
URL_LIMIT = 500
MAX_VALUES = 20
AMBIGUOUS = -1
PLACES = (("location", "Location"), ("city", "City"), ("state", "State or region"), ("country", "Country"))

# Why a row is not imported: code → the label of its group on the preview.
PROBLEM_LABELS = {
    "missing_name": "Missing name",
    "bad_email": "Bad email",
    "bad_phone": "Bad phone number",
    "bad_linkedin": "Bad LinkedIn URL",
    "bad_link": "Bad link",
    "too_long": "Value too long",
    "too_many": "Too many values",
    "extra_cells": "More cells than columns",
    "unknown_job": "Unknown job",
    "unknown_stage": "Unknown stage",
    "stage_not_in_job": "Stage not in the job's pipeline",
    "duplicate_in_file": "Duplicate within the file",
    "duplicate_in_workspace": "Already in this workspace",
}


@dataclass(frozen=True)
class Person:
    """What a valid row says about one person; emails are normalised, URLs have a scheme."""

    row_number: int
    name: str
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    linkedin_url: str = ""
    links: tuple[str, ...] = ()
    location: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    current_title: str = ""
    current_company: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    job_id: int | None = None  # the row's own job, else the import's
    stage_id: int | None = None


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


@dataclass
class RowResult:
    row_number: int
    name: str
    person: Person | None
    problems: list[Problem] = field(default_factory=list)
    existing_candidate_id: int | None = None  # the workspace's person this row repeats

    @property
    def is_valid(self) -> bool:
        return self.person is not None

    @property
    def reason(self) -> str:
        return " ".join(p.message for p in self.problems)


@dataclass
class Lookups:
    """What rows are checked against; `index.workspace_lookups` fills it from the database."""

    emails: dict[str, tuple[int, str]] = field(default_factory=dict)  # email → (candidate id, name)
    linkedin: dict[str, tuple[int, str]] = field(default_factory=dict)  # profile → (candidate id, name)
    jobs: dict[str, int] = field(default_factory=dict)  # folded name, remote id or URL → job id
    stages: dict[str, int] = field(default_factory=dict)  # folded name or remote id → stage id
    pipelines: dict[int, set[int]] = field(default_factory=dict)  # job id → ids of its stages
    first_stages: dict[int, int] = field(default_factory=dict)  # job id → its pipeline's first stage
    job_names: dict[int, str] = field(default_factory=dict)
    stage_names: dict[int, str] = field(default_factory=dict)


Report = Callable[[str, str], None]


class RowChecker:
    """Check rows in file order; it remembers the valid rows seen so far to find repeats."""

    def __init__(
        self,
        mapping: dict[int, str],
        column_count: int,
        lookups: Lookups,
        *,
        job_id: int | None = None,
        stage_id: int | None = None,
    ) -> None:
        self.mapping = {i: key for i, key in mapping.items() if key}
        self.column_count = column_count
        self.lookups = lookups
        self.job_id, self.stage_id = job_id, stage_id  # where the import puts everyone
        self.seen_emails: dict[str, int] = {}
        self.seen_linkedin: dict[str, int] = {}

    def check_all(self, records: Iterable[Record]) -> Iterator[RowResult]:
        for record in records:
            yield self.check(record)

    def check(self, record: Record) -> RowResult:
        cells: dict[str, list[str]] = {}
        for index, key in self.mapping.items():
            if index < len(record.cells):
                cells.setdefault(key, []).append(record.cells[index])
        problems: list[Problem] = []

        def problem(code: str, message: str) -> None:
            problems.append(Problem(code, message))

        def text(key: str, label: str, limit: int = TEXT_LIMIT) -> str:
            given = cells.get(key)
            if not given:
                return ""
            value = one_line(given[0] if len(given) == 1 else " ".join(given))
            if len(value) > limit:
                problem("too_long", f"{label} is too long (at most {limit} characters).")
            return value

        if any(c.strip() for c in record.cells[self.column_count :]):
            problem(
                "extra_cells",
                f"More cells than columns ({len(record.cells)} instead of {self.column_count}): "
                "a value with a comma in it needs quotes.",
            )
        first = text("first_name", "First name", NAME_PART_LIMIT)
        last = text("last_name", "Last name", NAME_PART_LIMIT)
        name = text("name", "Name") or " ".join(p for p in (first, last) if p)
        if not name:
            problem("missing_name", "Missing name.")
        emails = self._emails(cells, problem)
        linkedin, profile, links = self._links(cells, problem)
        phones = list(dict.fromkeys(split_values(cells.get("phones", []), "phones")))
        for phone in phones:
            if len(phone) > PHONE_LIMIT or not any(c.isdigit() for c in phone):
                problem("bad_phone", f"Bad phone number “{short(phone)}”.")
        tags = list(dict.fromkeys(split_values(cells.get("tags", []), "tags")))
        for tag in tags:
            if len(tag) > TEXT_LIMIT:
                problem("too_long", f"Tag “{short(tag)}” is too long (at most {TEXT_LIMIT} characters).")
        for label, values in (
            ("emails", emails),
            ("phone numbers", phones),
            ("links", links),
            ("tags", tags),
        ):
            if len(values) > MAX_VALUES:
                problem("too_many", f"Too many {label} ({len(values)}; at most {MAX_VALUES}).")
        place = {key: text(key, label, PLACE_LIMIT) for key, label in PLACES}
        place["location"] = place["location"] or ", ".join(
            place[k] for k in ("city", "state", "country") if place[k]
        )
        job_id, stage_id = self._placement(text("job", "Job"), text("stage", "Stage"), problem)
        result = RowResult(record.row_number, name or next(iter(emails), ""), None, problems)
        self._duplicates(result, emails, profile)
        if problems:
            return result
        for email in emails:
            self.seen_emails.setdefault(email, record.row_number)
        if profile:
            self.seen_linkedin.setdefault(profile, record.row_number)
        result.person = Person(
            row_number=record.row_number,
            name=name,
            first_name=first,
            last_name=last,
            emails=tuple(emails),
            phones=tuple(phones),
            linkedin_url=linkedin,
            links=tuple(links),
            current_title=text("current_title", "Current title"),
            current_company=text("current_company", "Current company"),
            source=text("source", "Source"),
            tags=tuple(tags),
            job_id=job_id,
            stage_id=stage_id,
            **place,
        )
        return result

    def _emails(self, cells: dict[str, list[str]], problem: Report) -> list[str]:
        emails = []
        for raw in split_values(cells.get("emails", []), "emails"):
            email = normalize_email(raw)
            if not email:
                problem("bad_email", f"Bad email “{short(raw)}”.")
            elif email not in emails:
                emails.append(email)
        return emails

    def _links(self, cells: dict[str, list[str]], problem: Report) -> tuple[str, str, list[str]]:
        """Return the LinkedIn profile URL (from its column, else the first profile among the links),
        its normalised form, and the other links."""
        linkedin = profile = ""
        given = one_line(" ".join(cells.get("linkedin_url", [])))
        if given:
            linkedin = with_scheme(given)
            profile = normalize_linkedin_url(linkedin)
            if len(linkedin) > URL_LIMIT or not profile or not is_url(linkedin):
                problem("bad_linkedin", f"Bad LinkedIn URL “{short(given)}”: expected linkedin.com/in/….")
                linkedin = profile = ""
        links: list[str] = []
        for raw in split_values(cells.get("links", []), "links"):
            link = with_scheme(raw)
            link_profile = normalize_linkedin_url(link) if "linkedin" in link.lower() else ""
            if len(link) > URL_LIMIT or not is_url(link):
                problem("bad_link", f"Bad link “{short(raw)}”.")
            elif link_profile and not linkedin and not given:
                linkedin, profile = link, link_profile
            elif link not in links and not (link_profile and link_profile == profile):
                links.append(link)
        return linkedin, profile, links

    def _placement(self, job_text: str, stage_text: str, problem: Report) -> tuple[int | None, int | None]:
        """Return the row's job and stage: its own, else the import's; the stage must be the job's."""
        job_id = self._lookup(job_text, self.lookups.jobs, "job", problem) if job_text else self.job_id
        if stage_text:
            stage_id = self._lookup(stage_text, self.lookups.stages, "stage", problem)
        else:
            stage_id = None if job_text else self.stage_id  # the import's stage is of the import's job
        if job_text and job_id is None:
            return None, stage_id
        if stage_id is None:
            # On the job's board from the start: its first stage, as candidate_add does.
            return job_id, self.lookups.first_stages.get(job_id) if job_id is not None else None
        if job_id is None:
            problem("stage_not_in_job", "A stage needs a job: map a Job column or choose a job for everyone.")
        elif stage_id not in self.lookups.pipelines.get(job_id, ()):
            stage = self.lookups.stage_names.get(stage_id, "This stage")
            job = self.lookups.job_names.get(job_id, "the job")
            problem("stage_not_in_job", f"“{short(stage)}” is not a stage of “{short(job)}”.")
        return job_id, stage_id

    def _lookup(self, text: str, table: dict[str, int], what: str, problem: Report) -> int | None:
        found = table.get(text.casefold())
        if found is None and "://" in text:
            url = text.rstrip("/").casefold()
            found = table.get(url) or table.get(url.rsplit("/", 1)[-1])
        if found is None:
            problem(f"unknown_{what}", f"Unknown {what} “{short(text)}”.")
        elif found == AMBIGUOUS:
            problem(
                f"unknown_{what}", f"Several {what}s are called “{short(text)}”: use its Lever id instead."
            )
            return None
        return found

    def _duplicates(self, result: RowResult, emails: list[str], profile: str) -> None:
        earlier = next((self.seen_emails[e] for e in emails if e in self.seen_emails), None)
        if earlier is not None:
            message = f"Duplicate within the file: same email as row {earlier}."
        elif profile in self.seen_linkedin:
            message = (
                f"Duplicate within the file: same LinkedIn profile as row {self.seen_linkedin[profile]}."
            )
        else:
            message = ""
        if message:
            result.problems.append(Problem("duplicate_in_file", message))
        existing = next((self.lookups.emails[e] for e in emails if e in self.lookups.emails), None)
        why = "same email"
        if existing is None and profile in self.lookups.linkedin:
            existing, why = self.lookups.linkedin[profile], "same LinkedIn profile"
        if existing is not None:
            result.existing_candidate_id = existing[0]
            who = short(existing[1] or "a candidate")
            result.problems.append(
                Problem("duplicate_in_workspace", f"Already in this workspace: {who} ({why}).")
            )
