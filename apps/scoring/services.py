"""Compute and store fit scores, rescoring a pair only when its inputs or the engine changed.

A pair (application) is rescored when the engine version, the job's hash (job + scoring profile) or
the candidate's hash (headline, resume, positions, tags, …) differs from what its Score row was
computed from. Candidate features are extracted once per candidate per run and shared by all of
that person's applications; job features once per job. Work goes in chunks with bulk writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Attachment, Candidate
from apps.integrations.models import Connection
from apps.jobs.models import Job
from apps.scoring import conf, engine, inputs
from apps.scoring.engine.backends import backend_from_env
from apps.scoring.engine.types import TierCutoffs
from apps.scoring.models import Score, ScoringProfile, ScoringSettings, Tier
from apps.scoring.signals import scores_changed

logger = logging.getLogger(__name__)

SCORE_FIELDS = (
    "job",
    "candidate",
    "score",
    "tier",
    "explanation",
    "engine_version",
    "input_hash",
    "job_hash",
    "candidate_hash",
    "computed_at",
    "checked_at",
    "tier_changed_at",
)
CANDIDATE_CACHE_LIMIT = 20_000  # runs go in candidate order, so older entries are rarely needed again


@dataclass
class ScoringSummary:
    scored: int = 0  # the engine ran, or the tier moved because the cut-offs did
    unchanged: int = 0
    failed: int = 0
    tier_changes: int = 0
    written_back: int = 0

    def add(self, other: ScoringSummary) -> None:
        for name in ("scored", "unchanged", "failed", "tier_changes", "written_back"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def total(self) -> int:
        return self.scored + self.unchanged + self.failed


@dataclass
class _Prepared:
    """An engine input with its hash; features are computed only if a pair actually needs them."""

    hash: str
    compute: Callable[[], Any]
    _features: Any = field(default=None, repr=False)

    def features(self) -> Any:
        if self._features is None:
            self._features = self.compute()
        return self._features


class _ScoringRun:
    def __init__(self, *, force: bool, cutoffs: TierCutoffs) -> None:
        self.force = force
        self.cutoffs = cutoffs
        # The local engine unless an OpenAI-compatible judge is configured (which falls back to it).
        self.backend = backend_from_env()
        self.jobs: dict[int, _Prepared] = {}
        self.candidates: dict[int, _Prepared] = {}
        self.own_tags: dict[int, list[str]] = {}

    def score_chunk(self, pks: list[int]) -> tuple[ScoringSummary, list[Score]]:
        summary = ScoringSummary()
        now = timezone.now()
        applications = inputs.applications_for_scoring(pks)
        self._prepare(applications)
        existing = {score.application_id: score for score in Score.objects.filter(application_id__in=pks)}
        created: list[Score] = []
        updated: list[Score] = []
        unchanged: list[int] = []
        previous_tiers: dict[int, str] = {}
        for application in applications:
            score = existing.get(application.pk)
            previous_tiers[application.pk] = score.tier if score is not None else ""
            try:
                outcome = self._score_one(application, score, now)
            except Exception:  # one bad pair must not stop the run; the next run retries it
                logger.exception("Scoring application %s failed", application.pk)
                summary.failed += 1
                continue
            if outcome is None:
                summary.unchanged += 1
                unchanged.append(score.pk)  # type: ignore[union-attr]
                continue
            summary.scored += 1
            summary.tier_changes += outcome.tier_changed_at == now
            (updated if outcome.pk else created).append(outcome)
        with transaction.atomic():
            # Another pass (a profile edit's rescore, a webhook) may have created the same row meanwhile:
            # its row stands, and both hold the same result for the same inputs.
            Score.objects.bulk_create(created, ignore_conflicts=True)
            Score.objects.bulk_update(updated, SCORE_FIELDS)
            Score.objects.filter(pk__in=unchanged).update(checked_at=now)
            # In the same transaction: automation's events exist exactly when the scores do.
            scores_changed.send(
                sender=Score,
                scores=[(s, previous_tiers.get(s.application_id, "")) for s in created + updated],
            )
        if created:  # ignore_conflicts leaves primary keys unset; write-back needs the saved rows
            created = list(Score.objects.filter(application_id__in=[s.application_id for s in created]))
        return summary, created + updated

    def _prepare(self, applications: list[Application]) -> None:
        jobs = {a.job_id: a.job for a in applications if a.job_id not in self.jobs}
        profiles = {p.job_id: p for p in ScoringProfile.objects.filter(job_id__in=list(jobs))}
        for job_id, job in jobs.items():
            self.jobs[job_id] = _prepare_job(job, profiles.get(job_id))
        candidates = {
            a.candidate_id: a.candidate for a in applications if a.candidate_id not in self.candidates
        }
        if not candidates:
            return
        if len(self.candidates) > CANDIDATE_CACHE_LIMIT:
            self.candidates.clear()
        resumes = inputs.latest_resumes(candidates)
        tags: dict[int, set[str]] = {}
        for workspace_id in {c.workspace_id for c in candidates.values()}:
            if workspace_id not in self.own_tags:
                self.own_tags[workspace_id] = list(scoring_settings_for(workspace_id).tier_tags.values())
            of_workspace = [pk for pk, c in candidates.items() if c.workspace_id == workspace_id]
            tags.update(inputs.candidate_tags(of_workspace, self.own_tags[workspace_id]))
        for candidate_id, candidate in candidates.items():
            self.candidates[candidate_id] = _prepare_candidate(
                candidate, resumes.get(candidate_id), tags.get(candidate_id, set())
            )

    def _score_one(self, application: Application, score: Score | None, now: datetime) -> Score | None:
        """Return the new or changed Score, or None when nothing changed."""
        job = self.jobs[application.job_id]
        candidate = self.candidates[application.candidate_id]
        same_inputs = (
            score is not None
            and score.engine_version == engine.ENGINE_VERSION
            and score.job_hash == job.hash
            and score.candidate_hash == candidate.hash
            and score.job_id == application.job_id
        )
        if same_inputs and not self.force:
            assert score is not None
            tier = self.cutoffs.tier_for(score.score)
            if tier == score.tier:
                return None
            # The cut-offs moved: the engine's answer stands, only the tier changes.
            score.tier, score.tier_changed_at, score.checked_at = tier, now, now
            score.explanation = {**score.explanation, "tier": tier, "tier_label": Tier(tier).label}
            return score
        result = self.backend.score(job.features(), candidate.features(), cutoffs=self.cutoffs)
        if score is None:
            score = Score(workspace_id=application.workspace_id, application=application, tier_changed_at=now)
        elif score.tier != result.tier:
            score.tier_changed_at = now
        score.job_id, score.candidate_id = application.job_id, application.candidate_id
        score.score, score.tier, score.explanation = result.score, result.tier, result.explanation
        score.engine_version, score.input_hash = result.engine_version, result.input_hash
        score.job_hash, score.candidate_hash = job.hash, candidate.hash
        score.computed_at = score.checked_at = now
        return score


def _prepare_job(job: Job, profile: ScoringProfile | None) -> _Prepared:
    job_value, profile_value = inputs.job_input(job), inputs.profile_input(profile)
    return _Prepared(
        hash=inputs.fingerprint(job_value, profile_value),
        compute=lambda: engine.prepare_job(job_value, profile_value),
    )


def _prepare_candidate(candidate: Candidate, resume: Attachment | None, tags: set[str]) -> _Prepared:
    value, reference = inputs.candidate_input(candidate, resume=resume, tags=tags)
    return _Prepared(
        hash=inputs.fingerprint(value, reference),
        compute=lambda: engine.extract_candidate(value, reference_date=reference),
    )


# -- entry points ---------------------------------------------------------------------------------------


def _chunks(pks: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def scorable(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Alive applications to an alive job (leads and deleted rows are not scored)."""
    return applications.alive().filter(job__isnull=False, job__remote_deleted_at__isnull=True)


