from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from apps.candidates.models import Application, Candidate
from apps.candidates.selectors import profile_applications
from apps.candidates.timeline import Batch, Cursor, Group, TimelineEntry, candidate_timeline, merge
from apps.integrations.models import RecordChange, WritebackAction
from tests.candidates.factories import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    OfferFactory,
    RejectionReasonFactory,
    ScorecardFactory,
)
from tests.conftest import client_for
from tests.integrations.factories import AtsUserFactory, RecordChangeFactory, WritebackActionFactory
from tests.jobs.factories import StageFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def at(hours):
    return T0 + timedelta(hours=hours)


def change(application_or_candidate, hours, fields, kind="updated", source="delta"):
    model = type(application_or_candidate)
    row = RecordChangeFactory(
        connection=application_or_candidate.connection,
        content_type=ContentType.objects.get_for_model(model),
        object_id=application_or_candidate.pk,
        fields=fields,
        kind=kind,
        source=source,
    )
    RecordChange.objects.filter(pk=row.pk).update(created_at=at(hours))
    return row


def writeback(application, hours, **kwargs):
    action = WritebackActionFactory(
        connection=application.connection, application=application, candidate=application.candidate, **kwargs
    )
    WritebackAction.objects.filter(pk=action.pk).update(created_at=at(hours))
    return action


def timeline_of(candidate, **kwargs):
    candidate = Candidate.objects.get(pk=candidate.pk)
    return candidate_timeline(candidate=candidate, applications=profile_applications(candidate), **kwargs)


@pytest.fixture
def person(cast):
    candidate = CandidateFactory(connection=cast.connection, name="Ada Lovelace")
    application = ApplicationFactory(
        connection=cast.connection, candidate=candidate, job__name="Backend Engineer", applied_at=at(0)
    )
    return candidate, application


def test_entries_of_every_kind_are_merged_newest_first(cast, person):
    candidate, application = person
    screen, onsite = (
        StageFactory(connection=cast.connection, name="Phone screen"),
        StageFactory(connection=cast.connection, name="On-site"),
    )
    reason = RejectionReasonFactory(connection=cast.connection, name="Timing")
    author = AtsUserFactory(connection=cast.connection, name="Rita Recruiter")
    NoteFactory(
        application=application, body="Great call", remote_created_at=at(1), author=author, secret=True
    )
    change(application, 2, {"current_stage_id": [screen.pk, onsite.pk], "remote_updated_at": ["a", "b"]})
    InterviewFactory(application=application, title="On-site loop", starts_at=at(3))
    ScorecardFactory(application=application, title="System design", overall_rating=4, completed_at=at(4))
    OfferFactory(application=application, status="sent", sent_at=at(5))
    change(
        application,
        6,
        {
            "archived_at": [None, "2025-03-01T15:00:00"],
            "outcome": ["active", "rejected"],
            "rejection_reason_id": [None, reason.pk],
        },
    )
    change(application, 7, {"archived_at": ["2025-03-01T15:00:00", None], "outcome": ["rejected", "active"]})
    change(candidate, 8, {"email": "changed", "phones": "changed"}, source="webhook")
    writeback(application, 9, payload={"tag": "Tier 1"})

    page = timeline_of(candidate)
    assert [(e.kind, e.title) for e in page.entries] == [
        ("writeback", "Add tag “Tier 1”"),
        ("change", "Updated in Lever: email, phones"),
        ("unarchived", "Unarchived"),
        ("archived", "Archived"),
        ("offer", "Offer sent"),
        ("feedback", "System design"),
        ("interview", "On-site loop"),
        ("stage", "Moved to On-site"),
        ("note", ""),
        ("applied", "Applied to Backend Engineer"),
    ]
    by_kind = {e.kind: e for e in page.entries}
    assert by_kind["stage"].details == ("from Phone screen",)
    assert by_kind["archived"].details == ("Timing",)
    assert (
        by_kind["note"].author == "Rita Recruiter"
        and by_kind["note"].secret
        and by_kind["note"].text == "Great call"
    )
    assert by_kind["feedback"].status == "Strong yes (4/4)"
    assert by_kind["change"].status == "Webhook" and by_kind["change"].application is None
    assert all(e.job == application.job for e in page.entries if e.kind != "change")
    assert page.older is None


def test_a_hire_reads_hired_and_an_outcome_change_alone_is_shown():
    entries = _entries_for({"archived_at": [None, "x"], "outcome": ["active", "hired"]})
    assert [(e.kind, e.title) for e in entries] == [("archived", "Hired")]
    entries = _entries_for({"outcome": ["active", "rejected"]})
    assert [(e.kind, e.title, e.details) for e in entries] == [
        ("outcome", "Outcome: Rejected", ("was Active",))
    ]


