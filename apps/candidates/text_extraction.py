"""Plain text of a resume or attachment (PDF, DOCX, plain text), for scoring and search.

Files come from candidates, so they are untrusted: every reader is bounded (input size, PDF
pages, output length, time) and any failure yields "" with a warning that names the format and
size but never the content.
"""

from __future__ import annotations

import io
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

MAX_INPUT_BYTES = 50 * 1024 * 1024  # Lever caps uploads at 30 MB
MAX_CHARS = 200_000
MAX_PDF_PAGES = 50
MAX_SECONDS = 20.0  # checked between PDF pages: a hostile page cannot stall a sync for long
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024  # declared uncompressed size of word/document.xml
MAX_TABLE_DEPTH = 5

_TEXT_EXTENSIONS = {"txt", "text", "md", "markdown", "csv", "rtf"}
_TEXT_TYPES = ("text/", "application/rtf")
_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_RTF_MAGIC = b"{\\rtf"
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_RTF_TOKEN = re.compile(
    r"\\'([0-9a-fA-F]{2})|\\u(-?\d+) ?|\\([a-zA-Z]+)(-?\d+)? ?|\\([^a-zA-Z])|([{}])|([^\\{}\r\n]+)|[\r\n]"
)
_RTF_SKIP = {"fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer", "listtable", "object"}
_RTF_BREAKS = {"par": "\n", "line": "\n", "tab": "\t", "cell": " | ", "row": "\n"}


def extract_text(content: bytes, *, extension: str = "", content_type: str = "") -> str:
    """Return the normalised plain text of a PDF, DOCX or text file; "" for anything else or on failure.

    The bytes decide the format when they carry a signature (`%PDF`, a ZIP with `word/document.xml`),
    so a PDF uploaded as "resume.doc" is still read; otherwise the extension and content type do.
    """
    if not content or len(content) > MAX_INPUT_BYTES:
        return ""
    kind = _sniff(content, extension.lower().lstrip("."), content_type.lower())
    if kind is None:
        return ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every malformed object it skips
            raw = _READERS[kind](content)
    except Exception as exc:  # hostile input may break a parser in any way
        logger.warning(
            "Could not extract text from a %s file of %d bytes (%s)", kind, len(content), type(exc).__name__
        )
        return ""
    return normalise(raw)


def normalise(raw: str) -> str:
    """Return `raw` with runs of spaces collapsed, lines trimmed and at most one blank line in a row."""
    # Whitespace only shrinks under normalisation, so twice the cap is plenty and keeps the regexes cheap.
    text = _CONTROL.sub("", raw[: MAX_CHARS * 2].replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:MAX_CHARS].rstrip()


def _sniff(content: bytes, extension: str, content_type: str) -> str | None:
    head = content[:1024]
    # Readers accept junk before a PDF header; trust that only when the name agrees, so a text file
    # that merely mentions "%PDF-" is still read as text.
    if head.lstrip().startswith(_PDF_MAGIC) or (
        _PDF_MAGIC in head and "pdf" in (extension, content_type[-3:])
    ):
        return "pdf"
    if content.startswith(_ZIP_MAGIC):
        return "docx" if _is_docx(content) else None
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .doc, .xls… whatever the name says
        return None
    if head.lstrip().startswith(_RTF_MAGIC):
        return "rtf"
    looks_binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not looks_binary and (extension in _TEXT_EXTENSIONS or content_type.startswith(_TEXT_TYPES)):
        return "text"
    return None


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "word/document.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def _read_pdf(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return ""  # protected by a real password: nothing we can read
    deadline = time.monotonic() + MAX_SECONDS
    pages: list[str] = []
    size = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or size > MAX_CHARS or time.monotonic() > deadline:
            break
        page_text = page.extract_text() or ""
        pages.append(page_text)
        size += len(page_text)
    return "\n\n".join(pages)


def _read_docx(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        # ZipFile never inflates past the declared size, so this bounds a decompression bomb.
        if package.getinfo("word/document.xml").file_size > MAX_DOCX_XML_BYTES:
            raise ValueError("word/document.xml is too large")
    from docx import Document

    return "\n".join(_docx_blocks(Document(io.BytesIO(content)), 0))


def _docx_blocks(container: Any, depth: int) -> Iterator[str]:
    """Yield paragraphs and table rows in document order (cells joined by " | "), tables within tables too."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        if depth >= MAX_TABLE_DEPTH:
            continue
        for row in block.rows:
            cells: list[str] = []
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell repeats once per grid column it spans
                    continue
                seen.add(id(cell._tc))
                cell_text = " ".join(part for part in _docx_blocks(cell, depth + 1) if part.strip())
                if cell_text:
                    cells.append(cell_text)
            yield " | ".join(cells)


def _read_text(content: bytes) -> str:
    # Four bytes per character at most in UTF-8: enough input for MAX_CHARS, no more.
    return _decode(content[: MAX_CHARS * 4])


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # maps every byte, so it cannot fail


def _read_rtf(content: bytes) -> str:
    """Return the visible text of an RTF document: control words and hidden groups dropped, escapes decoded."""
    source = _decode(content[: MAX_CHARS * 8])
    out: list[str] = []
    stack: list[bool] = []
    skipping = False
    fallback = False  # a \uN escape is followed by one stand-in character for old readers
    for match in _RTF_TOKEN.finditer(source):
        hex_byte, unicode_point, word, _, symbol, brace, plain = match.groups()
        if brace:
            if brace == "{":
                stack.append(skipping)
            else:
                skipping = stack.pop() if stack else False
            continue
        if symbol == "*" or word in _RTF_SKIP:
            skipping = True
        if skipping or not (hex_byte or unicode_point or word or symbol or plain):
            continue
        if fallback and (hex_byte or plain):
            fallback = False
            plain = plain[1:] if plain else None
            if not plain:
                continue
        if hex_byte:
            out.append(bytes([int(hex_byte, 16)]).decode("cp1252", errors="replace"))
        elif unicode_point:
            out.append(chr(int(unicode_point) % 0x10000))
            fallback = True
        elif word:
            out.append(_RTF_BREAKS.get(word, ""))
        elif symbol:
            out.append(symbol if symbol in "\\{}" else "")
        elif plain:
            out.append(plain)
    return "".join(out)


_READERS = {"pdf": _read_pdf, "docx": _read_docx, "text": _read_text, "rtf": _read_rtf}
