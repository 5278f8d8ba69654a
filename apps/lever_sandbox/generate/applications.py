"""Applications (an opportunity's link to a posting) and the posting's application form."""

from __future__ import annotations

from typing import Any

from apps.lever_sandbox.generate.common import MINUTE, new_uuid, rng_for
from apps.lever_sandbox.generate.dataset import Dataset, OppRow


def application_id(ds: Dataset, row: OppRow) -> str:
    return new_uuid(rng_for(ds.seed, "application", row.idx))


def application_object(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> dict[str, Any]:
    """Return the application of a generated opportunity with a posting (the 0–1 ``applications``)."""
    rng = rng_for(ds.seed, "application", row.idx)
    app_id = new_uuid(rng)
    posting = ds.postings[row.posting]
    kind = {"applied": "posting", "referred": "referral"}.get(row.origin, "user")
    answers = []
    if kind == "posting":
        form = apply_form(ds.seed, posting, ds.company)["customQuestions"][0]
        fields = [dict(f) for f in form["fields"]]
        fields[0]["value"] = "Yes" if rng.random() < 0.9 else "No"
        fields[1]["value"] = f"{rng.randrange(60, 200)}k"
        fields[2]["value"] = "I like the team's focus and the product." if rng.random() < 0.6 else ""
        answers.append(
            {
                "id": new_uuid(rng),
                "type": "form",
                "text": form["text"],
                "baseTemplateId": form["id"],
                "fields": fields,
                "user": None,
                "stage": None,
                "createdAt": row.created,
                "completedAt": row.created,
            }
        )
    hire = None
    if row.reason >= 0 and ds.archive_reasons[row.reason]["type"] == "hired":
        req = next((r for r in ds.requisitions if posting["id"] in r["postings"]), None)
        if req:
            hire = {
                "id": req["id"],
                "requisitionCode": req["requisitionCode"],
                "hiringManagerOnHire": req["hiringManager"],
            }
    return {
        "id": app_id,
        "opportunityId": row.id,
        "candidateId": row.id,
        "createdAt": row.created + rng.randrange(0, 5 * MINUTE),
        "type": kind,
        "posting": posting["id"],
        "postingOwner": posting["owner"],
        "postingHiringManager": posting["hiringManager"],
        "user": None if kind == "posting" else opp["owner"],
        "name": opp["name"],
        "email": opp["emails"][0] if opp["emails"] else None,
        "phone": opp["phones"][0] if opp["phones"] else None,
        "company": opp["headline"].split(" at ", 1)[1] if " at " in opp["headline"] else None,
        "links": list(opp["links"]),
        "comments": None,
        "customQuestions": answers,
        "archived": opp["archived"],
        "requisitionForHire": hire,
        "resume": None,
    }


def apply_form(seed: int, posting: dict[str, Any], company: dict[str, str]) -> dict[str, Any]:
    """Return the posting's application form (``GET /postings/:id/apply``)."""
    rng = rng_for(seed, "apply", posting["id"])
    country = posting.get("country") or "US"
    yes_no = [{"text": "Yes", "optionId": new_uuid(rng)}, {"text": "No", "optionId": new_uuid(rng)}]
    questions = {
        "id": new_uuid(rng),
        "text": "Additional questions",
        "fields": [
            {
                "id": new_uuid(rng),
                "type": "multiple-choice",
                "text": f"Are you authorized to work in {country}?",
                "description": "",
                "required": True,
                "options": yes_no,
            },
            {
                "id": new_uuid(rng),
                "type": "text",
                "text": "What are your salary expectations?",
                "description": "",
                "required": False,
            },
            {
                "id": new_uuid(rng),
                "type": "textarea",
                "text": f"Why do you want to join {company['name']}?",
                "description": "",
                "required": False,
            },
        ],
    }

    def dropdown(text: str, *options: str) -> dict[str, Any]:
        return {
            "type": "dropdown",
            "text": text,
            "description": "",
            "required": False,
            "options": [{"text": o, "optionId": new_uuid(rng)} for o in options],
        }

    return {
        "id": posting["id"],
        "text": posting["text"],
        "customQuestions": [questions],
        "eeoQuestions": {
            "gender": dropdown("Gender", "Female", "Male", "Non-binary", "Decline to self-identify"),
            "race": dropdown(
                "Race",
                "Asian",
                "Black or African American",
                "Hispanic or Latino",
                "White",
                "Two or more races",
                "Decline to self-identify",
            ),
            "veteran": dropdown(
                "Veteran status",
                "I am a Protected Veteran",
                "I am not a Protected Veteran",
                "I don't wish to answer",
            ),
            "disability": dropdown("Disability status", "Yes", "No", "I don't wish to answer"),
        },
        "personalInformation": [
            {"name": "fullName", "text": "Full name", "type": "text", "required": True},
            {"name": "email", "text": "Email", "type": "email", "required": True},
            {"name": "phone", "text": "Phone", "type": "phone", "required": False},
            {"name": "location", "text": "Current location", "type": "location", "required": False},
            {"name": "org", "text": "Current company", "type": "text", "required": False},
            {"name": "resume", "text": "Resume/CV", "type": "file-upload", "required": True},
            {
                "name": "additionalInformation",
                "text": "Additional information",
                "type": "textarea",
                "required": False,
            },
        ],
        "urls": [
            {"name": "LinkedIn", "required": False},
            {"name": "GitHub", "required": False},
            {"name": "Portfolio", "required": False},
        ],
        "consentDisclosures": {"store": {"text": f"{company['name']} may keep your data for 2 years."}},
    }
