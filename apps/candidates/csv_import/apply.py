"""The narrow adapter between a checked row and `sourcing.candidate_add`, the one way to add a person.

Used for the rows whose export is up to their job's trigger; every other row takes the bulk path
(bulk.py), which stores the same thing without a query per person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.candidates.csv_import.validation import Person
from apps.candidates.sourcing import NewCandidate, candidate_add
from apps.integrations.models import WritebackSource

if TYPE_CHECKING:
    from apps.accounts.models import User, Workspace
    from apps.jobs.models import Job, Stage


def new_candidate(person: Person) -> NewCandidate:
    """Return the NewCandidate a row describes."""
    separate = person.city or person.state or person.country
    return NewCandidate(
        first_name=person.first_name,
        last_name=person.last_name,
        name=person.name,
        emails=person.emails,
        phones=person.phones,
        linkedin_url=person.linkedin_url,
        links=person.links,
        # NewCandidate has no free-text location (it joins city, state and country): a lone
        # "Location" column goes in as the city, which gives the same stored location.
        city=person.city if separate else person.location,
        state=person.state,
        country=person.country,
        current_title=person.current_title,
        current_company=person.current_company,
        source=person.source,
        tags=person.tags,
    )


def person_add(
    *,
    workspace: Workspace,
    person: Person,
    requested_by: User | None,
    job: Job | None,
    stage: Stage | None,
    export: bool | None,
) -> int:
    """Add one person through candidate_add and return the candidate's id; raises ValidationError."""
    result = candidate_add(
        workspace=workspace,
        new=new_candidate(person),
        requested_by=requested_by,
        job=job,
        stage=stage,
        source=WritebackSource.IMPORT,
        export=export,
    )
    return result.candidate.pk
