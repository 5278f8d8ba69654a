"""Resumes and other files of an opportunity: metadata, ``parsedData`` and the document bytes.

The resume text is written from the same structure as ``parsedData`` (positions, schools) and
names skills drawn from the posting's requirements, so extracted text, parsed data and the
posting agree with each other — the evidence a scorer needs.
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from apps.lever_sandbox import documents, words
from apps.lever_sandbox.families import FAMILIES
from apps.lever_sandbox.generate import people
from apps.lever_sandbox.generate.common import MINUTE, WEB_BASE, new_uuid, rng_for
from apps.lever_sandbox.generate.dataset import Dataset, OppRow

SUMMARIES = (
    "{duty}, using {a} and {b}.",
    "{duty}. Worked every day with {a} and {b}.",
    "{duty}; introduced {a} and improved how the team used {b}.",
)


class StoredFile(NamedTuple):
    meta: dict[str, Any]  # the JSON object the list endpoint returns
    content: bytes
    content_type: str
    downloadable: bool  # False → the download answers 422 (Lever could not process it)


def skills_for(ds: Dataset, row: OppRow) -> list[str]:
    """Return the skills an opportunity's resume names: a share of the posting's, plus the person's own."""
    rng = rng_for(ds.seed, "skills", row.idx)
    family = FAMILIES[ds.contacts[row.contact].family]
    if row.posting >= 0:
        meta = ds.posting_meta[row.posting]
        match = (
            rng.uniform(0.35, 1.0)
            if meta.family == ds.contacts[row.contact].family
            else rng.uniform(0.0, 0.45)
        )
        wanted = list(meta.skills)
    else:
        match, wanted = rng.uniform(0.4, 0.9), [skill for _, skill in family.requirements]
    chosen = [s for s in wanted if rng.random() < match]
    extra = rng.sample(family.extra_skills, min(len(family.extra_skills), rng.randrange(2, 4)))
    return list(dict.fromkeys(chosen + extra))


def resumes(ds: Dataset, row: OppRow) -> list[StoredFile]:
    """Return the opportunity's resumes, newest first (none for anonymised ones)."""
    rng = rng_for(ds.seed, "resumes", row.idx)
    if row.anonymized or rng.random() < (0.3 if row.posting < 0 else 0.1):
        return []
    contact = ds.contacts[row.contact]
    p = people.profile(ds.seed, contact.idx)
    positions, schools = people.career(ds.seed, contact.idx, p, ds.epoch_year)
    skills = skills_for(ds, row)
    family = FAMILIES[p.family]
    for n, position in enumerate(positions):
        pair = [skills[(2 * n) % len(skills)], skills[(2 * n + 1) % len(skills)]]
        duty = family.duties[n % len(family.duties)]
        position["summary"] = SUMMARIES[(n + row.idx) % len(SUMMARIES)].format(
            duty=duty, a=pair[0], b=pair[1]
        )
    result = []
    for version in range(2 if rng.random() < 0.08 else 1):
        created = row.created + rng.randrange(0, 10 * MINUTE) - version * 40 * 86_400_000
        ext = rng.choices(("pdf", "docx", "txt"), weights=(55, 30, 15))[0]
        status = "processed" if rng.random() < 0.96 else rng.choice(("processing", "error"))
        rid = new_uuid(rng)
        lines = resume_lines(contact.name, p, contact.emails, positions, schools, skills)
        content = _render(ext, lines, f"{contact.name} resume")
        meta: dict[str, Any] = {
            "id": rid,
            "createdAt": created,
            "file": {
                "name": f"{contact.name} - Resume.{ext}",
                "ext": ext,
                "downloadUrl": f"{WEB_BASE}/candidates/{row.id}/resumes/{rid}/download",
                "uploadedAt": created + rng.randrange(1, 900),
                "status": status,
                "size": len(content),
            },
        }
        if status == "processed":
            meta["parsedData"] = {"positions": positions, "schools": schools}
        result.append(StoredFile(meta, content, documents.CONTENT_TYPES[ext], status == "processed"))
    return sorted(result, key=lambda f: (-f.meta["createdAt"], f.meta["id"]))


