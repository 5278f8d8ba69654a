"""The actions bench/writeback.py sends, and the duplicate count it reads back from the sandbox.

Every note text, result link, file name and new email is unique to its action, so any repeat found
in the sandbox afterwards is a duplicate the outbox let through.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.candidates import services
from apps.candidates.identity import normalized_emails
from apps.candidates.models import Application, Candidate, ReasonType, RejectionReason
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.writeback.common import is_for
from apps.integrations.lever.writeback.links import result_note_text
from apps.integrations.models import Connection, WritebackAction, WritebackKind, WritebackStatus
from apps.jobs.models import Job, Stage
from apps.jobs.services import job_update_in_lever

# Share of each kind in a batch (sums to 1).
MIX = {
    "add_tag": 0.24,
    "remove_tag": 0.08,
    "add_note": 0.22,
    "move_stage": 0.14,
    "reject": 0.06,
    "unarchive": 0.03,
    "add_result_link": 0.12,
    "create_candidate": 0.04,
    "create_application": 0.02,
    "add_attachment": 0.04,
    "update_job": 0.01,
}


def enqueue_mix(connection: Connection, count: int, *, run: str, seed: int) -> Counter[str]:
    """Enqueue `count` actions in MIX proportions, in a shuffled order, through the public services."""
    rng = random.Random(seed)
    applications = list(
        Application.objects.for_connection(connection)
        .alive()
        .exclude(remote_id=None)
        .select_related("candidate")
    )
    active = [a for a in applications if a.outcome == "active"]
    stages = list(Stage.objects.for_connection(connection).alive())
    reasons = list(
        RejectionReason.objects.for_connection(connection).filter(
            reason_type=ReasonType.NON_HIRED, is_active=True
        )
    )
    jobs = list(Job.objects.for_connection(connection).alive().filter(status="published"))
    candidates = sorted({a.candidate_id for a in applications if not a.candidate.is_anonymized})
    taken: set[tuple[int, int]] = {(a.candidate_id, a.job_id) for a in applications if a.job_id}
    rejected: list[Application] = []
    plan: list[tuple[str, Callable[[int], Any]]] = []

    def new_application(i: int) -> Any:
        for _ in range(50):
            candidate, job = rng.choice(candidates), rng.choice(jobs)
            if (candidate, job.pk) not in taken:
                taken.add((candidate, job.pk))
                return services.application_create_in_lever(
                    candidate=Candidate.objects.get(pk=candidate), job=job, requested_by=None
                )
        return None

    def reject(i: int) -> Any:
        application = rng.choice(active)
        rejected.append(application)
        return services.application_reject(
            application=application, reason=rng.choice(reasons), requested_by=None
        )

    def create(i: int) -> Any:
        resume = (
            SimpleUploadedFile(f"{run}-resume-{i}.txt", f"Resume {run} {i}".encode()) if i % 4 == 0 else None
        )
        return services.candidate_create_in_lever(
            data={"name": f"Bench {run.title()} {i}", "emails": [f"bench-{run}-{i}@people.example"]},
            connection=connection,
            job=rng.choice(jobs) if i % 2 else None,
            resume=resume,
            requested_by=None,
        )

    makers: dict[str, Callable[[int], Any]] = {
        "add_tag": lambda i: services.application_add_tag(
            application=rng.choice(applications), tag=f"bench-{i % 7}", requested_by=None
        ),
        "remove_tag": lambda i: services.application_remove_tag(
            application=rng.choice(applications), tag=f"bench-{i % 7}", requested_by=None
        ),
        "add_note": lambda i: services.application_add_note(
            application=rng.choice(applications), text=f"Bench note {run} #{i}", requested_by=None
        ),
        "move_stage": lambda i: services.application_move_stage(
            application=rng.choice(active), stage=rng.choice(stages), requested_by=None
        ),
        "reject": reject,
        "unarchive": lambda i: services.application_unarchive(
            application=rng.choice(rejected or active), requested_by=None
        ),
        "add_result_link": lambda i: services.result_link_add(
            application=rng.choice(applications) if i % 2 else None,
            candidate=None if i % 2 else rng.choice(applications).candidate,
            label="Bench assessment",
            url=f"https://results.example/{run}/{i}",
            details={"score": i % 100},
            requested_by=None,
        ),
        "create_candidate": create,
        "create_application": new_application,
        "add_attachment": lambda i: services.attachment_add(
            application=rng.choice(applications),
            file=SimpleUploadedFile(f"{run}-file-{i}.txt", f"file {i}".encode(), content_type="text/plain"),
            requested_by=None,
        ),
        "update_job": lambda i: job_update_in_lever(
            job=rng.choice(jobs), changes={"team": f"Team {i % 5}"}, requested_by=None
        ),
    }
    for kind, share in MIX.items():
        plan += [(kind, makers[kind])] * round(count * share)
    rng.shuffle(plan)
    # Rejections go first within the batch so unarchives have something to bring back.
    plan.sort(key=lambda item: item[0] != "reject")
    done: Counter[str] = Counter()
    for i, (kind, make) in enumerate(plan[:count]):
        if make(i) is not None:
            done[kind] += 1
    return done


def duplicates(connection: Connection, client: LeverClient) -> dict[str, Counter[str]]:
    """Count, per kind, objects the sandbox holds more than once (and ones it is missing)."""
    found: dict[str, Counter[str]] = {"duplicates": Counter(), "missing": Counter(), "checked": Counter()}
    cache: dict[tuple[str, str], Any] = {}

    def fetch(what: str, key: str, load: Callable[[], Any]) -> Any:
        if (what, key) not in cache:
            cache[(what, key)] = load()
        return cache[(what, key)]

    def count(kind: str, n: int) -> None:
        found["checked"][kind] += 1
        if n > 1:
            found["duplicates"][kind] += n - 1
        elif n == 0:
            found["missing"][kind] += 1

    actions = WritebackAction.objects.filter(connection=connection, status=WritebackStatus.SUCCEEDED)
    for action in actions.select_related("application", "candidate", "job").iterator():
        payload, opportunity = action.payload, action.application.remote_id if action.application else None
        if action.kind in (WritebackKind.ADD_NOTE, WritebackKind.ADD_RESULT_LINK):
            text = payload["text"] if action.kind == WritebackKind.ADD_NOTE else result_note_text(payload)
            notes = fetch("notes", opportunity, lambda o=opportunity: list(client.iter_notes(o)))
            count("notes by text", sum(c.get("value") == text for n in notes for c in n.get("fields") or []))
        if action.kind == WritebackKind.ADD_RESULT_LINK:
            links = fetch("opportunity", opportunity, lambda o=opportunity: client.get_opportunity(o))[
                "links"
            ]
            count("links", links.count(payload["url"]))
        elif action.kind == WritebackKind.ADD_ATTACHMENT:
            files = fetch("files", opportunity, lambda o=opportunity: list(client.iter_files(o)))
            count("files per name", sum(f.get("name") == payload["file_name"] for f in files))
        elif action.kind == WritebackKind.CREATE_CANDIDATE:
            [email] = normalized_emails(payload["emails"])
            theirs = list(client.iter_opportunities(email=email))
            count("opportunities per email", sum(is_for(o, payload.get("posting_id")) for o in theirs))
        elif action.kind == WritebackKind.CREATE_APPLICATION:
            contact, posting = action.candidate.remote_id, action.job.remote_id
            theirs = list(client.iter_opportunities(contact_id=contact, posting_id=posting))
            count("opportunities per contact and job", len(theirs))
    return found
