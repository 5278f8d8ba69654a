from __future__ import annotations

import factory
from django.utils import timezone

from apps.candidates.models import (
    Application,
    Attachment,
    Candidate,
    CandidateExport,
    Interview,
    Note,
    Offer,
    RejectionReason,
    Scorecard,
    Source,
    Tag,
)
from tests.integrations.factories import MirroredFactory
from tests.jobs.factories import JobFactory


class TagFactory(MirroredFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")
    remote_id = factory.SelfAttribute("name")


class SourceFactory(MirroredFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    remote_id = factory.SelfAttribute("name")


class RejectionReasonFactory(MirroredFactory):
    class Meta:
        model = RejectionReason

    name = "Underqualified"


class CandidateFactory(MirroredFactory):
    class Meta:
        model = Candidate

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.org")
    emails = factory.LazyAttribute(lambda o: [o.email])
    headline = "Senior Python developer"
    location = "Lisbon"


class ApplicationFactory(MirroredFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory, connection=factory.SelfAttribute("..connection"))
    job = factory.SubFactory(JobFactory, connection=factory.SelfAttribute("..connection"))
    applied_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if kwargs["candidate"].connection_id != kwargs["connection"].pk:
            raise ValueError("Pass connection= along with candidate=: they must belong together.")
        return kwargs


class ApplicationChildFactory(MirroredFactory):
    class Meta:
        abstract = True

    application = factory.SubFactory(ApplicationFactory)
    connection = factory.SelfAttribute("application.connection")


class NoteFactory(ApplicationChildFactory):
    class Meta:
        model = Note

    body = "Strong on distributed systems."


class InterviewFactory(ApplicationChildFactory):
    class Meta:
        model = Interview

    title = "On-site"
    starts_at = factory.LazyFunction(timezone.now)


class OfferFactory(ApplicationChildFactory):
    class Meta:
        model = Offer

    status = "sent"


class AttachmentFactory(ApplicationChildFactory):
    class Meta:
        model = Attachment

    candidate = factory.SelfAttribute("application.candidate")
    name = "resume.pdf"
    kind = "resume"


class ScorecardFactory(ApplicationChildFactory):
    class Meta:
        model = Scorecard

    title = "Technical interview"
    overall_rating = 3


class CandidateExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateExport

    candidate = factory.SubFactory(CandidateFactory)
    workspace = factory.SelfAttribute("candidate.workspace")
    trigger = "manual"
    key = factory.Sequence(lambda n: f"export-{n}")
