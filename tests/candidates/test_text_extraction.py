from __future__ import annotations

import io
import logging
import zipfile

import pytest
from docx import Document

from apps.candidates import text_extraction
from apps.candidates.text_extraction import MAX_CHARS, MAX_PDF_PAGES, extract_text, normalise
from apps.lever_sandbox import documents

RESUME = [
    ("title", "Zoë Ångström"),
    ("text", "Senior Python developer  at   Globex"),
    ("text", ""),
    ("heading", "Skills"),
    ("text", "Django, PostgreSQL & Kubernetes"),
]
EXPECTED = "Zoë Ångström\nSenior Python developer at Globex\nSkills\nDjango, PostgreSQL & Kubernetes"
# The PDF draws nothing for an empty line; the DOCX keeps it as an empty paragraph, i.e. a break.
EXPECTED_DOCX = EXPECTED.replace("\nSkills", "\n\nSkills")


def docx_with_table() -> bytes:
    doc = Document()
    doc.add_paragraph("Łukasz Żółć")
    doc.add_paragraph("")
    doc.add_paragraph("Experience\twith   tabs")
    table = doc.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Python"
    table.cell(0, 1).text = "5 years"
    table.cell(0, 2).text = ""
    table.cell(1, 0).merge(table.cell(1, 2)).text = "Merged across"
    doc.add_paragraph("References on request")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_pdf_text_round_trips_including_non_latin_letters():
    assert extract_text(documents.render_pdf(RESUME), extension="pdf") == EXPECTED


def test_pdf_with_chinese_and_polish_lines_round_trips():
    pdf = documents.render_pdf([("title", "王伟"), ("text", "Gdańsk, Polska")])
    assert extract_text(pdf, extension="pdf") == "王伟\nGdańsk, Polska"


def test_sandbox_docx_round_trips():
    assert extract_text(documents.render_docx(RESUME), extension="docx") == EXPECTED_DOCX


def test_docx_paragraphs_and_table_cells_come_out_in_document_order():
    assert extract_text(docx_with_table(), extension="docx") == (
        "Łukasz Żółć\n\nExperience with tabs\nPython | 5 years\nMerged across\nReferences on request"
    )


def test_plain_text_is_decoded_and_normalised():
    content = "Café\r\n\r\n\r\n\r\n  two   spaces\t and tab \x07\nend".encode()
    assert extract_text(content, extension="txt") == "Café\n\ntwo spaces and tab\nend"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Résumé".encode("cp1252"), "Résumé"),
        ("\ufeffBOM first".encode(), "BOM first"),
        ("UTF-16 text".encode("utf-16"), "UTF-16 text"),
        (b"\x81\x8d undefined in cp1252", "\x81\x8d undefined in cp1252"),
    ],
)
def test_plain_text_falls_back_through_encodings(content, expected):
    assert extract_text(content, content_type="text/plain; charset=unknown") == expected


def test_rtf_keeps_the_visible_text_only():
    rtf = (
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}{\*\generator Riched20;}\f0 Caf\'e9 Engineer\par"
        rb" \b Python\b0  \u8212? Gda\u324?sk\par}"
    )
    assert extract_text(rtf, extension="rtf") == "Café Engineer\nPython — Gdańsk"


@pytest.mark.parametrize("extension", ["doc", "png", "", "bin", "txt"])
def test_the_bytes_win_over_a_lying_extension(extension):
    assert extract_text(documents.render_pdf(RESUME), extension=extension) == EXPECTED
    assert (
        extract_text(documents.render_docx(RESUME), extension=extension, content_type="image/png")
        == EXPECTED_DOCX
    )


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (documents.PNG_PIXEL, "png"),
        (documents.PNG_PIXEL, "txt"),  # binary bytes behind a text extension
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "doc"),  # legacy Word
        (b"just words", "jpg"),
        (b"just words", ""),
    ],
)
def test_images_legacy_word_and_unknown_formats_give_nothing(content, extension):
    assert extract_text(content, extension=extension) == ""


def test_empty_input_gives_nothing():
    assert extract_text(b"", extension="pdf") == ""


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF", "pdf"),
        (documents.render_pdf(RESUME)[:300], "pdf"),
        (b"%PDF-" + bytes(range(256)) * 40, "pdf"),
        (b"PK\x03\x04 not really a zip", "docx"),
        (b"not a pdf at all", "pdf"),
    ],
)
def test_corrupt_files_give_nothing_and_never_raise(content, extension):
    assert extract_text(content, extension=extension) == ""


def test_a_zip_that_is_not_a_word_document_gives_nothing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    assert extract_text(buffer.getvalue(), extension="docx") == ""


def test_a_broken_word_package_is_logged_without_its_content(caplog):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document>SECRET-CANDIDATE-TEXT")
    with caplog.at_level(logging.WARNING, logger="apps.candidates.text_extraction"):
        assert extract_text(buffer.getvalue(), extension="docx") == ""
    assert "docx" in caplog.text
    assert "SECRET-CANDIDATE-TEXT" not in caplog.text


def test_a_word_package_declaring_a_huge_document_is_refused(monkeypatch):
    monkeypatch.setattr(text_extraction, "MAX_DOCX_XML_BYTES", 100)
    assert extract_text(documents.render_docx(RESUME), extension="docx") == ""


def test_pdf_pages_are_capped():
    lines = [("text", f"page line {n}") for n in range((MAX_PDF_PAGES + 20) * 45)]
    text = extract_text(documents.render_pdf(lines), extension="pdf")
    assert text.startswith("page line 0\n")
    assert text.count("page line") == MAX_PDF_PAGES * 45
    assert f"page line {(MAX_PDF_PAGES + 1) * 45}" not in text


def test_pdf_reading_stops_at_the_deadline(monkeypatch):
    monkeypatch.setattr(text_extraction, "MAX_SECONDS", -1.0)
    assert extract_text(documents.render_pdf(RESUME), extension="pdf") == ""


def test_output_length_is_capped():
    text = extract_text(("word " * MAX_CHARS).encode(), extension="txt")
    assert len(text) == MAX_CHARS - 1  # cut at the cap, then the trailing space trimmed
    assert text.startswith("word word")


def test_oversized_input_is_not_read(monkeypatch):
    monkeypatch.setattr(text_extraction, "MAX_INPUT_BYTES", 10)
    assert extract_text(b"more than ten bytes", extension="txt") == ""


def test_normalise_keeps_single_paragraph_breaks():
    assert normalise("  a \u00a0 b  \n\n\n\n c\u200b \r\nd ") == "a b\n\nc\nd"


def test_junk_before_a_pdf_header_is_accepted_when_the_name_says_pdf():
    assert extract_text(b"\x00junk\n" + documents.render_pdf(RESUME), extension="pdf") == EXPECTED


def test_a_text_file_that_mentions_the_pdf_signature_is_still_text():
    content = b"Notes on file formats: every PDF starts with %PDF- and a version."
    assert extract_text(content, extension="txt") == content.decode()