def score_applications(
    applications: QuerySet[Application],
    *,
    force: bool = False,
    progress: Any = None,
    write_back: bool = True,
) -> ScoringSummary:
    """Score these applications where their inputs changed (all of them with `force`)."""
    from apps.candidates.sourcing import export_triggers_after_scoring
    from apps.scoring.writeback import scores_write_back

    pks = list(scorable(applications).order_by("candidate_id", "pk").values_list("pk", flat=True))
    run = _ScoringRun(force=force, cutoffs=conf.tier_cutoffs())
    summary = ScoringSummary()
    if progress is not None:
        progress.phase("scoring", total=len(pks))
    for chunk in _chunks(pks, conf.chunk_size()):
        chunk_summary, changed = run.score_chunk(chunk)
        export_triggers_after_scoring(changed)  # "export when the fit score reaches tier X"
        if write_back:
            chunk_summary.written_back = scores_write_back(changed)
        summary.add(chunk_summary)
        if progress is not None:
            progress.advance(len(chunk))
    if progress is not None:
        progress.close()
    return summary


def score_job(job: Job, *, force: bool = False, progress: Any = None) -> ScoringSummary:
    """Score a job's pipeline (after a job or scoring profile edit, or on demand)."""
    return score_applications(Application.objects.filter(job=job), force=force, progress=progress)


