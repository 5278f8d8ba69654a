from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from apps.integrations.lever.mapping import (
    map_feedback,
    map_files,
    map_interviews,
    map_notes,
    map_offers,
    map_resumes,
)
from apps.integrations.lever.parsing import unwrap
from tests.integrations.lever.conftest import lever_fixture

OPP = "2087af84-f146-4535-9368-2309e33e049f"
CONTACT = "e2719ee1-21f5-4287-a60a-59bd29deac80"
THREAD = "26b6397a-c2a3-4e90-85e2-5a4f9b8f11c3"


def at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_map_notes_gives_one_row_per_comment():
    records = map_notes(OPP, lever_fixture("mapping_notes"))
    assert [r.remote_id for r in records] == [
        f"{THREAD}#0",
        f"{THREAD}#1",
        f"{THREAD}#2",
        "9f1c2b3a-4d5e-4f60-8a7b-8c9d0e1f2a3b#0",
    ]
    first, reply, late = records[:3]
    assert first.model == "candidates.Note"
    assert first.fields == {
        "thread_remote_id": THREAD,
        "body": "Strong systems background; move to on-site.",
        "secret": True,
        "score": 3,
        "remote_created_at": at(1750421318058),
    }
    # A comment without a user is the thread author's.
    assert first.refs == {
        "application": OPP,
        "author": "2c713392-d0e4-4355-8673-378d6a851cb8",
        "stage": "lead-new",
    }
    assert reply.fields["score"] is None  # out of Lever's 1–4
    assert reply.fields["remote_created_at"] == at(1750424918058)
    assert reply.refs["author"] == "e0a9f3e3-bd9b-4eb1-8d2c-0d9a572bf641"
    assert reply.refs["stage"] == "fe763d80-e612-4787-98bc-686679c6ac9b"
    assert late.fields["remote_created_at"] == at(1750421318058)  # falls back to the thread's
    assert late.refs["stage"] is None
    assert [r.deleted for r in records] == [False, False, False, True]
    assert records[3].refs["author"] is None and records[3].fields["secret"] is False


def test_map_notes_hash_ignores_the_thread_completion_time():
    notes = unwrap(lever_fixture("mapping_notes"))
    baseline = [r.content_hash() for r in map_notes(OPP, notes)]
    touched = copy.deepcopy(notes)
    touched[0]["completedAt"] = 1760000000000
    assert [r.content_hash() for r in map_notes(OPP, touched)] == baseline
    touched[0]["fields"][1]["value"] = "Disagree."
    changed = [r.content_hash() for r in map_notes(OPP, touched)]
    assert changed[1] != baseline[1] and changed[0] == baseline[0]


def test_map_interviews_reads_times_links_and_interviewers():
    records = map_interviews(OPP, lever_fixture("mapping_interviews"))
    onsite, video, unscheduled = records
    assert onsite.model == "candidates.Interview"
    assert onsite.remote_id == "6ff55c8e-0000-4000-8000-000000000001"
    assert onsite.fields == {
        "panel_remote_id": "fdb313e8-0000-4000-8000-000000000001",
        "title": "On-site - Office Manager",
        "starts_at": at(1423188000000),
        "ends_at": at(1423188000000 + 30 * 60_000),
        "timezone": "America/Los_Angeles",
        "location": "Call",
        "video_link": "",
        "canceled_at": None,
        "remote_created_at": at(1423187000000),
    }
    assert onsite.refs == {"application": OPP, "stage": "f7090000-0000-4000-8000-000000000001"}
    assert onsite.many == {
        "interviewers": ["412f0c3e-5b8a-4d55-9d0e-1c3a7f5e2b10", "b9635f88-5770-473b-a21f-666e0b327d27"]
    }
    assert video.fields["video_link"] == "https://zoom.us/j/123456789"
    assert video.fields["location"] == "https://zoom.us/j/123456789"
    assert video.fields["ends_at"] == at(1423188000000 + 45 * 60_000)
    assert video.fields["canceled_at"] == at(1423187500000)
    assert video.many == {"interviewers": ["412f0c3e-5b8a-4d55-9d0e-1c3a7f5e2b10"]}
    assert unscheduled.fields["starts_at"] is unscheduled.fields["ends_at"] is None
    assert unscheduled.fields["panel_remote_id"] == unscheduled.fields["location"] == ""
    assert unscheduled.many == {"interviewers": []}


def test_map_interviews_flattens_panels():
    (record,) = map_interviews(OPP, lever_fixture("mapping_panels"))
    assert record.remote_id == "6ff55c8e-0000-4000-8000-000000000010"
    assert record.fields["panel_remote_id"] == "a4020000-0000-4000-8000-000000000001"
    assert record.fields["timezone"] == "America/Los_Angeles"
    assert record.refs["stage"] == "b4b30000-0000-4000-8000-000000000001"


