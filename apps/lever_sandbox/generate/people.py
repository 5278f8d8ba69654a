"""People (Lever contacts): names, emails, phones, links and a career history for their resumes.

``profile(seed, n)`` is a pure function of the seed and the contact's number, so the index can
keep only a name and emails per contact and regenerate the rest whenever a response needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from apps.lever_sandbox import words
from apps.lever_sandbox.families import FAMILIES
from apps.lever_sandbox.generate.common import ascii_fold, handle, new_uuid, rng_for, slugify

SHOWCASE_CULTURES = {c.key: i for i, c in enumerate(words.CULTURES)}


@dataclass(slots=True)
class ContactRow:
    """Index entry of one person; the rest of the contact is regenerated from ``idx`` on demand."""

    idx: int
    id: str
    name: str
    emails: tuple[str, ...]
    family: int
    anonymized: bool = False


class Profile(NamedTuple):
    id: str
    name: str
    first: str
    last: str
    culture: int
    family: int
    employer: str
    title: str
    years: int
    location: str
    phones: tuple[dict[str, str], ...]
    links: tuple[str, ...]
    email_local: str
    email_domain: str
    work_email: bool


def profile(seed: int, n: int) -> Profile:
    """Return everything generated about contact number ``n``."""
    rng = rng_for(seed, "contact", n)
    cid = new_uuid(rng)
    if n < len(words.SHOWCASE):
        first_display, last_display, key = words.SHOWCASE[n]
        culture_idx = SHOWCASE_CULTURES[key]
        culture = words.CULTURES[culture_idx]
        first = next(x for x in culture.first if x.display == first_display)
        last = next(x for x in culture.last if x.display == last_display)
    else:
        culture_idx = rng.choices(range(len(words.CULTURES)), weights=words.CULTURE_WEIGHTS)[0]
        culture = words.CULTURES[culture_idx]
        first, last = rng.choice(culture.first), rng.choice(culture.last)
    if culture.family_first:
        name = f"{last.display}{culture.joiner}{first.display}"
    else:
        name = f"{first.display} {last.display}"
    first_ascii = handle(first.ascii or first.display)
    last_ascii = handle(last.ascii or last.display)
    family = rng.randrange(len(FAMILIES))
    fam = FAMILIES[family]
    years = rng.randrange(1, 19)
    seniority = "Senior " if years >= 7 and rng.random() < 0.6 else ""
    title = seniority + rng.choice(fam.past_titles).removeprefix("Senior ")
    employer = rng.choice(words.FAMILY_EMPLOYERS.get(fam.key, words.EMPLOYERS))
    location = rng.choice(culture.locations) if rng.random() < 0.75 else rng.choice(words.OFFICE_LOCATIONS)
    phones = [{"type": "mobile", "value": f"{culture.phone_prefix}{rng.randrange(10**6, 10**7 - 1)}"}]
    if rng.random() < 0.25:
        phones.append(
            {"type": rng.choice(words.PHONE_TYPES[3:]), "value": f"+1 212 555 0{rng.randrange(100, 999)}"}
        )
    link_slug = f"{slugify(ascii_fold(first.ascii or first.display))}-{slugify(last.ascii or last.display)}"
    links = [f"https://www.linkedin.com/in/{link_slug}-{rng.randrange(16**5, 16**6):x}"]
    if rng.random() < 0.35:
        links.append(rng.choice(words.LINK_SITES[1:]).format(slug=f"{first_ascii}{last_ascii}"))
    style = rng.randrange(4)
    local = (
        f"{first_ascii}.{last_ascii}",
        f"{first_ascii}{last_ascii}",
        f"{first_ascii[:1]}{last_ascii}",
        f"{last_ascii}.{first_ascii}",
    )[style]
    return Profile(
        id=cid,
        name=name,
        first=first_ascii,
        last=last_ascii,
        culture=culture_idx,
        family=family,
        employer=employer,
        title=title,
        years=years,
        location=location,
        phones=tuple(phones),
        links=tuple(links),
        email_local=local,
        email_domain=rng.choice(words.EMAIL_DOMAINS),
        work_email=rng.random() < 0.35,
    )


def contact_emails(p: Profile, taken: set[str]) -> tuple[str, ...]:
    """Return the profile's emails, numbered where another person already has the address."""
    emails = [_unique(f"{p.email_local}@{p.email_domain}", taken)]
    if p.work_email:
        emails.append(_unique(f"{p.first}.{p.last}@{handle(p.employer)}.example", taken))
    return tuple(emails)


def _unique(address: str, taken: set[str]) -> str:
    local, domain = address.split("@")
    candidate, n = address, 1
    while candidate in taken:
        n += 1
        candidate = f"{local}{n}@{domain}"
    taken.add(candidate)
    return candidate


def headline(p: Profile) -> str:
    """Return the contact's headline, e.g. "Senior Data Engineer at Globex"."""
    return f"{p.title} at {p.employer}"


def contact_object(seed: int, row: ContactRow, overlay: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the ``GET /contacts/:id`` object (PII blanked when anonymised)."""
    if overlay is not None:
        return {k: v for k, v in overlay.items() if k != "links"}
    if row.anonymized:
        return {
            "id": row.id,
            "name": "",
            "headline": "",
            "isAnonymized": True,
            "location": None,
            "emails": [],
            "phones": [],
        }
    p = profile(seed, row.idx)
    return {
        "id": row.id,
        "name": row.name,
        "headline": headline(p),
        "isAnonymized": False,
        "location": {"name": p.location},
        "emails": list(row.emails),
        "phones": [dict(x) for x in p.phones],
    }


def career(
    seed: int, n: int, p: Profile, epoch_year: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (positions, schools) for contact ``n``, newest first, in resume ``parsedData`` shape."""
    rng = rng_for(seed, "career", n)
    fam = FAMILIES[p.family]
    positions: list[dict[str, Any]] = []
    pool = words.FAMILY_EMPLOYERS.get(fam.key, words.EMPLOYERS)
    employers = [p.employer] + rng.sample([e for e in pool if e != p.employer], 3)
    end: dict[str, int] | None = None
    start_year = epoch_year - rng.randrange(1, 5)
    for k in range(1 + min(3, p.years // 3)):
        title = p.title if k == 0 else rng.choice(fam.past_titles).removeprefix("Senior " if k > 1 else "")
        start = {"year": start_year, "month": rng.randrange(1, 13)}
        location = p.location if k == 0 else rng.choice(words.CULTURES[p.culture].locations)
        positions.append(
            {
                "org": employers[k],
                "title": title,
                "summary": "",
                "location": location,
                "start": start,
                "end": end,
            }
        )
        end = dict(start)
        start_year -= rng.randrange(1, 5)
    grad = positions[-1]["start"]["year"]
    degree, field = rng.choice(fam.degrees), rng.choice(fam.fields_of_study)
    schools = [_school(rng.choice(words.SCHOOLS), f"{degree} {field}", field, grad)]
    if degree in ("MS", "MBA", "PhD", "MSN", "MEd", "MA", "MDes") and rng.random() < 0.8:
        first_field = "Economics" if degree == "MBA" else field
        schools.append(_school(rng.choice(words.SCHOOLS), f"BS {first_field}", first_field, grad - 3))
        schools[0]["start"]["year"] = grad - 2
    return positions, schools


def _school(org: str, degree: str, field: str, grad: int) -> dict[str, Any]:
    return {
        "org": org,
        "degree": degree,
        "field": field,
        "summary": None,
        "start": {"year": grad - 4, "month": 9},
        "end": {"year": grad, "month": 6},
    }
