"""Postings in every state and channel, their requisitions and their application forms."""

from __future__ import annotations

import html
import random
from typing import Any, NamedTuple

from apps.lever_sandbox import words
from apps.lever_sandbox.families import FAMILIES
from apps.lever_sandbox.generate.common import DAY, JOBS_BASE, new_uuid, rng_for, weighted

STATES = ("published", "internal", "closed", "draft", "pending", "rejected")
STATE_WEIGHTS = {"published": 50, "internal": 10, "closed": 24, "draft": 7, "pending": 5, "rejected": 4}
REQ_PREFIX = {
    "engineering": "ENG",
    "data": "DAT",
    "design": "DES",
    "sales": "SAL",
    "marketing": "MKT",
    "operations": "OPS",
    "customer_success": "CS",
    "finance": "FIN",
    "healthcare": "CLN",
    "education": "EDU",
    "people": "PPL",
}


class PostingMeta(NamedTuple):
    family: int
    skills: tuple[str, ...]  # skills behind the posting's requirement items, in list order
    open_until: int  # last moment the posting took applications (epoch for open ones)


def posting_count(opportunities: int) -> int:
    """Return how many postings a dataset of ``opportunities`` gets."""
    return max(24, min(150, opportunities // 20))


def build_postings(
    seed: int, epoch: int, count: int, company: dict[str, str], users: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[PostingMeta]]:
    """Return postings (newest first) and generator-only metadata in the same order."""
    rng = rng_for(seed, "postings")
    active = [u["id"] for u in users if u["deactivatedAt"] is None]
    recruiters = [
        u["id"] for u in users if u["accessRole"] in ("admin", "team member") and not u["deactivatedAt"]
    ]
    managers = [u["id"] for u in users if u["accessRole"] == "limited team member"]
    built = []
    for n in range(count):
        state = STATES[n] if n < len(STATES) else weighted(rng, STATE_WEIGHTS)
        confidential = n in (6, 7) or (n > 7 and rng.random() < 0.05)
        if confidential and state not in ("published", "closed"):
            state = "published"
        built.append(_posting(rng, epoch, state, confidential, company, active, recruiters, managers))
    built.sort(key=lambda pm: (-pm[0]["createdAt"], pm[0]["id"]))
    return [p for p, _ in built], [m for _, m in built]


def _posting(
    rng: random.Random,
    epoch: int,
    state: str,
    confidential: bool,
    company: dict[str, str],
    active: list[str],
    recruiters: list[str],
    managers: list[str],
) -> tuple[dict[str, Any], PostingMeta]:
    family_idx = rng.randrange(len(FAMILIES))
    family = FAMILIES[family_idx]
    title = rng.choice(family.titles)
    team = rng.choice(family.teams)
    location = rng.choice(words.OFFICE_LOCATIONS)
    others = [loc for loc in words.OFFICE_LOCATIONS if loc != location]
    all_locations = [location] + (rng.sample(others, rng.randrange(1, 3)) if rng.random() < 0.3 else [])
    commitment = rng.choice(words.COMMITMENTS)
    country = words.OFFICES[location][0]
    created = epoch - rng.randrange(10, 720) * DAY - rng.randrange(DAY)
    updated = created + rng.randrange(0, min(180, (epoch - created) // DAY) + 1) * DAY // 2
    open_until = updated if state == "closed" else epoch
    requirements = rng.sample(family.requirements, min(len(family.requirements), rng.randrange(4, 7)))
    nice = rng.sample(family.nice_to_have, min(len(family.nice_to_have), rng.randrange(1, 3)))
    pid = new_uuid(rng)
    channels: list[str] | None
    if confidential or state == "internal":
        channels = ["internal"]
    elif state == "published":
        channels = rng.choice((["public", "internal"], ["public", "internal"], ["public"], ["internal"]))
    else:
        channels = rng.choice((["public", "internal"], None))
    req_code = f"{REQ_PREFIX[family.key]}-{rng.randrange(100, 999)}" if rng.random() < 0.75 else None
    intro = (
        f"{company['name']} is hiring a {title} to join the {team} team in {location}. "
        f"You will {family.duties[0][0].lower()}{family.duties[0][1:]}."
    )
    about = f"Our {family.department} group works in small, trusted teams with a lot of ownership."
    closing = f"{company['name']} is an equal opportunity employer. We welcome people of every background."
    posting = {
        "id": pid,
        "text": title,
        "state": state,
        "distributionChannels": channels,
        "confidentiality": "confidential" if confidential else "non-confidential",
        "user": rng.choice(recruiters) if rng.random() < 0.9 else None,
        "owner": rng.choice(recruiters),
        "hiringManager": rng.choice(managers) if rng.random() < 0.9 else None,
        "categories": {
            "team": team,
            "department": family.department,
            "location": location,
            "allLocations": all_locations,
            "commitment": commitment,
            "level": rng.choice(words.LEVELS),
        },
        "tags": rng.sample(
            ("Priority", "Evergreen", "Backfill", "New headcount", "Hybrid"), rng.randrange(0, 3)
        ),
        "content": {
            "description": f"{intro}\n\n{about}\n",
            "descriptionHtml": f"<div>{html.escape(intro)}</div><div><br></div><div>{html.escape(about)}</div>",
            "lists": [
                {"text": "What you'll do", "content": _items(family.duties)},
                {"text": "Requirements", "content": _items(text for text, _ in requirements)},
                {"text": "Nice to have", "content": _items(text for text, _ in nice)},
            ],
            "closing": closing,
            "closingHtml": f"<div>{html.escape(closing)}</div>",
        },
        "country": country,
        "followers": rng.sample(active, rng.randrange(0, 4)),
        "reqCode": req_code or "",
        "requisitionCodes": [req_code] if req_code else [],
        **_salary(rng, family.pay, country, family.key),
        "urls": _urls(company, pid) if state in ("published", "internal") else None,
        "workplaceType": "remote" if location == "Remote" else rng.choice(words.WORKPLACE_TYPES),
        "createdAt": created,
        "updatedAt": updated,
    }
    skills = tuple(skill for _, skill in requirements) + tuple(skill for _, skill in nice)
    return posting, PostingMeta(family_idx, skills, open_until)


def _items(texts: Any) -> str:
    return "".join(f"<li>{html.escape(t)}</li>" for t in texts)


def _urls(company: dict[str, str], pid: str) -> dict[str, str]:
    show = f"{JOBS_BASE}/{company['slug']}/{pid}"
    return {"list": f"{JOBS_BASE}/{company['slug']}", "show": show, "apply": f"{show}/apply"}


def _salary(rng: random.Random, pay: tuple[int, int], country: str, family: str) -> dict[str, Any]:
    if rng.random() < 0.3:
        return {"salaryDescription": "", "salaryDescriptionHtml": "", "salaryRange": None}
    currency = next(c for k, c in words.OFFICES.values() if k == country)
    if family == "healthcare" and rng.random() < 0.5:
        low, interval = rng.randrange(35, 55), "per-hour-wage"
        high = low + rng.randrange(8, 20)
    else:
        low = rng.randrange(pay[0], pay[1] - 20_000, 5_000)
        high, interval = low + rng.randrange(20_000, 60_000, 5_000), "per-year-salary"
    text = f"The expected range is {low:,} to {high:,} {currency}, plus benefits."
    return {
        "salaryDescription": text,
        "salaryDescriptionHtml": f"<div>{html.escape(text)}</div>",
        "salaryRange": {"min": low, "max": high, "currency": currency, "interval": interval},
    }
