"""Read what rows are checked against, once per validation: people, jobs and stages of a workspace.

50,000 rows must not cost 50,000 queries: emails and LinkedIn profiles of everyone alive in the
workspace (mirrored from Lever or added here) are read as narrow rows into dictionaries.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from apps.candidates.csv_import.validation import AMBIGUOUS, Lookups
from apps.candidates.identity import normalize_linkedin_url
from apps.candidates.models import Candidate
from apps.jobs.models import Job, JobStage, Stage

if TYPE_CHECKING:
    from apps.accounts.models import Workspace


def workspace_lookups(workspace: Workspace, *, exclude_candidates: Collection[int] = ()) -> Lookups:
    """Return the workspace's people, jobs and stages keyed the way rows name them.

    `exclude_candidates` are people a resumed import created itself: its own rows must not become
    duplicates of what it already wrote.
    """
    lookups = Lookups()
    excluded = set(exclude_candidates)
    people = (
        Candidate.objects.for_workspace(workspace)
        .alive()
        .filter(is_anonymized=False)
        .values_list("pk", "name", "email", "emails", "linkedin_url", "links")
        .order_by("pk")
        .iterator(chunk_size=5000)
    )
    for pk, name, email, emails, linkedin_url, links in people:
        if pk in excluded:
            continue
        for value in (email, *(emails if isinstance(emails, list) else [])):
            if isinstance(value, str) and "@" in value:
                lookups.emails.setdefault(value.strip().lower(), (pk, name))
        for value in (linkedin_url, *(links if isinstance(links, list) else [])):
            if isinstance(value, str) and "linkedin" in value.lower():
                profile = normalize_linkedin_url(value)
                if profile:
                    lookups.linkedin.setdefault(profile, (pk, name))
    for pk, name, remote_id, *urls in (
        Job.objects.for_workspace(workspace)
        .alive()
        .values_list("pk", "name", "remote_id", "post_url", "apply_url", "remote_url")
    ):
        _add(lookups.jobs, name.casefold(), pk)
        lookups.job_names[pk] = name
        for key in ((remote_id or "").casefold(), *(u.rstrip("/").casefold() for u in urls if u)):
            if key:
                lookups.jobs[key] = pk
    for pk, name, remote_id in (
        Stage.objects.for_workspace(workspace).alive().values_list("pk", "name", "remote_id")
    ):
        _add(lookups.stages, name.casefold(), pk)
        lookups.stage_names[pk] = name
        if remote_id:
            lookups.stages.setdefault(remote_id.casefold(), pk)
    job_stages = (
        JobStage.objects.for_workspace(workspace)
        .alive()
        .filter(stage__remote_deleted_at__isnull=True)
        .order_by("position", "pk")  # pipeline order, as actions.pipeline_stages reads it
        .values_list("job_id", "stage_id")
    )
    for job_id, stage_id in job_stages:
        lookups.pipelines.setdefault(job_id, set()).add(stage_id)
        lookups.first_stages.setdefault(job_id, stage_id)
    return lookups


def _add(table: dict[str, int], key: str, pk: int) -> None:
    if key:
        table[key] = AMBIGUOUS if table.get(key, pk) != pk else pk
