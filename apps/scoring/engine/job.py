"""Read a posting once: its must-haves, nice-to-haves, experience asks, title, level and vocabulary."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict

from . import sections
from .features import MUST, NICE, ExperienceRequirement, JobFeatures, Requirement
from .stem import stem
from .text import Span, fold, lines, segments, split_sections, strip_bullet, tokenize
from .types import COMPONENTS, JobInput, Profile
from .vocabulary import alias_table, analyze, term_weights
from .weights import DEFAULT_WEIGHTS

SHINGLE = 6  # words; a shared run this long is copied text, not a coincidence
MIN_PHRASE = 5  # words; a resume line equal to a posting's line this long was pasted from it

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
_YEARS_RE = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\s*(?:\+|plus)?\s*(?:(?:-|–|to)\s*\d+\s*)?"
    r"(?:\+\s*)?-?\s*(?:full[- ]time\s+)?years?\b",
    re.IGNORECASE,
)
# "… as a Registered Nurse", "… as an SOC Analyst": the role named after "as".
# The role ends where a qualifier starts ("… as a Java Developer in Johnson County", "… with a track of …").
_ROLE_RE = re.compile(
    r"\bas\s+(?:an?\s+|the\s+)?(?P<role>.+?)(?=\s+(?:with|in|for|at|who|where|which|that|within|on|"
    r"including|dealing|focused|emphasi[sz]ing|specializing|requiring)\b|[,;:()]|\.(?:\s|$)|$)",
    re.IGNORECASE,
)
_HEAD_RE = re.compile(r"^(?P<head>[^:–—]{1,60}?)\s*(?::|\s[–—-]\s)\s*(?P<rest>\S.*)$")
_HEAD_WORDS = 6
_MAX_YEARS = 40
_LIST_PART_WORDS = 5  # "Quality Control Analysis, Complex Problem Solving, …": a list of skills, not prose


def _weighted(terms: Iterable[str]) -> tuple[tuple[str, float], ...]:
    weight = term_weights()
    distinct = sorted(set(terms))
    return tuple((t, w) for t in distinct if (w := weight(t)) > 0)


def requirement_terms(text: str) -> tuple[tuple[str, float], ...]:
    """The terms that name what a requirement asks: its head ("Python: 3+ years…") or all its content words.

    Words inside a named skill ("Microsoft" of "Microsoft Excel") are left to the skill's concept, so a
    resume that says "Excel" meets it.
    """
    match = _HEAD_RE.match(text)
    if match and len(match.group("head").split()) <= _HEAD_WORDS:
        text = match.group("head")
    terms = analyze(text)
    concepts = [t for t in terms if t.key.startswith("@")]
    covered = [(c.start, c.end) for c in concepts]
    keys = [
        t.key
        for t in terms
        if t.key.startswith("@") or not any(a <= t.start and t.end <= b for a, b in covered)
    ]
    return _weighted(keys)


def experience_requirements(text: str) -> list[ExperienceRequirement]:
    """Read the years asked in one item: "5+ years as a Registered Nurse", "3 years of Python", or several
    at once ("7 years, including 4 years as an Aerospace Engineer and 3 years as a Derrick Operator").

    Each ask is about the words after it, up to the next ask; an ask with no such words ("7 years of
    experience") is met by any experience.
    """
    matches = [m for m in _YEARS_RE.finditer(text) if 0 < _number(m.group("n")) <= _MAX_YEARS]
    asks = []
    for n, match in enumerate(matches):
        clause = text[match.end() : matches[n + 1].start() if n + 1 < len(matches) else len(text)]
        role = _ROLE_RE.search(clause)
        subject = _weighted(t.key for t in analyze(role.group("role") if role else clause))
        if not subject and n == 0 and (head := _HEAD_RE.match(text)) and head.end("head") <= match.start():
            subject = _weighted(t.key for t in analyze(head.group("head")))  # "Python: 3+ years"
        total = sum(w for _, w in subject)
        asks.append(
            ExperienceRequirement(text, _number(match.group("n")), subject, total, role=role is not None)
        )
    return asks


def _number(word: str) -> float:
    return float(_NUMBER_WORDS.get(word.lower(), word))


def _requirement(text: str, kind: str, origin: str) -> Requirement | None:
    terms = requirement_terms(text)
    if not terms:
        return None
    return Requirement(text, kind, terms, sum(w for _, w in terms), origin)


def _items(text: str, span: Span) -> list[str]:
    """The requirement items of a section: one per list line, or one per sentence of a prose line."""
    items: list[str] = []
    for line in lines(text, span.start, span.end):
        item = strip_bullet(text, line)
        body = text[item.start : item.end].strip().strip("*_").strip()
        if not body or body.endswith(":"):
            continue  # an introduction ("You will need:")
        if item.start == line.start and len(body.split()) > 25:
            for sentence in segments(text, item):
                items.extend(_list_parts(text[sentence.start : sentence.end]))
        else:
            items.extend(_list_parts(body))
    return items


def _list_parts(item: str) -> list[str]:
    """Split an item that is itself a list of short skills ("iOS, Android, SDK, Technical Writing")."""
    if _HEAD_RE.match(item) or item.count(",") < 2:
        return [item]
    parts = [p.strip(" .;") for p in re.split(r"[,;]", item)]
    parts = [re.sub(r"^(?:and|or)\s+", "", p, flags=re.IGNORECASE) for p in parts if p]
    short = sum(1 for p in parts if len(p.split()) <= _LIST_PART_WORDS)
    return parts if short * 2 > len(parts) else [item]


def _description_lists(description: str) -> tuple[list[str], list[str], list[str], list[str], str]:
    """Return (must items, nice items, experience items, scored text, title) read from a description."""
    must: list[str] = []
    nice: list[str] = []
    experience: list[str] = []
    kept: list[str] = []
    title = ""
    for section in split_sections(description, sections.job_section):
        body = Span(section.start, section.end)
        if section.kind == "ignore":
            continue
        kept.append(description[section.start : section.end])
        if section.kind == "title" and not title:
            title = next((description[s.start : s.end] for s in lines(description, body.start, body.end)), "")
            if not title and ":" in section.header:
                title = section.header.split(":", 1)[1]
        elif section.kind == "must":
            must.extend(_items(description, body))
        elif section.kind == "nice":
            nice.extend(_items(description, body))
        elif section.kind == "experience":
            experience.extend(_items(description, body))
    return must, nice, experience, "\n".join(kept), title.strip()


def _words(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [stem(t.text) for t in tokenize(text, start, end, dotted=alias_table().dotted)]


def _shingles(text: str) -> frozenset[str]:
    words = _words(text)
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def _phrases(text: str) -> frozenset[str]:
    """Each line (without its bullet) and each sentence of ``text``, as stemmed words."""
    found = set()
    for line in lines(text):
        item = strip_bullet(text, line)
        for span in (item, *segments(text, item)):
            words = _words(text, span.start, span.end)
            if len(words) >= MIN_PHRASE:
                found.add(" ".join(words))
    return frozenset(found)


def _hash(job: JobInput, profile: Profile | None) -> str:
    payload = {"job": asdict(job), "profile": None}
    if profile is not None:
        payload["profile"] = {**asdict(profile), "weights": dict(sorted(profile.weights.items()))}
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def merged_weights(profile: Profile | None) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    if profile is not None:
        weights.update({k: max(0.0, float(v)) for k, v in profile.weights.items() if k in COMPONENTS})
    return weights


def prepare_job(job: JobInput, profile: Profile | None = None) -> JobFeatures:
    """Analyse a posting (and its scoring profile) once; the result scores any number of candidates."""
    description = fold(job.description)
    must_items, nice_items, experience_items, scored_text, described_title = _description_lists(description)
    requirements: list[Requirement] = []
    experience: list[ExperienceRequirement] = []
    warnings: list[str] = []

    def add(items: Iterable[str], kind: str, origin: str, *, years_too: bool) -> None:
        for item in items:
            asks = experience_requirements(item) if years_too else []
            experience.extend(asks)
            if not asks and (requirement := _requirement(item, kind, origin)) is not None:
                requirements.append(requirement)
            # A years ask in a requirements list also names a skill ("5+ years of Python"): the skill is asked too.
            for ask in asks:
                if ask.subject and not ask.role:
                    requirements.append(Requirement(item, kind, ask.subject, ask.total, origin))

    if profile is not None and (profile.must_haves or profile.nice_to_haves):
        add(profile.must_haves, MUST, "profile", years_too=False)
        add(profile.nice_to_haves, NICE, "profile", years_too=False)
    else:
        listed = [
            (item, sections.requirement_list_kind(rl.title))
            for rl in job.requirement_lists
            for item in rl.items
        ]
        for kind in (MUST, NICE):
            add([fold(item) for item, k in listed if k == kind], kind, "requirement_lists", years_too=True)
        add(must_items, MUST, "description", years_too=True)
        add(nice_items, NICE, "description", years_too=True)
    for item in experience_items:
        asks = experience_requirements(item)
        experience.extend(asks)
        if not asks and (requirement := _requirement(item, MUST, "experience")) is not None:
            requirements.append(requirement)
    if profile is not None and profile.required_years is not None:
        title_subject = _weighted(t.key for t in analyze(job.title))
        experience = [
            ExperienceRequirement(
                f"{profile.required_years:g} years as {job.title}".strip(),
                float(profile.required_years),
                title_subject,
                sum(w for _, w in title_subject),
            )
        ]
    requirements = _unique(requirements)
    # An ask listed both in the requirement lists and in the description counts once.
    experience = list({(ask.text, ask.years, ask.subject): ask for ask in experience}.values())
    if not any(r.kind == MUST for r in requirements):
        warnings.append("no requirements found")

    title = job.title.strip() or described_title
    title_terms = _weighted(t.key for t in analyze(title))
    list_text = "\n".join(item for rl in job.requirement_lists for item in rl.items)
    vocabulary = _weighted(t.key for t in analyze("\n".join((title, scored_text, list_text))))
    level = sections.level_from_name(job.level)
    return JobFeatures(
        input_hash=_hash(job, profile),
        title=title,
        title_terms=title_terms,
        level=level if level is not None else (sections.title_level(title) if title else None),
        requirements=tuple(requirements),
        experience=tuple(experience),
        vocabulary=vocabulary,
        vocabulary_total=sum(w for _, w in vocabulary),
        shingles=_shingles("\n".join((description, list_text))),
        phrases=_phrases("\n".join((description, list_text))),
        weights=merged_weights(profile),
        location=job.location.strip(),
        workplace_type=job.workplace_type.strip().lower(),
        location_required=bool(profile and profile.location_required),
        warnings=tuple(warnings),
        description="\n\n".join(x for x in (title, description, list_text) if x.strip()),
    )


def _unique(requirements: list[Requirement]) -> list[Requirement]:
    """Drop a requirement asking for exactly the same terms as an earlier one of the same kind."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out = []
    for r in requirements:
        key = (r.kind, tuple(t for t, _ in r.terms))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