def score_workspace(workspace: Workspace, *, force: bool = False, progress: Any = None) -> ScoringSummary:
    return score_applications(Application.objects.for_workspace(workspace), force=force, progress=progress)


def applications_needing_check(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Return the applications with no score, or whose job, candidate, resume or profile changed since
    their score was last checked, or that were scored by another engine version."""
    checked = F("score__checked_at")
    newer_resume = Attachment.objects.filter(candidate_id=OuterRef("candidate_id")).filter(
        Q(changed_at__gt=OuterRef("score__checked_at"))
        | Q(text_extracted_at__gt=OuterRef("score__checked_at"))
    )
    return scorable(applications).filter(
        Q(score__isnull=True)
        | ~Q(score__engine_version=engine.ENGINE_VERSION)
        | ~Q(score__job_id=F("job_id"))
        | Q(changed_at__gt=checked)
        | Q(candidate__changed_at__gt=checked)
        | Q(job__changed_at__gt=checked)
        | Q(job__scoring_profile__updated_at__gt=checked)
        | Exists(newer_resume)
    )


def score_changed(
    target: Connection | Workspace, since: datetime | None = None, *, progress: Any = None
) -> ScoringSummary:
    """Score what changed in a connection's or workspace's mirror (after a sync or a webhook).

    Without `since`, every application is compared with its score's check time, so a missed
    trigger is caught up by the next one. Scores of applications that lost their job are removed.
    """
    if isinstance(target, Connection):
        applications = Application.objects.for_connection(target)
    else:
        applications = Application.objects.for_workspace(target)
    Score.objects.filter(application__in=applications).filter(
        Q(application__job__isnull=True) | Q(application__remote_deleted_at__isnull=False)
    ).delete()
    stale = applications_needing_check(applications)
    if since is not None:
        stale = stale.filter(
            Q(score__isnull=True)
            | Q(changed_at__gte=since)
            | Q(candidate__changed_at__gte=since)
            | Q(job__changed_at__gte=since)
            | Q(candidate__attachments__text_extracted_at__gte=since)
            | Q(candidate__attachments__changed_at__gte=since)
        )
    return score_applications(Application.objects.filter(pk__in=stale.values("pk")), progress=progress)


def outdated_applications(workspace_ids: Iterable[int] | None = None) -> QuerySet[Application]:
    """Applications scored by another engine version (rescored in background chunks after an upgrade)."""
    applications = Application.objects.filter(score__isnull=False).exclude(
        score__engine_version=engine.ENGINE_VERSION
    )
    if workspace_ids is not None:
        applications = applications.filter(workspace_id__in=list(workspace_ids))
    return scorable(applications)


def score_outdated_chunk() -> tuple[ScoringSummary, bool]:
    """Rescore one chunk of outdated scores; return the summary and whether more remain."""
    size = conf.chunk_size()
    pks = list(
        outdated_applications().order_by("candidate_id", "pk").values_list("pk", flat=True)[: size + 1]
    )
    summary = score_applications(Application.objects.filter(pk__in=pks[:size]))
    return summary, len(pks) > size


# -- settings and profiles -----------------------------------------------------------------------------------


def scoring_settings_for(workspace: Workspace | int) -> ScoringSettings:
    """Return the workspace's scoring settings (unsaved defaults when none were ever saved)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    found = ScoringSettings.objects.filter(workspace_id=workspace_id).first()
    return found or ScoringSettings(workspace_id=workspace_id)
