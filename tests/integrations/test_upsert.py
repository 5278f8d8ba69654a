from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from apps.candidates.models import Application, Candidate
from apps.integrations.models import ChangeKind, RecordChange
from apps.integrations.records import Record
from apps.integrations.upsert import REDACTED, MirrorWriter
from apps.jobs.models import Job
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def candidate(remote_id="c1", **fields):
    return Record(
        "candidates.Candidate", remote_id, {"name": "Ada Lovelace", "email": "ada@example.org", **fields}
    )


def application(remote_id="o1", *, candidate_id="c1", job=None, tags=(), **fields):
    return Record(
        "candidates.Application",
        remote_id,
        {"outcome": "active", **fields},
        refs={"candidate": candidate_id, "job": job},
        many={"tags": list(tags)},
    )


@pytest.fixture
def writer():
    return MirrorWriter(ConnectionFactory(), source="full", sync_run_id=None)


def test_creates_then_leaves_unchanged_rows_alone(writer):
    writer.write([candidate()])
    row = Candidate.objects.get(remote_id="c1")
    with CaptureQueriesContext(db) as queries:
        writer.write([candidate()])
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]
    assert writes == []
    assert Candidate.objects.get(pk=row.pk).changed_at == row.changed_at
    assert writer.stats["candidates.Candidate"] == {"created": 1, "unchanged": 1}


def test_a_change_is_recorded_old_to_new_with_personal_data_redacted(writer):
    writer.write(
        [candidate(headline="Engineer"), Record("jobs.Job", "p1", {"name": "Backend", "status": "published"})]
    )
    writer.write(
        [
            candidate(headline="Staff engineer", email="ada@new.example"),
            Record("jobs.Job", "p1", {"name": "Backend", "status": "closed"}),
        ]
    )
    change = RecordChange.objects.filter(kind=ChangeKind.UPDATED, content_type__model="candidate").get()
    assert change.fields == {"headline": REDACTED, "email": REDACTED}
    assert change.source == "full"
    job_change = RecordChange.objects.filter(kind=ChangeKind.UPDATED, content_type__model="job").get()
    assert job_change.fields == {"status": ["published", "closed"]}


def test_foreign_keys_resolve_and_a_late_target_is_filled_in(writer):
    writer.write([candidate(), application(job="p1")])  # the posting is not mirrored yet
    app = Application.objects.get(remote_id="o1")
    assert app.candidate.remote_id == "c1" and app.job is None
    writer.write([Record("jobs.Job", "p1", {"name": "Backend", "status": "published"})])
    writer.write([application(job="p1")])  # same mapped content, but the target now exists
    app.refresh_from_db()
    assert app.job.remote_id == "p1"


def test_rows_whose_required_parent_is_missing_are_skipped(writer):
    writer.write([application(candidate_id="nobody")])
    assert not Application.objects.exists()
    assert writer.stats["candidates.Application"]["skipped"] == 1


def test_many_to_many_follows_the_mapping(writer):
    tags = [Record("candidates.Tag", t, {"name": t}) for t in ("python", "senior", "remote")]
    writer.write([*tags, candidate(), application(tags=["python", "senior"])])
    app = Application.objects.get(remote_id="o1")
    assert sorted(app.tags.values_list("name", flat=True)) == ["python", "senior"]
    writer.write([application(tags=["senior", "remote"])])
    assert sorted(app.tags.values_list("name", flat=True)) == ["remote", "senior"]


def test_sweep_marks_unseen_rows_and_a_returning_row_is_revived(writer):
    writer.write([candidate("c1"), candidate("c2")])
    assert writer.sweep("candidates.Candidate", {"c1"}) == [Candidate.objects.get(remote_id="c2").pk]
    gone = Candidate.objects.get(remote_id="c2")
    assert gone.remote_deleted_at is not None
    writer.write([candidate("c2")])  # same content as before it vanished
    gone.refresh_from_db()
    assert gone.remote_deleted_at is None
    kinds = list(RecordChange.objects.filter(object_id=gone.pk).order_by("pk").values_list("kind", flat=True))
    assert kinds == [ChangeKind.CREATED, ChangeKind.DELETED, ChangeKind.REVIVED]


def test_the_same_remote_id_twice_in_a_batch_keeps_the_last(writer):
    writer.write([candidate(headline="first"), candidate(headline="last")])
    assert Candidate.objects.get().headline == "last"


def test_rows_of_another_connection_are_never_touched(writer):
    other = MirrorWriter(ConnectionFactory(), source="full")
    other.write([candidate()])
    writer.write([candidate(name="Someone else")])
    assert sorted(Candidate.objects.values_list("name", flat=True)) == ["Ada Lovelace", "Someone else"]
    assert writer.sweep("candidates.Candidate", set()) == [Candidate.objects.get(name="Someone else").pk]
    assert Candidate.objects.get(name="Ada Lovelace").remote_deleted_at is None
    assert Job.objects.count() == 0
