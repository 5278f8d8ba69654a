"""Account-wide reference data: users, stages, archive reasons, templates and requisition fields."""

from __future__ import annotations

import random
from typing import Any

from apps.lever_sandbox import words
from apps.lever_sandbox.generate.common import DAY, WEB_BASE, handle, new_uuid, rng_for

# (slug id or None for a UUID, text) in pipeline order. Lever's defaults carry slug ids.
STAGE_PLAN: tuple[tuple[str | None, str], ...] = (
    ("lead-new", "New lead"),
    ("lead-reached-out", "Reached out"),
    ("lead-responded", "Responded"),
    ("applicant-new", "New applicant"),
    (None, "Recruiter screen"),
    (None, "Phone screen"),
    (None, "Hiring manager screen"),
    (None, "Assessment"),
    (None, "On-site interview"),
    (None, "Reference check"),
    ("offer", "Offer"),
)
APPLICANT_NEW = 3
INTERVIEW_STAGES = (5, 6, 8)  # phone screen, hiring manager screen, on-site
OFFER = len(STAGE_PLAN) - 1

# (text, type, status); some inactive ones stay referenced by old opportunities.
REASON_PLAN: tuple[tuple[str, str, str], ...] = (
    ("Hired", "hired", "active"),
    ("Hired - internal transfer", "hired", "active"),
    ("Hired (legacy)", "hired", "inactive"),
    ("Underqualified", "non-hired", "active"),
    ("Overqualified", "non-hired", "active"),
    ("Withdrew", "non-hired", "active"),
    ("Unresponsive", "non-hired", "active"),
    ("Position filled", "non-hired", "active"),
    ("Compensation mismatch", "non-hired", "active"),
    ("Location mismatch", "non-hired", "active"),
    ("Offer declined", "non-hired", "active"),
    ("Timing", "non-hired", "active"),
    ("Duplicate", "non-hired", "active"),
    ("Not a fit (legacy)", "non-hired", "inactive"),
)

ROLE_PLAN: tuple[str, ...] = (
    ("super admin",) * 2
    + ("admin",) * 4
    + ("team member",) * 11
    + ("limited team member",) * 7
    + ("interviewer",) * 8
)
DEACTIVATED_SLOTS = (9, 16, 23, 30)  # two team members, a limited team member, an interviewer

RATING_OPTIONS = ("4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire")
FEEDBACK_PLAN: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("Phone screen", "Phone screen", ("Communication", "Motivation")),
    ("Technical interview", "On-site interview", ("Technical depth", "Problem solving")),
    ("Hiring manager interview", "Hiring manager screen", ("Role fit", "Ownership")),
    ("Values and collaboration", "On-site interview", ("Collaboration", "Feedback")),
    ("Reference check", "Reference check", ("Reliability",)),
)


def build_company(seed: int) -> dict[str, str]:
    """Return the tenant's company name, slug and email domain."""
    name = words.COMPANY_NAMES[seed % len(words.COMPANY_NAMES)]
    slug = handle(name)
    return {"name": name, "slug": slug, "domain": f"{slug}.example"}


def build_users(seed: int, epoch: int, company: dict[str, str]) -> list[dict[str, Any]]:
    """Return ~32 users in every access role, a few deactivated, newest first."""
    rng = rng_for(seed, "users")
    plan = ROLE_PLAN + ("interviewer",) * (seed % 5)
    taken: set[str] = set()
    users: list[dict[str, Any]] = []
    for slot, role in enumerate(plan):
        culture = rng.choices(words.CULTURES, weights=words.CULTURE_WEIGHTS)[0]
        first, last = rng.choice(culture.first), rng.choice(culture.last)
        display = _person_name(culture, first, last)
        base = handle(first.ascii or first.display)[:1] + handle(last.ascii or last.display)
        username = base
        while username in taken:
            username = f"{base}{rng.randrange(2, 99)}"
        taken.add(username)
        created = epoch - rng.randrange(400, 1500) * DAY - rng.randrange(DAY)
        deactivated = created + rng.randrange(60, 350) * DAY if slot in DEACTIVATED_SLOTS else None
        users.append(
            {
                "id": new_uuid(rng),
                "name": display,
                "username": username,
                "email": f"{username}@{company['domain']}",
                "accessRole": role,
                "photo": f"{WEB_BASE}/avatars/{username}.png" if rng.random() < 0.4 else None,
                "createdAt": created,
                "deactivatedAt": deactivated,
                "externalDirectoryId": f"okta-{rng.randrange(10**6, 10**7)}" if rng.random() < 0.5 else None,
                "linkedContactIds": [],
                "jobTitle": rng.choice(words.USER_TITLES[role]),
                "managerId": None,
            }
        )
    admins = [u["id"] for u in users if u["accessRole"] in ("super admin", "admin")]
    for user in users[1:]:
        user["managerId"] = users[0]["id"] if user["id"] in admins else rng.choice(admins)
    users.sort(key=lambda u: (-u["createdAt"], u["id"]))
    return users


