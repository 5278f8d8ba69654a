"""Turn uploaded bytes into text, or refuse them with a message a recruiter can act on.

Encodings are detected by trying, strictest first: UTF-8 (with or without BOM), UTF-16 with a BOM
(Excel's "Unicode text"), then Windows-1252 (Excel's "CSV" on Windows), then Latin-1, which accepts
any byte so the user sees the text and can spot a wrong guess on the mapping page.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16 (Excel Unicode text)",
    "cp1252": "Windows-1252 (Excel on Windows)",
    "latin-1": "Latin-1",
}

SAVE_AS_CSV = "open it in your spreadsheet app and save it as “CSV UTF-8 (comma delimited)”."

# Known binary formats people pick by mistake, by their first bytes.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", f"This is an Excel workbook (or another zip file), not a CSV file: {SAVE_AS_CSV}"),
    (b"\xd0\xcf\x11\xe0", f"This is an old Excel workbook (.xls), not a CSV file: {SAVE_AS_CSV}"),
    (b"%PDF", "This is a PDF, not a CSV file. Export the list from its source as CSV."),
    (b"\x89PNG", "This is an image, not a CSV file."),
    (b"\xff\xd8\xff", "This is an image, not a CSV file."),
    (b"GIF8", "This is an image, not a CSV file."),
    (b"{\\rtf", f"This is a rich text document, not a CSV file: {SAVE_AS_CSV}"),
)
NOT_TEXT = "This file is not text (it contains binary data), so it cannot be a CSV file."
# Text formats that are not CSV, by how they start (after a BOM and blank space). A "CSV" download that
# is really a login page would otherwise reach the column step as one column of HTML.
MARKUP_STARTS: tuple[tuple[str, str], ...] = (
    ("<!doctype html", "This is a web page (HTML), not a CSV file. Download the list again as CSV."),
    ("<html", "This is a web page (HTML), not a CSV file. Download the list again as CSV."),
    ("<?xml", f"This is an XML file (perhaps an Excel XML spreadsheet), not a CSV file: {SAVE_AS_CSV}"),
)


class CsvRejected(ValueError):
    """The upload cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def decode_upload(data: bytes) -> Decoded:
    """Return the text of a CSV upload and the encoding it was read with; raise CsvRejected if it is not text."""
    if not data.strip():
        raise CsvRejected("The file is empty.")
    for signature, message in SIGNATURES:
        if data.startswith(signature):
            raise CsvRejected(message)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _looks_like_text(Decoded(_no_nul(data.decode("utf-16")), "utf-16"))
        except UnicodeDecodeError:
            raise CsvRejected(NOT_TEXT) from None
    if b"\x00" in data:
        raise CsvRejected(NOT_TEXT)
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _looks_like_text(Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"))
        except UnicodeDecodeError:
            raise CsvRejected("The file says it is UTF-8 but is not: save it again as “CSV UTF-8”.") from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return _looks_like_text(Decoded(data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    return _looks_like_text(Decoded(data.decode("latin-1"), "latin-1"))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise CsvRejected(NOT_TEXT)
    return text


def _looks_like_text(decoded: Decoded) -> Decoded:
    """Refuse text full of control characters (binary data that happened to decode), and HTML or XML."""
    sample = decoded.text[:8192]
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise CsvRejected(NOT_TEXT)
    start = sample.lstrip("\ufeff \t\r\n")[:20].lower()
    for markup, message in MARKUP_STARTS:
        if start.startswith(markup):
            raise CsvRejected(message)
    return decoded