def resume_lines(
    name: str,
    p: people.Profile,
    emails: tuple[str, ...],
    positions: list[dict[str, Any]],
    schools: list[dict[str, Any]],
    skills: list[str],
) -> list[documents.Line]:
    """Return the resume as document lines; every ``parsedData`` value appears verbatim."""
    contact_line = " | ".join([*emails[:1], p.phones[0]["value"], p.location])
    lines: list[documents.Line] = [("title", name), ("text", p.title), ("text", contact_line)]
    lines += [("text", link) for link in p.links[:1]]
    lines += [
        ("text", ""),
        ("heading", "Summary"),
        ("text", f"{p.title} with {p.years} years of experience in {', '.join(skills[:3])}."),
    ]
    lines += [("text", ""), ("heading", "Experience")]
    for position in positions:
        lines += [
            ("text", f"{position['title']} - {position['org']} - {position['location']}"),
            (
                "text",
                f"{_when(position['start'])} - {_when(position['end']) if position['end'] else 'Present'}",
            ),
            ("text", position["summary"]),
        ]
    lines += [("text", ""), ("heading", "Education")]
    for school in schools:
        lines += [
            ("text", f"{school['degree']} - {school['org']}"),
            ("text", f"{_when(school['start'])} - {_when(school['end'])}"),
        ]
    lines += [("text", ""), ("heading", "Skills"), ("text", ", ".join(skills))]
    return lines


def _when(ym: dict[str, int]) -> str:
    return f"{words.MONTHS[ym['month'] - 1]} {ym['year']}"


def _render(ext: str, lines: list[documents.Line], title: str) -> bytes:
    if ext == "pdf":
        return documents.render_pdf(lines, title)
    if ext == "docx":
        return documents.render_docx(lines, title)
    return documents.render_text(lines)


# (label, extension, status, weight): most attachments are processed; images never are.
FILE_PLANS = (
    ("Cover letter", "docx", "processed", 40),
    ("Portfolio", "pdf", "processed", 25),
    ("Work sample", "txt", "processed", 20),
    ("Certificate", "png", "unsupported", 10),
    ("References", "pdf", "processing", 5),
)


def files(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> list[StoredFile]:
    """Return other attachments (cover letters, portfolios…); some never processed (422 on download)."""
    rng = rng_for(ds.seed, "files", row.idx)
    if row.anonymized or rng.random() < 0.7:
        return []
    result = []
    picked = rng.choices(FILE_PLANS, weights=[plan[3] for plan in FILE_PLANS], k=rng.choice((1, 1, 1, 2)))
    for label, ext, status, _ in dict.fromkeys(picked):
        fid = new_uuid(rng)
        uploaded = row.created + rng.randrange(MINUTE, max(2 * MINUTE, row.updated - row.created))
        content = documents.PNG_PIXEL if ext == "png" else _render(ext, _file_lines(rng, label, opp), label)
        meta = {
            "id": fid,
            "downloadUrl": f"{WEB_BASE}/candidates/{row.id}/files/{fid}/download",
            "ext": f".{ext}",
            "name": f"{label}.{ext}",
            "uploadedAt": uploaded,
            "status": status,
            "size": len(content),
        }
        result.append(StoredFile(meta, content, documents.CONTENT_TYPES[ext], status == "processed"))
    return sorted(result, key=lambda f: (-f.meta["uploadedAt"], f.meta["id"]))


def _file_lines(rng: random.Random, label: str, opp: dict[str, Any]) -> list[documents.Line]:
    body = {
        "Cover letter": "I am excited to apply. My recent work is a close match for what your team is building.",
        "Portfolio": "Selected projects, with the problem, my role and the outcome for each.",
        "Work sample": "Take-home exercise: design notes, trade-offs and what I would do next.",
        "References": "Available on request from two former managers.",
    }[label]
    return [
        ("title", label),
        ("text", opp["name"] or "Candidate"),
        ("text", ""),
        ("text", body),
        ("text", f"Reference number {rng.randrange(10_000, 99_999)}"),
    ]
