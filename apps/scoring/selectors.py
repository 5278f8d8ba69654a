"""Read models for the scoring pages: the score panel of an application, a job's ranking and agreement."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from apps.accounts.models import User
from apps.candidates.models import Application, Outcome
from apps.jobs.models import Job
from apps.scoring.engine.types import COMPONENTS
from apps.scoring.models import Score, ScoreFeedback, Tier, Verdict
from apps.scoring.services import scorable

COMPONENT_LABELS = {
    "must_haves": "Must-have requirements",
    "relevance": "Relevance to the job",
    "experience": "Relevant experience",
    "seniority": "Title and seniority",
    "nice_to_haves": "Nice-to-haves",
}
RECOMMENDED_TIERS = (Tier.TIER_1, Tier.TIER_2)


def components_of(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the explanation's components in the engine's order, each with a label."""
    components = explanation.get("components") or {}
    if isinstance(components, list):  # tolerate a list of {name, …}
        components = {c.get("name"): c for c in components if isinstance(c, dict)}
    names = [n for n in COMPONENTS if n in components] + sorted(set(components) - set(COMPONENTS))
    rows = []
    for name in names:
        values = components[name] if isinstance(components[name], dict) else {"value": components[name]}
        rows.append(
            {"name": name, "label": COMPONENT_LABELS.get(name, str(name).replace("_", " ")), **values}
        )
    return rows


def score_panel(
    *, application: Application, user: User | None, feedback: list[ScoreFeedback] | None = None
) -> dict[str, Any]:
    """Return what the score panel of one application shows (one query; none for a score already loaded).

    `feedback`: the application's feedback rows, newest first, when the caller read them already.
    """
    # The profile loads its applications with their score (select_related): reuse it rather than
    # asking again (and decoding the explanation twice), and read the feedback (one row per member
    # at most) once for the counts and the member's own: one query per application instead of three.
    try:
        score: Score | None = application.score
    except Score.DoesNotExist:
        score = None
    if feedback is None:
        feedback = list(ScoreFeedback.objects.filter(application=application).order_by("-updated_at"))
    counts = Counter(row.verdict for row in feedback)
    mine = user.pk if user is not None and user.pk else None
    explanation = score.explanation if score else {}
    return {
        "application": application,
        "score": score,
        "explanation": explanation,
        "components": components_of(explanation),
        "requirements": [r for r in explanation.get("requirements") or [] if isinstance(r, dict)],
        "my_feedback": next((row for row in feedback if mine is not None and row.user_id == mine), None),
        "feedback_up": counts[Verdict.UP],
        "feedback_down": counts[Verdict.DOWN],
    }


def score_panels_for_candidate(*, applications: list[Application], user: User | None) -> list[dict[str, Any]]:
    """Return a panel per application to a job (leads have no score): one feedback query for all."""
    scored = [a for a in applications if a.job_id]
    feedback: dict[int, list[ScoreFeedback]] = {a.pk: [] for a in scored}
    if scored:
        rows = ScoreFeedback.objects.filter(application_id__in=list(feedback)).order_by("-updated_at")
        for row in rows:
            feedback[row.application_id].append(row)
    return [score_panel(application=a, user=user, feedback=feedback[a.pk]) for a in scored]


@dataclass
class TierRow:
    tier: str
    label: str
    count: int = 0
    active: int = 0
    hired: int = 0
    rejected: int = 0
    up: int = 0
    down: int = 0


@dataclass
class Agreement:
    """How the AI's tiers and recruiters' judgement line up on one job."""

    up: int = 0
    down: int = 0
    decided: int = 0  # hired or rejected, with a score
    agreeing: int = 0  # recommended and hired, or not recommended and rejected
    tiers: list[TierRow] = field(default_factory=list)

    @property
    def votes(self) -> int:
        return self.up + self.down

    @property
    def up_share(self) -> float | None:
        return self.up / self.votes if self.votes else None

    @property
    def decision_agreement(self) -> float | None:
        return self.agreeing / self.decided if self.decided else None


def job_agreement(job: Job) -> Agreement:
    """Count up and down votes, and how often the tier agreed with the hire/reject decision."""
    agreement = Agreement()
    rows = {tier: TierRow(tier=tier, label=label) for tier, label in Tier.choices}
    per_tier = (
        Score.objects.filter(job=job, application__remote_deleted_at__isnull=True)
        .values("tier", "application__outcome")
        .annotate(n=Count("pk"))
    )
    for item in per_tier:
        row, outcome, n = rows[item["tier"]], item["application__outcome"], item["n"]
        row.count += n
        column = outcome if outcome in Outcome.values else Outcome.ACTIVE
        setattr(row, column, getattr(row, column) + n)
        if outcome in (Outcome.HIRED, Outcome.REJECTED):
            agreement.decided += n
            recommended = item["tier"] in RECOMMENDED_TIERS
            agreement.agreeing += n if recommended == (outcome == Outcome.HIRED) else 0
    votes = (
        ScoreFeedback.objects.filter(application__job=job).values("verdict", "tier").annotate(n=Count("pk"))
    )
    for item in votes:
        row = rows.get(item["tier"])
        if item["verdict"] == Verdict.UP:
            agreement.up += item["n"]
            if row:
                row.up += item["n"]
        else:
            agreement.down += item["n"]
            if row:
                row.down += item["n"]
    agreement.tiers = list(rows.values())
    return agreement


def job_ranking(job: Job, *, limit: int = 200) -> list[Score]:
    """Return the job's scored applications, best first (active ones before archived)."""
    return list(
        Score.objects.filter(job=job, application__remote_deleted_at__isnull=True)
        .select_related(
            "application__candidate", "application__current_stage", "application__rejection_reason"
        )
        .annotate(
            up=Count("application__score_feedback", filter=Q(application__score_feedback__verdict="up"))
        )
        .annotate(
            down=Count("application__score_feedback", filter=Q(application__score_feedback__verdict="down"))
        )
        .order_by("-score", "pk")[:limit]
    )


def job_scoring_counts(job: Job) -> dict[str, int]:
    applications = scorable(Application.objects.filter(job=job))
    return {
        "applications": applications.count(),
        "scored": Score.objects.filter(application__in=applications).count(),
    }
