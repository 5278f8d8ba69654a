"""Fixtures the candidates' action tests share."""

from __future__ import annotations

import pytest

from tests.candidates.factories import ApplicationFactory, RejectionReasonFactory, TagFactory
from tests.integrations.factories import AtsUserFactory
from tests.jobs.factories import JobFactory, JobStageFactory, StageFactory


@pytest.fixture
def setup(cast):
    """An application in "Applied" of a three-stage job, a reason, a tag, and a Lever user to upload as."""
    job = JobFactory(connection=cast.connection, name="Backend Engineer")
    stages = [
        StageFactory(connection=cast.connection, name=name, global_index=index)
        for index, name in enumerate(["Applied", "Phone Screen", "Onsite"])
    ]
    for position, stage in enumerate(stages):
        JobStageFactory(job=job, stage=stage, position=position)
    application = ApplicationFactory(
        connection=cast.connection, job=job, current_stage=stages[0], candidate__name="Ada Lovelace"
    )
    application.tags.add(TagFactory(connection=cast.connection, name="python"))
    reason = RejectionReasonFactory(connection=cast.connection, name="Underqualified")
    cast.connection.writeback_user = AtsUserFactory(connection=cast.connection)
    cast.connection.save()
    return {"job": job, "stages": stages, "application": application, "reason": reason}
