"""Per-opportunity children: notes, panels and interviews, feedback, offers, forms and referrals.

Everything is derived from the opportunity as generated (its stage history), so interviews sit in
interview stages, feedback follows interviews and offers exist only where the offer stage was reached.
"""

from __future__ import annotations

from typing import Any

from apps.lever_sandbox.generate.common import DAY, HOUR, WEB_BASE, new_uuid, rng_for
from apps.lever_sandbox.generate.dataset import Dataset, OppRow
from apps.lever_sandbox.generate.reference import OFFER

NOTE_TEXTS = (
    "Spoke with {first} today: clear communicator, interested in the {team} team.",
    "{first} asked about remote flexibility and the interview timeline.",
    "Strong background in {skill}; worth moving forward.",
    "Left a voicemail, will follow up next week.",
    "Hiring manager wants a deeper dive on {skill} in the next round.",
    "Candidate is also interviewing elsewhere; keep the process moving.",
    "Great conversation about career goals. Needs a decision within two weeks.",
)
SECRET_TEXTS = (
    "Current compensation is above our band; discuss with finance.",
    "Shared that they are on a visa and will need sponsorship.",
)
COMMENTS = ("Agreed.", "Thanks, I'll set up the next step.", "+1, let's move quickly.", "Noted.")


def notes(ds: Dataset, row: OppRow, opp: dict[str, Any], first: str, skill: str) -> list[dict[str, Any]]:
    """Return 0–4 note threads (some secret, some scored), newest first."""
    rng = rng_for(ds.seed, "notes", row.idx)
    changes = opp["stageChanges"]
    users = [opp["owner"], *opp["followers"]]
    team = ds.postings[row.posting]["categories"]["team"] if row.posting >= 0 else "recruiting"
    result = []
    for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(20, 35, 25, 12, 8))[0]):
        created = row.created + int(rng.random() * max(1, row.updated - row.created))
        stage = next(
            (c["toStageId"] for c in reversed(changes) if c["updatedAt"] <= created), changes[0]["toStageId"]
        )
        secret = rng.random() < 0.1
        text = (
            rng.choice(SECRET_TEXTS)
            if secret
            else rng.choice(NOTE_TEXTS).format(first=first, team=team, skill=skill)
        )
        score = rng.randrange(1, 5) if rng.random() < 0.2 else None
        author = rng.choice(users)
        fields = [_comment(text, author, stage, score, created)]
        for k in range(rng.choices((0, 1, 2), weights=(70, 22, 8))[0]):
            fields.append(
                _comment(rng.choice(COMMENTS), rng.choice(users), stage, None, created + (k + 1) * HOUR)
            )
        result.append(
            {
                "id": new_uuid(rng),
                "text": "Note",
                "fields": fields,
                "user": author,
                "secret": secret,
                "createdAt": created,
                "completedAt": created,
                "deletedAt": None,
            }
        )
    return sorted(result, key=lambda n: (-n["createdAt"], n["id"]))


def _comment(value: str, user: str, stage: str, score: int | None, created: int) -> dict[str, Any]:
    return {
        "type": "note",
        "text": "Comment",
        "value": value,
        "user": user,
        "stage": stage,
        "score": score,
        "createdAt": created,
    }


