"""The PDF, DOCX and text writers produce files the usual libraries read back."""

from __future__ import annotations

import io

import docx
from pypdf import PdfReader

from apps.lever_sandbox.documents import render_docx, render_pdf, render_text, wrapped

LINES = [
    ("title", "Łukasz Żółć"),
    ("text", "Senior Backend Engineer | lukasz@example.com | Kraków, Poland"),
    ("heading", "Experience"),
    ("text", "Built (and ran) services in Python and Kubernetes for José Núñez, Zoë Ødegaard & 王芳."),
    ("text", "A long line " * 20),
    ("text", ""),
    ("heading", "Skills"),
    ("text", "Python, Kubernetes, PostgreSQL"),
]


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_pdf_text_is_extractable_with_pypdf_including_non_latin_characters():
    reader = PdfReader(io.BytesIO(render_pdf(LINES * 6, "Résumé")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    for _, line in LINES:
        assert _squash(line) in _squash(text)


def test_docx_paragraphs_are_readable_with_python_docx():
    document = docx.Document(io.BytesIO(render_docx(LINES)))
    assert [p.text for p in document.paragraphs] == [line for _, line in LINES]


def test_text_rendering_is_utf8_with_upper_case_headings():
    text = render_text(LINES).decode()
    assert "EXPERIENCE" in text and "王芳" in text


def test_documents_are_byte_identical_for_the_same_input():
    assert render_pdf(LINES) == render_pdf(LINES)
    assert render_docx(LINES) == render_docx(LINES)


def test_long_lines_wrap_without_losing_words():
    long_line = [("text", "word " * 60)]
    assert _squash(" ".join(t for _, t in wrapped(long_line))) == _squash(long_line[0][1])
