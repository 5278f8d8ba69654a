"""Decompression bombs: a 1 MB DOCX or PDF that inflates to 1 GiB costs a few MB, and the outcome is clear.

A DOCX is a zip: its directory is checked before anything is inflated (files, declared sizes, ratio).
A PDF is read with pypdf's per-stream limits lowered and a budget for the whole document. Memory is
measured with tracemalloc (Python's own allocations, which is where inflated bytes live).
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.candidates import text_extraction
from apps.candidates.models import Attachment, Candidate
from apps.candidates.text_extraction import extract, extract_text
from apps.integrations.models import WritebackAction
from tests.candidates.factories import ApplicationFactory
from tests.conftest import client_for
from tests.hostile import (
    GIB,
    MIB,
    docx_bomb,
    docx_with_many_parts,
    nested_pdf,
    pdf_bomb,
    peak_memory,
    real_docx,
)
from tests.integrations.factories import AtsUserFactory

pytestmark = pytest.mark.django_db

# What reading a bomb may cost; unprotected, the same files allocate 1 GiB or more (pypdf alone: 150 MB).
SMALL = 30 * MIB
BOMB_PARTS = ["word/document.xml", "word/styles.xml", "docProps/thumbnail.jpeg"]


def warmed(user, url):
    """A logged-in client whose first request (URLconf imports, templates) is behind it, so that only the
    upload itself is measured."""
    client = client_for(user)
    client.get(url)
    return client


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# -- text extraction ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("part", BOMB_PARTS)
def test_a_docx_part_inflating_to_a_gibibyte_is_refused_before_it_is_inflated(part, caplog):
    bomb = docx_bomb(part, GIB)
    assert len(bomb) < 2 * MIB
    with caplog.at_level(logging.WARNING, logger="apps.candidates.text_extraction"), peak_memory() as memory:
        result = extract(bomb, extension="docx")
    assert result.text == ""
    assert "MB when unpacked (the limit is 40 MB)" in result.refused
    assert memory["peak"] < SMALL
    assert "Refused to read a docx file" in caplog.text and "the limit is 40 MB" in caplog.text


def test_a_part_that_compresses_like_a_bomb_is_refused_even_below_the_size_caps():
    bomb = docx_bomb("word/styles.xml", 8 * MIB)  # 8 MiB from 8 KB: within 40 MB, but 1,000 times
    result = extract(bomb, extension="docx")
    assert result.text == ""
    assert "expands 1,0" in result.refused and "the limit is 200 times" in result.refused


def test_a_docx_listing_thousands_of_files_is_refused_from_its_end_record():
    package = docx_with_many_parts(5000)
    with peak_memory() as memory:
        result = extract(package, extension="docx")
    assert result.refused.startswith("it holds 5,0") and "the limit is 1,000" in result.refused
    assert memory["peak"] < 2 * MIB  # the entries were never listed


def test_an_ordinary_docx_is_still_read():
    assert extract(real_docx(), extension="docx").text == "Ada Lovelace\nPython and Django developer"


def test_a_pdf_stream_inflating_to_a_gibibyte_costs_a_few_megabytes():
    bomb = pdf_bomb(pages=1, padding=GIB)
    assert len(bomb) < 2 * MIB
    with peak_memory() as memory:
        result = extract(bomb, extension="pdf")
    assert result.text == ""
    assert "decodes to more than 8 MB" in result.refused
    assert memory["peak"] < SMALL  # pypdf's own limit (75 MB per stream) peaks at about 150 MB


def test_many_pdf_streams_share_one_budget_and_the_pages_read_are_kept(caplog):
    bomb = pdf_bomb(pages=12, padding=6 * MIB, text=b"Page of a bomb")  # each stream within the 8 MB cap
    with caplog.at_level(logging.WARNING, logger="apps.candidates.text_extraction"), peak_memory() as memory:
        text = extract_text(bomb, extension="pdf")
    assert 1 <= text.count("Page of a bomb") <= 6  # 32 MB of 72: the first pages, not all twelve
    assert memory["peak"] < 64 * MIB
    assert "Stopped reading a pdf file" in caplog.text and "more than 32 MB" in caplog.text


def test_a_deeply_nested_pdf_gives_nothing_and_does_not_flood_the_logs(caplog):
    with caplog.at_level(logging.DEBUG):
        assert extract(nested_pdf(), extension="pdf").text == ""
    # pypdf would log a warning per malformed object, quoting the document: thousands of lines.
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("apps.")]
    assert ours and all("pdf file of" in message and "Deep" not in message for message in ours)


def test_the_pdf_budget_is_only_active_while_a_pdf_is_read():
    from pypdf import filters

    text_extraction.extract_text(pdf_bomb(pages=1, padding=MIB), extension="pdf")
    assert text_extraction._PDF_BUDGET.get() is None
    assert getattr(filters.decode_stream_data, "budgeted", False)


# -- through the pages ----------------------------------------------------------------------------------------


def test_adding_a_candidate_with_a_docx_bomb_says_why_and_creates_nothing(cast, media):
    resume = SimpleUploadedFile("cv.docx", docx_bomb("word/styles.xml", GIB))
    url = reverse("candidates:add")
    client = warmed(cast.recruiter, url)
    with peak_memory() as memory:
        response = client.post(url, {"name": "Bomb", "export": "auto", "resume": resume})
    assert response.status_code == 400
    [error] = response.context["form"].errors["resume"]
    assert error.startswith("The resume cannot be read safely: it expands to 1,02")
    assert error.endswith(" MB when unpacked (the limit is 40 MB).")
    assert error in response.content.decode()
    assert memory["peak"] < SMALL
    assert not Candidate.objects.exists() and not Attachment.objects.exists() and not stored_files(media)


def test_adding_a_candidate_with_a_pdf_bomb_says_why_and_creates_nothing(cast, media):
    resume = SimpleUploadedFile("cv.pdf", pdf_bomb(pages=1, padding=GIB), "application/pdf")
    url = reverse("candidates:add")
    client = warmed(cast.recruiter, url)
    with peak_memory() as memory:
        response = client.post(url, {"name": "Bomb", "export": "auto", "resume": resume})
    assert response.status_code == 400
    [error] = response.context["form"].errors["resume"]
    assert error.startswith("The resume cannot be read safely: a part of it decodes to more than 8 MB")
    assert error in response.content.decode()
    assert memory["peak"] < SMALL
    assert not Candidate.objects.exists() and not Attachment.objects.exists() and not stored_files(media)


def test_a_docx_bomb_is_not_sent_to_lever_as_an_attachment(cast, media):
    cast.connection.writeback_user = AtsUserFactory(connection=cast.connection)
    cast.connection.save()
    application = ApplicationFactory(connection=cast.connection)
    upload = SimpleUploadedFile("portfolio.docx", docx_bomb("word/document.xml", GIB))
    url = reverse("actions:application-attachment", args=[application.pk])
    client = warmed(cast.recruiter, reverse("candidates:detail", args=[application.candidate_id]))
    with peak_memory() as memory:
        response = client.post(url, {"file": upload}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert (
        "portfolio.docx cannot be read safely: it expands to 1,025 MB when unpacked"
        in response.content.decode()
    )
    assert memory["peak"] < SMALL
    assert not WritebackAction.objects.exists() and not stored_files(media)