def test_bookkeeping_only_and_created_changes_show_nothing(cast, person):
    candidate, application = person
    change(application, 1, {"remote_updated_at": ["a", "b"], "last_interaction_at": ["a", "b"]})
    change(application, 2, {}, kind="created")
    change(candidate, 3, {"remote_deleted_at": [None, "x"]}, kind="deleted")
    kinds = [(e.kind, e.title) for e in timeline_of(candidate).entries]
    assert kinds == [("change", "Deleted in Lever"), ("applied", "Applied to Backend Engineer")]


def _entries_for(fields):
    from apps.candidates.timeline import change_entries

    application = Application(pk=1, outcome="active")
    row = RecordChange(pk=1, kind="updated", source="delta", fields=fields, created_at=T0)
    return change_entries(row, application=application, model=Application, stages={}, reasons={})


def test_records_deleted_in_lever_and_other_people_stay_out(cast, person):
    candidate, application = person
    NoteFactory(application=application, body="Removed", remote_deleted_at=at(1), remote_created_at=at(1))
    other = ApplicationFactory(connection=cast.connection)
    NoteFactory(application=other, body="Someone else", remote_created_at=at(2))
    writeback(other, 3)
    texts = [e.text for e in timeline_of(candidate).entries]
    assert "Removed" not in texts and "Someone else" not in texts
    assert [e.kind for e in timeline_of(candidate).entries] == ["applied"]


def test_open_write_backs_poll_their_status_chip_on_the_profile(cast, person):
    candidate, application = person
    action = writeback(application, 1, status="pending")
    page = client_for(cast.viewer).get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    assert f'hx-get="{reverse("integrations:writeback-status", args=[action.pk])}"' in page


def many_entries(cast, person, each=12):
    """Add `each` rows of every source to each of the person's two applications (the second is made once)."""
    candidate, application = person
    applications = list(Application.objects.filter(candidate=candidate))
    if len(applications) < 2:
        applications.append(
            ApplicationFactory(connection=cast.connection, candidate=candidate, applied_at=at(0))
        )
    stages = [StageFactory(connection=cast.connection) for _ in range(3)]
    for i in range(each):
        for target in applications:
            NoteFactory(
                application=target, remote_created_at=at(i), author=AtsUserFactory(connection=cast.connection)
            )
            InterviewFactory(application=target, starts_at=at(i))
            OfferFactory(application=target, sent_at=at(i))
            ScorecardFactory(
                application=target, completed_at=at(i), author=AtsUserFactory(connection=cast.connection)
            )
            writeback(target, i, requested_by=cast.recruiter)
            change(target, i, {"current_stage_id": [stages[i % 3].pk, stages[(i + 1) % 3].pk]})
        change(candidate, i, {"headline": "changed"})
    return candidate


def test_the_timeline_costs_one_query_per_source_however_many_entries(
    cast, person, django_assert_max_num_queries
):
    candidate = many_entries(cast, person)
    candidate = Candidate.objects.get(pk=candidate.pk)
    applications = profile_applications(candidate)
    # notes, interviews, offers, feedback, write-backs, changes, stage names (+ content types if uncached)
    with django_assert_max_num_queries(9):
        page = candidate_timeline(candidate=candidate, applications=applications, limit=30)
    assert len(page.entries) >= 30 and page.older is not None


def test_the_profile_page_stays_within_a_fixed_number_of_queries(cast, person, django_assert_max_num_queries):
    candidate = many_entries(cast, person, each=4)
    client = client_for(cast.viewer)
    client.get(reverse("candidates:detail", args=[candidate.pk]))  # warm caches (content types, session)
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("candidates:detail", args=[candidate.pk]))
    many_entries(cast, person, each=10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("candidates:detail", args=[candidate.pk]))
    assert response.status_code == 200


def test_pages_follow_each_other_without_gaps_or_repeats_even_at_one_instant(cast, person):
    candidate, application = person
    for _ in range(5):  # one sync batch: the same created_at for several rows
        change(application, 5, {"owner_id": [1, 2]})
    for i in range(7):
        NoteFactory(application=application, remote_created_at=at(5))
        NoteFactory(application=application, remote_created_at=at(i))
    everything = [e.key for e in timeline_of(candidate, limit=100).entries]
    seen, cursor = [], None
    for _ in range(20):
        page = timeline_of(candidate, limit=3, cursor=cursor)
        seen += [e.key for e in page.entries]
        cursor = page.older
        if cursor is None:
            break
    assert seen == everything and len(set(seen)) == len(seen) == 5 + 14 + 1


