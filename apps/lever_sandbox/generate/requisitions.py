"""Requisitions: one per posting with a requisition code, plus a few not yet attached to a posting."""

from __future__ import annotations

import random
from typing import Any

from apps.lever_sandbox.generate.common import DAY, new_uuid, rng_for

EMPLOYMENT = {
    "Full-time": "full-time",
    "Part-time": "part-time",
    "Contract": "contractor",
    "Internship": "intern",
}
STATUS_FOR_POSTING = {
    "published": "open",
    "internal": "open",
    "closed": "closed",
    "draft": "draft",
    "pending": "draft",
    "rejected": "onHold",
}


def build_requisitions(
    seed: int, epoch: int, postings: list[dict[str, Any]], users: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return one requisition per posting with a requisition code, plus a few without postings."""
    rng = rng_for(seed, "requisitions")
    managers = [u["id"] for u in users if u["accessRole"] in ("limited team member", "admin")]
    reqs = []
    for posting in postings:
        if posting["requisitionCodes"]:
            reqs.append(
                _requisition(
                    rng,
                    posting["requisitionCodes"][0],
                    posting,
                    STATUS_FOR_POSTING[posting["state"]],
                    managers,
                )
            )
    for n in range(3):
        reqs.append(
            _requisition(rng, f"GEN-{900 + n}", None, ("draft", "onHold", "open")[n], managers, epoch)
        )
    reqs.sort(key=lambda r: (-r["createdAt"], r["id"]))
    return reqs


def _requisition(
    rng: random.Random,
    code: str,
    posting: dict[str, Any] | None,
    status: str,
    managers: list[str],
    epoch: int = 0,
) -> dict[str, Any]:
    cats = (
        posting["categories"]
        if posting
        else {"location": "Remote", "team": "General", "department": "Operations", "commitment": "Full-time"}
    )
    created = (
        posting["createdAt"] - rng.randrange(1, 30) * DAY if posting else epoch - rng.randrange(5, 90) * DAY
    )
    salary = posting.get("salaryRange") if posting else None
    owner = posting["owner"] if posting else rng.choice(managers)
    total: int | str = "unlimited" if rng.random() < 0.05 else rng.randrange(1, 6)
    return {
        "id": new_uuid(rng),
        "requisitionCode": code,
        "name": posting["text"] if posting else "Future headcount",
        "backfill": rng.random() < 0.2,
        "confidentiality": posting["confidentiality"] if posting else "non-confidential",
        "status": status,
        "headcountHired": 0,
        "headcountTotal": total,
        "employmentStatus": EMPLOYMENT.get(cats["commitment"], "full-time"),
        "hiringManager": (posting or {}).get("hiringManager") or rng.choice(managers),
        "owner": owner,
        "creator": owner,
        "location": cats["location"],
        "team": cats["team"],
        "department": cats["department"],
        "internalNotes": "Approved in the annual headcount plan." if rng.random() < 0.5 else "",
        "postings": [posting["id"]] if posting else [],
        "offerIds": [],
        "compensationBand": dict(salary) if salary else None,
        "approval": {"status": "approved" if status != "draft" else "pending", "steps": []},
        "customFields": {
            "cost_center": {"city": cats["location"].split(",")[0], "campus_code": str(rng.randrange(1, 20))},
            "target_hire_date": created + rng.randrange(30, 120) * DAY,
            "hiring_reason": "Backfill" if rng.random() < 0.2 else "New headcount",
        },
        "createdAt": created,
        "updatedAt": created + rng.randrange(0, 20) * DAY,
        "closedAt": posting["updatedAt"] if posting and status == "closed" else None,
        "timeToFillStartAt": created,
        "timeToFillEndAt": posting["updatedAt"] if posting and status == "closed" else None,
    }
