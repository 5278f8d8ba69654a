"""Bench datasets: a job with thousands of applications, shared by bench/pipeline.py and bench/web_load.py.

Import after `django.setup()`. `build()` makes everything up (its own workspace, connection, stages,
owners and one job); `fill_job()` adds applications to any job, e.g. a posting synced from the Lever
sandbox, so the web load test can send its write-backs to a sandbox that knows the stages and users.
All rows are bulk-inserted; one seed gives the same data.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import workspace_create
from apps.candidates.models import Application, Candidate, Note, Tag
from apps.integrations.models import AtsUser, Connection, WritebackAction, WritebackKind
from apps.jobs.models import Job, JobStage, Stage
from apps.scoring.models import Score, Tier

STAGE_NAMES = [
    "New applicant",
    "Reached out",
    "Responded",
    "Phone screen",
    "Technical interview",
    "On-site",
    "Reference check",
    "Offer",
    "Background check",
    "Hired",
]
SOURCES = ["LinkedIn", "Referral", "Agency", "Job board", "Careers page", "Meetup"]
TAGS = ["python", "go", "remote", "berlin", "senior", "visa", "returning", "diversity", "ex-faang", "oss"]
REASONS = [
    "Six years of Python on payment systems",
    "Led a Kubernetes migration",
    "PostgreSQL performance work at scale",
    "No Kubernetes experience mentioned",
    "Based in the job's city",
]
NOTE_TEXTS = [
    "Strong systems background; asked good questions about on-call.",
    "Salary expectations above the band, open to discuss equity.",
    "Prefers remote, can travel once a month.",
    "Referred by a former colleague; fast-track the phone screen.",
    "Notice period of three months.",
    "Great take-home, clean tests, a bit light on documentation.",
]
# Named people (bench/web_load.py, bench/page_cpu.py): 650 names at 15 companies, as a real pipeline
# repeats surnames and employers.
FIRST = [
    "Ada",
    "Ben",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farah",
    "Gustavo",
    "Hana",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Andersen",
    "Becker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Vandelay",
    "Massive",
    "Aperture",
    "Oscorp",
]
HEADLINES = [
    "Backend engineer",
    "Senior Python developer",
    "Platform engineer",
    "Site reliability engineer",
    "Data engineer",
]
TIERS = [(80, Tier.TIER_1), (60, Tier.TIER_2), (40, Tier.TIER_3), (0, Tier.NOT_A_MATCH)]


@dataclass(frozen=True)
class Person:
    """What a made-up candidate looks like: bench/pipeline.py numbers them, the web load names them."""

    name: str
    email: str
    company: str
    headline: str = "Backend engineer"


def numbered_person(n: int, rng: random.Random) -> Person:
    return Person(name=f"Candidate {n:05d}", email=f"candidate{n}@bench.local", company=f"Company {n % 300}")


def named_person(n: int, rng: random.Random) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Person(
        name=f"{first} {last}",
        email=f"{first.lower()}.{last.lower()}.{n}@bench.example",
        company=rng.choice(COMPANIES),
        headline=rng.choice(HEADLINES),
    )


def build(
    applications: int,
    stage_count: int,
    seed: int = 7,
    notes: int = 0,
    person: Callable[[int, random.Random], Person] = numbered_person,
) -> tuple[Job, User]:
    """Create a workspace, a recruiter and one job with `applications` applications (bulk inserts).

    `notes`: up to that many notes per application (as bench/web_load.py builds them); none by default.

    Everything is made up (remote ids included): the pages can be measured, nothing can be sent to Lever.
    """
    rng = random.Random(seed)
    owner = User.objects.create_user(email="owner@bench.local", password="x")
    recruiter = User.objects.create_user(email="recruiter@bench.local", password="x")
    workspace = workspace_create(name="Bench", owner=owner)
    Membership.objects.create(workspace=workspace, user=recruiter, role=Role.RECRUITER)
    lever = Connection.objects.create(
        workspace=workspace, name="Bench Lever", api_key="bench", status="active"
    )
    common = {"workspace": workspace, "connection": lever}
    stages = Stage.objects.bulk_create(
        Stage(**common, remote_id=f"stage-{n}", name=STAGE_NAMES[n % len(STAGE_NAMES)], global_index=n)
        for n in range(stage_count)
    )
    job = Job.objects.create(**common, remote_id="job-1", name="Senior Backend Engineer", status="published")
    owners = AtsUser.objects.bulk_create(
        AtsUser(**common, remote_id=f"user-{n}", name=f"Recruiter {n}", email=f"r{n}@bench.local")
        for n in range(12)
    )
    fill_job(
        job, stages=stages, owners=owners, applications=applications, rng=rng, notes=notes, person=person
    )
    return job, recruiter


def fill_job(
    job: Job,
    *,
    stages: Sequence[Stage],
    owners: Sequence[AtsUser],
    applications: int,
    rng: random.Random,
    person: Callable[[int, random.Random], Person] = numbered_person,
    tag_names: Sequence[str] = TAGS,
    open_moves: int = 40,
    notes: int = 0,
    engine_version: str = "bench",
) -> list[Application]:
    """Add `applications` applications (one new candidate each) to `job`, spread over `stages`.

    Early stages are crowded, late ones thin; ~85 % active, 90 % scored (tiers from the score), up
    to three tags each, `open_moves` stage moves still waiting in the outbox and up to `notes` notes
    per application. Stages missing from the job's pipeline are added to it. Scores carry
    `engine_version` and are fresh: pass the engine's own version and nothing is rescored.
    """
    workspace, lever = job.workspace, job.connection
    common = {"workspace": workspace, "connection": lever}
    JobStage.objects.bulk_create(
        (
            JobStage(
                **common, remote_id=f"{job.remote_id}:{stage.remote_id}", job=job, stage=stage, position=n
            )
            for n, stage in enumerate(stages)
        ),
        ignore_conflicts=True,
    )
    known = {tag.name: tag for tag in Tag.objects.filter(connection=lever, name__in=tag_names)}
    created = Tag.objects.bulk_create(
        Tag(**common, remote_id=name, name=name) for name in tag_names if name not in known
    )
    tags = [known.get(name) or next(t for t in created if t.name == name) for name in tag_names]
    people = []
    for n in range(applications):
        remote_id = str(uuid.UUID(int=rng.getrandbits(128)))
        people.append((remote_id, person(n, rng)))
    candidates = Candidate.objects.bulk_create(
        (
            Candidate(
                **common,
                remote_id=remote_id,
                name=who.name,
                email=who.email,
                emails=[who.email] if who.email else [],
                headline=who.headline,
                current_company=who.company,
            )
            for remote_id, who in people
        ),
        batch_size=500,
    )
    now = timezone.now()
    weights = [1 / (n + 1) for n in range(len(stages))]
    apps = Application.objects.bulk_create(
        (
            Application(
                **common,
                remote_id=str(uuid.UUID(int=rng.getrandbits(128))),
                candidate=candidate,
                job=job,
                current_stage=rng.choices(stages, weights)[0],
                stage_entered_at=now - timedelta(days=rng.randint(0, 60)),
                applied_at=now - timedelta(days=rng.randint(0, 120)),
                owner=rng.choice(owners),
                origin=rng.choice(["applied", "sourced", "referred", "agency"]),
                sources=rng.sample(SOURCES, rng.randint(0, 2)),
                outcome=rng.choices(["active", "rejected", "hired"], [85, 13, 2])[0],
            )
            for candidate in candidates
        ),
        batch_size=500,
    )
    scores = []
    for application in apps:
        if rng.random() < 0.1:
            continue  # not scored yet
        value = round(rng.uniform(0, 100), 1)
        explanation = {
            "reasons": [{"text": text, "evidence": "resume"} for text in rng.sample(REASONS, 3)],
            "gaps": ["A long explanation, as the engine writes it. " * 20],
        }
        scores.append(
            Score(
                workspace=workspace,
                application=application,
                job=job,
                candidate_id=application.candidate_id,
                score=value,
                tier=next(tier for floor, tier in TIERS if value >= floor),
                explanation=explanation,
                engine_version=engine_version,
                input_hash="x",
                job_hash="x",
                candidate_hash="x",
                computed_at=now,
                checked_at=now,
                tier_changed_at=now,
            )
        )
    Score.objects.bulk_create(scores, batch_size=500)
    through = Application.tags.through
    through.objects.bulk_create(
        (
            through(application_id=application.pk, tag_id=tag.pk)
            for application in apps
            for tag in rng.sample(tags, rng.randint(0, 3))
        ),
        batch_size=1000,
    )
    WritebackAction.objects.bulk_create(
        WritebackAction(
            workspace=workspace,
            connection=lever,
            application=application,
            kind=WritebackKind.MOVE_STAGE,
            idempotency_key=f"move-{application.pk}",
            payload={"stage_id": "stage-3", "stage_name": "Phone screen"},
        )
        for application in rng.sample(apps, min(open_moves, len(apps)))
    )
    if notes:
        Note.objects.bulk_create(
            (
                Note(
                    **common,
                    remote_id=f"{application.remote_id}:note-{k}#0",
                    thread_remote_id=f"{application.remote_id}:note-{k}",
                    application=application,
                    author=rng.choice(owners),
                    body=rng.choice(NOTE_TEXTS),
                    remote_created_at=now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440)),
                    changed_at=now,
                )
                for application in apps
                for k in range(rng.randint(0, notes))
            ),
            batch_size=1000,
        )
    return apps
