"""Interview panels in the interview stages an opportunity reached, and the scorecards that followed."""

from __future__ import annotations

import random
from typing import Any

from apps.lever_sandbox import words
from apps.lever_sandbox.generate.common import DAY, HOUR, MINUTE, new_uuid, rng_for
from apps.lever_sandbox.generate.dataset import Dataset, OppRow
from apps.lever_sandbox.generate.reference import INTERVIEW_STAGES, RATING_OPTIONS


def panels(ds: Dataset, row: OppRow, opp: dict[str, Any]) -> list[dict[str, Any]]:
    """Return interview panels (each embedding its interviews) for interview stages the opportunity reached."""
    if row.posting < 0:
        return []
    rng = rng_for(ds.seed, "panels", row.idx)
    posting = ds.postings[row.posting]
    templates = {t["stage"]["id"]: t for t in ds.feedback_templates if t["stage"]}
    fallback = ds.feedback_templates[1]
    result = []
    for change in opp["stageChanges"]:
        if change["toStageIndex"] not in INTERVIEW_STAGES:
            continue
        stage_text = ds.stages[change["toStageIndex"]]["text"]
        template = templates.get(change["toStageId"], fallback)
        tz = rng.choice(words.TIMEZONES)
        start = (change["updatedAt"] // HOUR) * HOUR + rng.randrange(1, 6) * DAY + rng.randrange(0, 8) * HOUR
        panel_id = new_uuid(rng)
        canceled = start + HOUR if rng.random() < 0.05 else None
        interviews = []
        slot = start
        for _ in range(3 if change["toStageIndex"] == 8 else 1):
            duration = rng.choice((30, 45, 60))
            people = rng.sample(ds.interviewers, 2 if rng.random() < 0.3 else 1)
            interviews.append(
                {
                    "id": new_uuid(rng),
                    "panel": panel_id,
                    "subject": f"{stage_text} - {opp['name'] or 'Candidate'}",
                    "note": "Please review the resume before the call.",
                    "interviewers": [
                        {
                            "id": u["id"],
                            "email": u["email"],
                            "name": u["name"],
                            "feedbackTemplate": template["id"],
                        }
                        for u in people
                    ],
                    "timezone": tz,
                    "createdAt": change["updatedAt"] + HOUR,
                    "date": slot,
                    "duration": duration,
                    "location": rng.choice(
                        ("Zoom", "Google Meet", "Phone", posting["categories"]["location"])
                    ),
                    "feedbackTemplate": template["id"],
                    "feedbackForms": [],
                    "feedbackReminder": rng.choice(("once", "daily", "frequently", "none")),
                    "user": opp["owner"],
                    "stage": change["toStageId"],
                    "canceledAt": canceled,
                    "postings": [posting["id"]],
                    "gcalEventUrl": f"https://calendar.example/event?eid={panel_id[:8]}{len(interviews)}",
                }
            )
            slot += duration * MINUTE + 15 * MINUTE
        result.append(
            {
                "id": panel_id,
                "applications": list(opp["applications"]),
                "canceledAt": canceled,
                "createdAt": change["updatedAt"] + HOUR,
                "start": start,
                "end": slot - 15 * MINUTE,
                "timezone": tz,
                "feedbackReminder": interviews[0]["feedbackReminder"],
                "user": opp["owner"],
                "stage": change["toStageId"],
                "note": "",
                "externallyManaged": False,
                "externalUrl": None,
                "interviews": interviews,
            }
        )
    return sorted(result, key=lambda p: (-p["createdAt"], p["id"]))


def feedback(
    ds: Dataset, row: OppRow, opp: dict[str, Any], panel_list: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return submitted scorecards for past, uncancelled interviews (and link them from the interviews)."""
    rng = rng_for(ds.seed, "feedback", row.idx)
    by_id = {t["id"]: t for t in ds.feedback_templates}
    advanced_past = {c["toStageIndex"] for c in opp["stageChanges"]}
    result = []
    for panel in panel_list:
        for interview in panel["interviews"]:
            if interview["canceledAt"] or interview["date"] > ds.epoch or rng.random() < 0.15:
                continue
            went_on = any(s > ds.stage_pos[interview["stage"]] for s in advanced_past)
            for person in interview["interviewers"]:
                template = by_id[person["feedbackTemplate"]]
                done = interview["date"] + interview["duration"] * MINUTE + rng.randrange(HOUR, 2 * DAY)
                fb_id = new_uuid(rng)
                interview["feedbackForms"].append(fb_id)
                result.append(
                    {
                        "id": fb_id,
                        "type": "interview",
                        "text": template["text"],
                        "instructions": template["instructions"],
                        "baseTemplateId": template["id"],
                        "fields": _scorecard(rng, template["fields"], went_on),
                        "user": person["id"],
                        "panel": panel["id"],
                        "interview": interview["id"],
                        "createdAt": done,
                        "updatedAt": None,
                        "completedAt": done,
                        "deletedAt": None,
                    }
                )
    return sorted(result, key=lambda f: (-f["createdAt"], f["id"]))


def _scorecard(rng: random.Random, fields: list[dict[str, Any]], positive: bool) -> list[dict[str, Any]]:
    rating = rng.choices(RATING_OPTIONS, weights=(35, 50, 12, 3) if positive else (3, 22, 50, 25))[0]
    values = []
    for f in fields:
        value: Any = {
            "score-system": rating,
            "score": rng.randrange(2 if positive else 1, 5 if positive else 4),
            "textarea": (
                "Clear thinker with solid fundamentals."
                if f["text"] == "Strengths"
                else "Wants more depth in system design."
            ),
            "yes-no": "yes" if positive else rng.choice(("yes", "no")),
        }.get(f["type"], "")
        values.append({**f, "value": value, "prompt": f["text"]})
    return values