def test_map_offers_reads_the_standard_fields():
    signed, draft = map_offers(OPP, lever_fixture("mapping_offers"))
    assert signed.model == "candidates.Offer"
    assert signed.fields == {
        "status": "signed",
        "fields": unwrap(lever_fixture("mapping_offers"))[0]["fields"],
        "job_title": "Backend Engineer",
        "salary_amount": Decimal("140000.00"),
        "salary_currency": "USD",
        "salary_interval": "per-year-salary",
        "start_date": date(2016, 10, 4),
        "sent_at": at(1582910091572),  # sentAt null: when the sent document was uploaded
        "approved_at": at(1475540200000),
        "remote_created_at": at(1475540115263),
    }
    assert signed.refs == {"application": OPP, "creator": "315b0000-0000-4000-8000-000000000001"}
    assert draft.fields["salary_amount"] == Decimal("95000.51")
    assert draft.fields["start_date"] == date(2016, 11, 1)
    assert draft.fields["job_title"] == draft.fields["salary_currency"] == ""
    assert draft.fields["sent_at"] is draft.fields["approved_at"] is None
    assert draft.refs["creator"] == "315b0000-0000-4000-8000-000000000001"


def test_map_resumes_reads_file_metadata_and_parsed_data():
    processed, failed = map_resumes(OPP, CONTACT, lever_fixture("mapping_resumes"))
    resume = unwrap(lever_fixture("mapping_resumes"))[0]
    assert processed.model == "candidates.Attachment"
    assert processed.fields == {
        "kind": "resume",
        "name": "Jennifer.pdf",
        "extension": "pdf",
        "content_type": "application/pdf",
        "size": 1000,
        "uploaded_at": at(1468953420004),
        "processing_status": "processed",
        "parsed_positions": resume["parsedData"]["positions"],
        "parsed_schools": resume["parsedData"]["schools"],
        "remote_created_at": at(1468953420000),
    }
    assert "extracted_text" not in processed.fields
    assert processed.refs == {"application": OPP, "candidate": CONTACT}
    assert failed.fields["extension"] == "docx"  # no ext: taken from the name
    assert failed.fields["content_type"].endswith("wordprocessingml.document")
    assert failed.fields["size"] == 2048
    assert failed.fields["uploaded_at"] == at(1468953000000)
    assert failed.fields["parsed_positions"] == failed.fields["parsed_schools"] == []


def test_map_files_reads_dotted_extensions_and_string_sizes():
    portfolio, certificate, weird = map_files(OPP, CONTACT, lever_fixture("mapping_files"))
    assert portfolio.fields == {
        "kind": "file",
        "name": "Portfolio.pdf",
        "extension": "pdf",
        "content_type": "application/pdf",
        "size": 1000,
        "uploaded_at": at(1468953420000),
        "processing_status": "processed",
        "parsed_positions": [],
        "parsed_schools": [],
        "remote_created_at": at(1468953420000),
    }
    assert (certificate.fields["extension"], certificate.fields["content_type"]) == ("png", "image/png")
    assert (weird.fields["extension"], weird.fields["content_type"], weird.fields["size"]) == (
        "weird",
        "",
        None,
    )
    assert weird.fields["uploaded_at"] is None and weird.fields["processing_status"] == ""


def test_map_feedback_reads_rating_label_and_answers():
    interview, assignment, share = map_feedback(OPP, lever_fixture("mapping_feedback"))
    assert interview.model == "candidates.Scorecard"
    assert interview.fields == {
        "kind": "interview",
        "title": "On-site interview",
        "template_remote_id": "a1280000-0000-4000-8000-000000000001",
        "overall_rating": 3,
        "rating_label": "Hire",
        "answers": [
            {"text": "Rating", "type": "score-system", "value": "3 - Hire"},
            {"text": "Notes", "type": "textarea", "value": "Strong systems design."},
            {"text": "Areas", "type": "multiple-select", "value": ["Go", "SQL"]},
        ],
        "completed_at": at(1423231549510),
        "remote_created_at": at(1423231493557),
        "remote_updated_at": at(1423231493557),
    }
    assert interview.refs == {
        "application": OPP,
        "interview": "85110000-0000-4000-8000-000000000001",
        "author": "a0af0000-0000-4000-8000-000000000001",
    }
    assert interview.deleted is False
    assert assignment.fields["kind"] == "assignment"  # Lever's "assigment"
    assert (assignment.fields["overall_rating"], assignment.fields["rating_label"]) == (2, "No Hire")
    assert assignment.fields["remote_updated_at"] == at(1423231600000)
    assert assignment.refs["author"] == "a0af0000-0000-4000-8000-000000000002"
    assert assignment.refs["interview"] is None
    assert assignment.deleted is True
    assert (share.fields["overall_rating"], share.fields["rating_label"]) == (None, "")
    assert share.fields["template_remote_id"] == "" and share.fields["completed_at"] is None


def test_map_feedback_parses_rating_variants():
    def rating(value, options=None):
        form = {"id": "f", "fields": [{"type": "score-system", "value": value, "options": options or []}]}
        (record,) = map_feedback(OPP, [form])
        return record.fields["overall_rating"], record.fields["rating_label"]

    assert rating("4 - Strong Hire") == (4, "Strong Hire")
    assert rating("1") == (1, "")
    assert rating(3.0, [{"text": "3 - Hire"}]) == (3, "Hire")
    assert rating("7 - Off the scale") == (None, "")
    assert rating("Hire") == (None, "")
    assert rating("3.5") == (None, "")
    assert rating(None) == (None, "")


def test_child_lists_skip_items_without_ids_and_accept_bare_lists():
    assert map_offers(OPP, [{"status": "draft"}]) == []
    assert map_feedback(OPP, None) == []
    assert map_resumes(OPP, CONTACT, {"data": []}) == []
    assert len(map_files(OPP, CONTACT, unwrap(lever_fixture("mapping_files")))) == 3
