"""Create many imported people at once, with bulk_create, exactly as `sourcing.candidate_add` stores one.

Same rows, same fields: a local Candidate (no connection, no remote id) whose `sourcing` JSON holds
the source, tags, who added them and "via import"; an Application (origin sourced, the source as its
one source, at the chosen stage or else the pipeline's first, which the row checker resolves) only
when the person goes on a job; a background rescore of those applications. What
candidate_add adds on top is the export decision, and this path is used only when there is none to
make: the import said "never", or the person is a lead (no job), who waits for the Export button
either way. Two queries per chunk instead of several per person; callers hold the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from apps.candidates.csv_import.validation import Person
from apps.candidates.models import Application, Candidate, Origin
from apps.candidates.sourcing_triggers import NO_EXPORT_TRIGGERS
from apps.integrations.models import WritebackSource

if TYPE_CHECKING:
    from apps.accounts.models import User, Workspace


def candidate_row(
    workspace: Workspace, person: Person, added_by: User | None, *, export_triggers: bool = True
) -> Candidate:
    return Candidate(
        workspace=workspace,
        name=person.name,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.emails[0] if person.emails else "",
        emails=list(person.emails),
        phones=[{"value": phone} for phone in person.phones],
        links=[*person.links, *([person.linkedin_url] if person.linkedin_url else [])],
        linkedin_url=person.linkedin_url,
        location=person.location,
        headline=" at ".join(x for x in (person.current_title, person.current_company) if x),
        current_title=person.current_title,
        current_company=person.current_company,
        sourcing={
            "source": person.source,
            "tags": list(person.tags),
            "sourced_by": None,
            "added_by": added_by.pk if added_by else None,
            "via": WritebackSource.IMPORT,
            **({} if export_triggers else {NO_EXPORT_TRIGGERS: True}),
        },
    )


def people_create(
    *,
    workspace: Workspace,
    people: Sequence[Person],
    added_by: User | None,
    now: datetime,
    export_triggers: bool = True,
) -> list[int]:
    """Create the people, each on their job and stage if any; return their candidate ids.

    `export_triggers=False` ("never export") marks them so no job trigger exports them later either.
    """
    from apps.candidates.actions import applications_rescore

    candidates = Candidate.objects.bulk_create(
        [candidate_row(workspace, p, added_by, export_triggers=export_triggers) for p in people]
    )
    applications = []
    for person, candidate in zip(people, candidates, strict=True):
        if person.job_id is None:
            continue  # a lead: no application until they go on a job, as with candidate_add
        applications.append(
            Application(
                workspace=workspace,
                candidate=candidate,
                job_id=person.job_id,
                current_stage_id=person.stage_id,
                stage_entered_at=now if person.stage_id else None,
                origin=Origin.SOURCED,
                sources=[person.source] if person.source else [],
                applied_at=now,
            )
        )
    applications_rescore(Application.objects.bulk_create(applications))  # one task per chunk
    return [candidate.pk for candidate in candidates]