def _person_name(culture: words.Culture, first: words.Name, last: words.Name) -> str:
    if culture.family_first:
        return f"{last.display}{culture.joiner}{first.display}"
    return f"{first.display} {last.display}"


def build_stages(seed: int) -> list[dict[str, str]]:
    """Return the global pipeline stages in order (slug ids for Lever's defaults)."""
    rng = rng_for(seed, "stages")
    return [{"id": slug or new_uuid(rng), "text": text} for slug, text in STAGE_PLAN]


def build_archive_reasons(seed: int) -> list[dict[str, str]]:
    """Return hired and non-hired archive reasons, some inactive."""
    rng = rng_for(seed, "archive_reasons")
    return [
        {"id": new_uuid(rng), "text": text, "status": status, "type": kind}
        for text, kind, status in REASON_PLAN
    ]


def build_feedback_templates(seed: int, epoch: int, stages: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Return scorecard templates (one score-system field each) plus Lever's built-in "No Feedback"."""
    rng = rng_for(seed, "feedback_templates")
    by_text = {s["text"]: s for s in stages}
    group = {"id": new_uuid(rng), "name": "Interview kits"}
    templates = [
        {
            "id": new_uuid(rng),
            "text": "No Feedback",
            "group": None,
            "instructions": "",
            "stage": None,
            "fields": [],
            "createdAt": epoch - 1600 * DAY,
            "updatedAt": epoch - 1600 * DAY,
        }
    ]
    for n, (text, stage_text, competencies) in enumerate(FEEDBACK_PLAN):
        fields = [_field(rng, "score-system", "Rating", True, options=RATING_OPTIONS)]
        fields += [
            _field(rng, "score", name, False, description=f"How strong is their {name.lower()}?")
            for name in competencies
        ]
        fields += [
            _field(rng, "textarea", "Strengths", True),
            _field(rng, "textarea", "Concerns", False),
            _field(rng, "yes-no", "Would you like to work with this person?", False),
        ]
        stage = by_text.get(stage_text or "")
        created = epoch - (900 - 40 * n) * DAY
        templates.append(
            {
                "id": new_uuid(rng),
                "text": text,
                "group": group,
                "instructions": "Score each competency from 1 to 4, then give an overall rating.",
                "stage": {"id": stage["id"], "text": stage["text"]} if stage else None,
                "fields": fields,
                "createdAt": created,
                "updatedAt": created + rng.randrange(0, 200) * DAY,
            }
        )
    return templates


def build_form_templates(seed: int, epoch: int) -> list[dict[str, Any]]:
    """Return profile form templates (phone screen notes, offer information)."""
    rng = rng_for(seed, "form_templates")
    plans = (
        (
            "Phone screen notes",
            (("text", "Current salary expectations"), ("dropdown", "Notice period"), ("textarea", "Summary")),
        ),
        ("Offer information", (("date", "Start date"), ("currency", "Compensation"), ("text", "Equity"))),
    )
    templates = []
    for n, (text, fields) in enumerate(plans):
        created = epoch - (1000 - 100 * n) * DAY
        templates.append(
            {
                "id": new_uuid(rng),
                "text": text,
                "group": None,
                "instructions": "",
                "secretByDefault": text == "Offer information",
                "fields": [
                    _field(
                        rng,
                        kind,
                        label,
                        False,
                        options=("Immediately", "2 weeks", "1 month", "3 months")
                        if kind == "dropdown"
                        else (),
                    )
                    for kind, label in fields
                ],
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return templates


def _field(
    rng: random.Random,
    kind: str,
    text: str,
    required: bool,
    *,
    description: str = "",
    options: tuple[str, ...] = (),
) -> dict[str, Any]:
    field: dict[str, Any] = {
        "id": new_uuid(rng),
        "type": kind,
        "text": text,
        "description": description,
        "required": required,
    }
    if options:
        field["options"] = [{"text": o} for o in options]
    return field


def build_requisition_fields() -> list[dict[str, Any]]:
    """Return the account's custom requisition fields (snake_case ids, as Lever uses)."""
    return [
        {
            "id": "cost_center",
            "text": "Cost center",
            "type": "object",
            "isRequired": False,
            "subfields": [
                {"id": "city", "text": "City", "type": "text"},
                {"id": "campus_code", "text": "Campus code", "type": "text"},
            ],
        },
        {"id": "target_hire_date", "text": "Target hire date", "type": "date", "isRequired": False},
        {
            "id": "hiring_reason",
            "text": "Hiring reason",
            "type": "dropdown",
            "isRequired": True,
            "options": [{"text": "New headcount"}, {"text": "Backfill"}, {"text": "Conversion"}],
        },
    ]
