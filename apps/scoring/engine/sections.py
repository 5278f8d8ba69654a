"""What a section header of a posting or a resume announces, and how senior a title sounds."""

from __future__ import annotations

import re

# Posting sections. Checked in order: "Preferred Experience" is a nice-to-have before it is experience.
_JOB_KINDS = (
    (
        "ignore",
        (
            "benefit",
            "perk",
            "compensation",
            "salary",
            "about us",
            "about the company",
            "who we are",
            "equal opportunity",
            "eeo",
            "how to apply",
            "our company",
            "why join",
            "what we offer",
        ),
    ),
    (
        "nice",
        (
            "nice to have",
            "preferred",
            "bonus",
            "desired",
            "desirable",
            "recommended",
            "good to have",
            "optional",
            "plus",
        ),
    ),
    ("experience", ("experience",)),
    (
        "must",
        (
            "requirement",
            "required",
            "qualification",
            "skill",
            "must have",
            "what you bring",
            "looking for",
            "who you are",
            "competenc",
            "you have",
            "you bring",
            "you ll need",
        ),
    ),
    (
        "responsibilities",
        (
            "responsibilit",
            "duties",
            "what you ll do",
            "what you will do",
            "day to day",
            "the role",
            "your role",
            "tasks",
        ),
    ),
    ("summary", ("summary", "overview", "description", "about the role", "about the job", "about")),
    ("title", ("title", "position")),
)

_RESUME_KINDS = (
    ("personal", ("personal", "contact", "references")),
    ("skills", ("skill", "competenc", "technolog", "tools", "expertise")),
    ("experience", ("experience", "employment", "work history", "career", "positions")),
    ("education", ("education", "academic", "degree", "training")),
    ("certifications", ("certif", "licen")),
    ("summary", ("summary", "profile", "objective", "about")),
    ("projects", ("project", "achievement", "accomplishment", "publication", "award")),
)


def _classify(kinds: tuple[tuple[str, tuple[str, ...]], ...], header: str) -> str | None:
    padded = f" {header} "
    for kind, cues in kinds:
        if any(f" {cue}" in padded for cue in cues):
            return kind
    return None


def job_section(header: str) -> str | None:
    return _classify(_JOB_KINDS, header)


def resume_section(header: str) -> str | None:
    return _classify(_RESUME_KINDS, header)


def requirement_list_kind(title: str) -> str:
    """A posting's requirement list is a must-have list unless its title says otherwise."""
    return "nice" if job_section(re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()) == "nice" else "must"


# Seniority ladder: 0 intern … 7 executive. A title with no cue is read as level 2 (mid).
_LEVELS = (
    (7, ("chief", "ceo", "cto", "cfo", "coo", "cio", "president", "founder", "partner")),
    (6, ("vp", "vice")),
    (5, ("director", "head")),
    (4, ("principal", "staff", "lead", "manager", "architect", "supervisor")),
    (3, ("senior", "sr", "iii", "iv")),
    (1, ("junior", "jr", "entry", "associate", "trainee", "graduate", "assistant", "apprentice", "i")),
    (0, ("intern", "internship", "student")),
)
MID_LEVEL = 2
LEVEL_NAMES = {
    0: "intern",
    1: "junior",
    2: "mid",
    3: "senior",
    4: "lead",
    5: "director",
    6: "vp",
    7: "executive",
}


def title_level(title: str) -> int:
    words = set(re.findall(r"[a-z]+", title.lower()))
    for level, cues in _LEVELS:
        if words.intersection(cues):
            return level
    return MID_LEVEL


def level_from_name(level: str) -> int | None:
    """Read a posting's level field ("Senior", "Entry level", "IC3"); None when it names no level."""
    if not level.strip():
        return None
    return title_level(level)
