from __future__ import annotations

import factory
from django.utils import timezone

from apps.jobs.models import (
    HiringTeamMember,
    HiringTeamRole,
    Job,
    JobExportSettings,
    JobScreeningQuestion,
    JobStage,
    JobStatus,
    Requisition,
    ScreeningQuestion,
    Stage,
)
from tests.integrations.factories import AtsUserFactory, MirroredFactory


class StageFactory(MirroredFactory):
    class Meta:
        model = Stage

    name = factory.Sequence(lambda n: f"Stage {n}")
    global_index = factory.Sequence(int)


class JobFactory(MirroredFactory):
    class Meta:
        model = Job

    name = factory.Sequence(lambda n: f"Backend Engineer {n}")
    status = JobStatus.PUBLISHED
    department = "Engineering"
    team = "Platform"
    location = "Berlin"
    description = "Build the services that power our product."


class RequisitionFactory(MirroredFactory):
    class Meta:
        model = Requisition

    code = factory.Sequence(lambda n: f"ENG-{n}")
    name = "Backend Engineer"
    status = "open"
    headcount_total = 2


class JobStageFactory(MirroredFactory):
    class Meta:
        model = JobStage

    job = factory.SubFactory(JobFactory)
    connection = factory.SelfAttribute("job.connection")
    stage = factory.SubFactory(StageFactory, connection=factory.SelfAttribute("..connection"))
    remote_id = factory.LazyAttribute(lambda o: f"{o.job.remote_id}:{o.stage.remote_id}")


class HiringTeamMemberFactory(MirroredFactory):
    class Meta:
        model = HiringTeamMember

    job = factory.SubFactory(JobFactory)
    connection = factory.SelfAttribute("job.connection")
    user = factory.SubFactory(AtsUserFactory, connection=factory.SelfAttribute("..connection"))
    team_role = HiringTeamRole.HIRING_MANAGER
    remote_id = factory.LazyAttribute(lambda o: f"{o.job.remote_id}:{o.user.remote_id}:{o.team_role}")


class ScreeningQuestionFactory(MirroredFactory):
    class Meta:
        model = ScreeningQuestion

    text = factory.Sequence(lambda n: f"Question {n}?")
    question_type = "text"


class JobScreeningQuestionFactory(MirroredFactory):
    class Meta:
        model = JobScreeningQuestion

    job = factory.SubFactory(JobFactory)
    connection = factory.SelfAttribute("job.connection")
    question = factory.SubFactory(ScreeningQuestionFactory, connection=factory.SelfAttribute("..connection"))
    remote_id = factory.LazyAttribute(lambda o: f"{o.job.remote_id}:{o.question.remote_id}")


class JobExportSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobExportSettings

    job = factory.SubFactory(JobFactory)
    workspace = factory.SelfAttribute("job.workspace")
    trigger = "added_to_pipeline"
    trigger_set_at = factory.LazyFunction(timezone.now)