def offers(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the offer of an opportunity that reached the offer stage (status follows the outcome)."""
    reached = next((c for c in opp["stageChanges"] if c["toStageIndex"] == OFFER), None)
    if reached is None or row.posting < 0:
        return []
    rng = rng_for(ds.seed, "offers", row.idx)
    posting = ds.postings[row.posting]
    reason = ds.archive_reasons[row.reason] if row.reason >= 0 else None
    if reason and reason["type"] == "hired":
        status = "signed"
    elif reason:
        status = "sent" if reason["text"] == "Offer declined" else "denied"
    else:
        status = rng.choice(("draft", "approval-sent", "approved", "sent", "opened"))
    created = reached["updatedAt"] + rng.randrange(HOUR, 2 * DAY)
    salary = posting.get("salaryRange") or {
        "min": 90_000,
        "max": 120_000,
        "currency": "USD",
        "interval": "per-year-salary",
    }
    amount = salary["min"] + (salary["max"] - salary["min"]) * rng.randrange(2, 9) // 10
    offer_id = new_uuid(rng)
    url = f"{WEB_BASE}/v1/opportunities/{row.id}/offers/{offer_id}/download"
    sent = created + DAY if status in ("sent", "opened", "signed") else None
    hm = ds.user_by_id.get(posting["hiringManager"] or "")
    fields = [
        ("Job posting", "job_posting", posting["id"]),
        ("Job title", "job_title", posting["text"]),
        ("Candidate name", "candidate_name", opp["name"]),
        ("Offered compensation amount", "salary_amount", amount),
        ("Compensation currency", "compensation_currency", salary["currency"]),
        ("Salary interval", "salary_interval", salary["interval"]),
        ("Hiring manager", "hiring_manager", hm["name"] if hm else None),
        ("Anticipated start date", "anticipated_start_date", created + rng.randrange(14, 60) * DAY),
        ("Signing bonus", "custom_signing_bonus", rng.choice((0, 5_000, 10_000))),
    ]
    return [
        {
            "id": offer_id,
            "createdAt": created,
            "creator": opp["owner"],
            "status": status,
            "fields": [{"text": t, "identifier": i, "value": v} for t, i, v in fields],
            "sentDocument": {"fileName": "offer.pdf", "uploadedAt": sent, "downloadUrl": f"{url}?status=sent"}
            if sent
            else None,
            "signedDocument": {
                "fileName": "offer_signed.pdf",
                "uploadedAt": sent + DAY,
                "downloadUrl": f"{url}?status=signed",
            }
            if sent and status == "signed"
            else None,
            "approved": status not in ("draft", "approval-sent", "denied"),
            "approvedAt": created + HOUR if status not in ("draft", "approval-sent", "denied") else None,
            "sentAt": sent,
            "posting": posting["id"],
        }
    ]


def forms(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> list[dict[str, Any]]:
    """Return filled profile forms: phone screen notes past that stage, offer information at the offer."""
    rng = rng_for(ds.seed, "forms", row.idx)
    result = []
    for change in opp["stageChanges"]:
        index = change["toStageIndex"]
        template = ds.form_templates[0] if index == 5 else ds.form_templates[1] if index == OFFER else None
        if template is None or rng.random() < 0.4:
            continue
        values = {
            "Current salary expectations": f"{rng.randrange(60, 220)}k",
            "Notice period": "1 month",
            "Summary": "Good alignment on scope and level.",
            "Start date": change["updatedAt"] + 30 * DAY,
            "Compensation": rng.randrange(80, 200) * 1000,
            "Equity": "0.05%",
        }
        created = change["updatedAt"] + rng.randrange(HOUR, DAY)
        result.append(
            {
                "id": new_uuid(rng),
                "type": "form",
                "text": template["text"],
                "instructions": template["instructions"],
                "baseTemplateId": template["id"],
                "fields": [{**f, "value": values.get(f["text"])} for f in template["fields"]],
                "user": opp["owner"],
                "stage": change["toStageId"],
                "secret": template["secretByDefault"],
                "createdAt": created,
                "completedAt": created,
                "deletedAt": None,
            }
        )
    return sorted(result, key=lambda f: (-f["createdAt"], f["id"]))


def referrals(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the referral form of a referred opportunity."""
    if row.origin != "referred":
        return []
    rng = rng_for(ds.seed, "referrals", row.idx)
    referrer = rng.choice(ds.interviewers)
    return [
        {
            "id": new_uuid(rng),
            "type": "referral",
            "text": "Referral",
            "instructions": "",
            "baseTemplateId": new_uuid(rng_for(ds.seed, "referral-template")),
            "fields": [
                {"type": "text", "text": "Name of referrer", "value": referrer["name"]},
                {
                    "type": "dropdown",
                    "text": "Relationship",
                    "value": rng.choice(("Former colleague", "Friend", "Met at an event", "Classmate")),
                },
                {
                    "type": "textarea",
                    "text": "Why are they a good fit?",
                    "value": "Worked together for two years; dependable and kind.",
                },
            ],
            "referrer": referrer["id"],
            "user": referrer["id"],
            "stage": opp["stageChanges"][0]["toStageId"],
            "createdAt": row.created,
            "completedAt": row.created,
        }
    ]
