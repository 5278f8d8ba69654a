from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.scoring.models import Score, ScoreFeedback, ScoringProfile, ScoringSettings
from tests.accounts.factories import UserFactory, WorkspaceFactory
from tests.candidates.factories import ApplicationFactory, AttachmentFactory
from tests.jobs.factories import JobFactory

JOB_DESCRIPTION = """We are hiring a backend engineer to build our payments platform.

Requirements:
- 5+ years of experience with Python
- PostgreSQL
- Kubernetes
"""
STRONG_RESUME = """Senior Backend Engineer

Experience
Senior Backend Engineer, Acme Payments (2017 - present)
Built payment services in Python and Django on PostgreSQL, deployed on Kubernetes.

Skills: Python, PostgreSQL, Kubernetes, Docker
"""
WEAK_RESUME = """Pastry chef

Experience
Pastry chef, Le Bistro (2019 - present)
Baked bread and cakes every morning.
"""


class ScoringSettingsFactory(DjangoModelFactory):
    class Meta:
        model = ScoringSettings

    workspace = factory.SubFactory(WorkspaceFactory)
    writeback_enabled = True


class ScoringProfileFactory(DjangoModelFactory):
    class Meta:
        model = ScoringProfile

    job = factory.SubFactory(JobFactory)
    workspace = factory.SelfAttribute("job.workspace")
    must_haves = ["Python"]


class ScoreFactory(DjangoModelFactory):
    """A stored score as the engine would leave it (the values are not the engine's)."""

    class Meta:
        model = Score

    application = factory.SubFactory(ApplicationFactory)
    workspace = factory.SelfAttribute("application.workspace")
    job = factory.SelfAttribute("application.job")
    candidate = factory.SelfAttribute("application.candidate")
    score = 80.0
    tier = "tier_1"
    engine_version = "test"
    input_hash = factory.Sequence(lambda n: f"{n:064x}")
    job_hash = factory.Sequence(lambda n: f"{n:064x}")
    candidate_hash = factory.Sequence(lambda n: f"{n:064x}")
    computed_at = factory.LazyFunction(timezone.now)
    checked_at = factory.LazyFunction(timezone.now)
    tier_changed_at = factory.LazyFunction(timezone.now)


class ScoreFeedbackFactory(DjangoModelFactory):
    class Meta:
        model = ScoreFeedback

    application = factory.SubFactory(ApplicationFactory)
    workspace = factory.SelfAttribute("application.workspace")
    user = factory.SubFactory(UserFactory)
    verdict = "up"


def job_to_score(connection, **fields):
    fields.setdefault("name", "Backend Engineer")
    fields.setdefault("description", JOB_DESCRIPTION)
    fields.setdefault(
        "requirement_lists",
        [
            {
                "text": "Requirements",
                "items": ["5+ years of experience with Python", "PostgreSQL", "Kubernetes"],
            }
        ],
    )
    return JobFactory(connection=connection, **fields)


def application_with_resume(connection, *, job, text=STRONG_RESUME, **fields):
    application = ApplicationFactory(connection=connection, job=job, **fields)
    AttachmentFactory(application=application, extracted_text=text, kind="resume")
    return application