def test_merge_never_shows_what_a_truncated_source_may_still_hold():
    def group(hour, rank, pk, kind="note"):
        return Group(at(hour), rank, pk, [TimelineEntry(kind, at(hour), kind)])

    full = Batch([group(9, 2, 1), group(1, 2, 2)])
    truncated = Batch([group(8, 6, 1, "change"), group(5, 6, 2, "change")], truncated=True)
    page = merge([full, truncated], limit=10)
    assert [e.at for e in page.entries] == [at(9), at(8), at(5)]  # not at(1): the changes may hold at(3)
    assert page.older == Cursor(at(5), 6, 2)


def test_merge_skips_rows_without_entries_when_counting():
    empty = Group(at(3), 6, 1, [])
    page = merge([Batch([Group(at(4), 2, 1, [TimelineEntry("note", at(4), "n")]), empty])], limit=1)
    assert len(page.entries) == 1 and page.older == Cursor(at(4), 2, 1)


def test_cursor_round_trips_and_rejects_junk():
    cursor = Cursor(datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC), 6, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    for junk in (None, "", "abc", "1.2", "1.2.3.4", "9" * 40 + ".1.1", "x.1.1"):
        assert Cursor.decode(junk) is None


def test_show_older_has_a_real_link_and_an_htmx_fragment(cast, person):
    candidate, application = person
    for i in range(40):
        NoteFactory(application=application, body=f"Note number {i}", remote_created_at=at(i + 1))
    client = client_for(cast.viewer)
    url = reverse("candidates:detail", args=[candidate.pk])
    first = client.get(url).content.decode()
    assert "Note number 39" in first and "Note number 0<" not in first and "Show older" in first
    older = timeline_of(candidate).older_token
    assert f'href="{url}?before={older}#timeline"' in first and f'hx-get="{url}?before={older}"' in first

    fragment = client.get(url, {"before": older}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith("<li")
    assert "Note number 9<" in body and "Note number 10<" not in body and "autofocus" in body
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]

    full = client.get(url, {"before": older}).content.decode()  # without JS: the whole page, older entries
    assert "<html" in full and "Note number 9<" in full and "Back to the newest entries" in full
    assert reverse("candidates:changes", args=[candidate.pk]) not in full  # an older page does not poll


def test_the_changes_endpoint_answers_204_until_something_changes(cast, person):
    candidate, application = person
    client = client_for(cast.viewer)
    url = reverse("candidates:changes", args=[candidate.pk])
    first = client.get(url)
    assert first.status_code == 200 and 'id="timeline"' in first.content.decode()
    since = first.context["version"]
    assert client.get(url, {"since": since}).status_code == 204

    NoteFactory(application=application, body="Fresh from Lever", remote_created_at=at(50))
    fresh = client.get(url, {"since": since}, HTTP_HX_REQUEST="true")
    body = fresh.content.decode()
    assert fresh.status_code == 200 and "Fresh from Lever" in body and "<html" not in body
    assert fresh.context["version"] != since
    assert f"since={fresh.context['version']}" in body
    assert client.get(url, {"since": fresh.context["version"]}).status_code == 204


def soon():
    return timezone.now() + timedelta(seconds=5)


@pytest.mark.parametrize(
    "make",
    [
        lambda app: WritebackAction.objects.filter(pk=writeback(app, 0).pk).update(created_at=soon()),
        lambda app: RecordChange.objects.filter(pk=change(app, 0, {"owner_id": [1, 2]}).pk).update(
            created_at=soon()
        ),
        lambda app: Application.objects.filter(pk=app.pk).update(changed_at=soon()),
        lambda app: NoteFactory(application=app),
        lambda app: InterviewFactory(application=app),
        lambda app: ScorecardFactory(application=app),
        lambda app: OfferFactory(application=app),
    ],
)
def test_every_source_moves_the_changes_marker(cast, person, make):
    from apps.candidates.selectors import candidate_version

    candidate, application = person
    for _ in range(3):  # other rows' changes first, so no primary key lines up with the person's by chance
        RecordChangeFactory(connection=cast.connection)
    before = candidate_version(candidate)
    make(application)
    assert candidate_version(candidate) != before


def test_the_changes_marker_is_one_query(cast, person, django_assert_num_queries):
    from apps.candidates.selectors import candidate_version

    candidate, _ = person
    candidate_version(candidate)  # content types cached
    with django_assert_num_queries(1):
        candidate_version(candidate)


def test_changes_of_another_workspace_are_a_404(cast, person):
    candidate, _ = person
    assert (
        client_for(cast.outsider).get(reverse("candidates:changes", args=[candidate.pk])).status_code == 404
    )
