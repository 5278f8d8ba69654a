"""Plain text of a resume or attachment (PDF, DOCX, plain text), for scoring and search.

Files come from candidates, so they are untrusted: every reader is bounded (input size, PDF
pages, output length, time) and any failure yields "" with a warning that names the format and
size but never the content.

Compressed formats are bounded by what they inflate to, not by their size on disk: a DOCX is a zip
whose directory is checked before anything is inflated (parts, declared sizes, compression ratio;
`docx_problem`), and a PDF is read with pypdf's per-stream limits lowered and a budget for every
stream of the document together, so a 1 MB file that inflates to gigabytes costs a few MB at most.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import time
import warnings
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any

logger = logging.getLogger(__name__)
# pypdf logs a warning for every malformed object it skips, quoting what it found: one hostile PDF
# (deeply nested dictionaries) wrote 8,000 lines of document content into our logs. Its errors
# still show; our own warning names the format and size only.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_INPUT_BYTES = 50 * 1024 * 1024  # Lever caps uploads at 30 MB
MAX_CHARS = 200_000
MAX_PDF_PAGES = 50
MAX_SECONDS = 20.0  # checked between PDF pages: a hostile page cannot stall a sync for long
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024  # word/document.xml inflated: a 100-page CV has about 2 MB
# python-docx inflates every part of the package (styles, images, thumbnails), not only the document,
# so all of them together are capped too; ZipFile never inflates a part past its declared size, so
# these declared sizes bound the memory used.
MAX_DOCX_TOTAL_BYTES = 40 * 1024 * 1024
MAX_DOCX_PARTS = 1000  # Word writes a few dozen; a zip of 100,000 entries costs memory just to list
MAX_DOCX_RATIO = 200  # XML deflates 5-20x (repetitive tables 100x); beyond this a large part is a bomb
_RATIO_FROM_BYTES = 1024 * 1024  # small parts may compress well without harm
# PDF streams, decoded: one (a page of text is well under 1 MB), and all of one document together.
MAX_PDF_STREAM_BYTES = 8 * 1024 * 1024
MAX_PDF_DECODED_BYTES = 32 * 1024 * 1024
MAX_TABLE_DEPTH = 5
NOT_A_WORD_PACKAGE = "it is not a Word document"

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
    return extract(content, extension=extension, content_type=content_type).text


@dataclass(frozen=True)
class Extracted:
    text: str
    # Why nothing was read because reading would cost too much (a decompression bomb, or close to
    # one), in words for a person; "" otherwise, including for files that are simply unreadable.
    refused: str = ""


def extract(content: bytes, *, extension: str = "", content_type: str = "") -> Extracted:
    """Like `extract_text`, also saying when the file was refused as too costly to read."""
    if not content or len(content) > MAX_INPUT_BYTES:
        return Extracted("")
    kind = _sniff(content, extension.lower().lstrip("."), content_type.lower())
    if kind is None:
        return Extracted("")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every malformed object it skips
            raw = _READERS[kind](content)
    except UnsafeDocument as exc:  # the reason names sizes and counts, never content
        logger.warning("Refused to read a %s file of %d bytes: %s", kind, len(content), exc)
        return Extracted("", refused=str(exc))
    except Exception as exc:  # hostile input may break a parser in any way
        logger.warning(
            "Could not extract text from a %s file of %d bytes (%s)", kind, len(content), type(exc).__name__
        )
        return Extracted("")
    return Extracted(normalise(raw))


class UnsafeDocument(ValueError):
    """The file would cost too much to read (a decompression bomb, or close to one); the message says why."""


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
        # A Word package too costly to open is still a Word package: _read_docx refuses it, with a reason.
        return None if docx_problem(content) == NOT_A_WORD_PACKAGE else "docx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .doc, .xls… whatever the name says
        return None
    if head.lstrip().startswith(_RTF_MAGIC):
        return "rtf"
    looks_binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not looks_binary and (extension in _TEXT_EXTENSIONS or content_type.startswith(_TEXT_TYPES)):
        return "text"
    return None


def docx_problem(source: bytes | IO[bytes]) -> str:
    """Return why a Word package must not be opened ("" when it may): not one, or a decompression bomb.

    Only the zip's directory is read (the entry count first, from its end record, before ZipFile lists
    the entries), nothing is inflated, and a file handle is left at its start.
    """
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        parts = _declared_entries(handle)
        if parts is None:
            return NOT_A_WORD_PACKAGE
        if parts > MAX_DOCX_PARTS:
            return (
                f"it holds {parts:,} files (a Word document has a few dozen; the limit is {MAX_DOCX_PARTS:,})"
            )
        handle.seek(0)
        with zipfile.ZipFile(handle) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, struct.error, EOFError):
        return NOT_A_WORD_PACKAGE
    finally:
        handle.seek(0)
    document = next((info for info in infos if info.filename == "word/document.xml"), None)
    if document is None:
        return NOT_A_WORD_PACKAGE
    total = sum(info.file_size for info in infos)
    if total > MAX_DOCX_TOTAL_BYTES:
        return f"it expands to {_megabytes(total)} when unpacked (the limit is {_megabytes(MAX_DOCX_TOTAL_BYTES)})"
    if document.file_size > MAX_DOCX_XML_BYTES:
        return (
            f"its text part expands to {_megabytes(document.file_size)} "
            f"(the limit is {_megabytes(MAX_DOCX_XML_BYTES)})"
        )
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > _RATIO_FROM_BYTES and ratio > MAX_DOCX_RATIO:
            return (
                f"a part of it expands {ratio:,} times when unpacked "
                f"(a decompression bomb; the limit is {MAX_DOCX_RATIO} times)"
            )
    return ""


def _declared_entries(handle: IO[bytes]) -> int | None:
    """Return the number of entries the zip's end record declares (zip64 too); None when there is none."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    window = min(size, 22 + 0xFFFF + 20)  # the end record, its longest comment, the zip64 locator
    handle.seek(size - window)
    tail = handle.read(window)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    if entries != 0xFFFF:
        return entries
    locator = tail.rfind(b"PK\x06\x07", 0, at)
    if locator < 0:
        return None
    (offset,) = struct.unpack_from("<Q", tail, locator + 8)
    handle.seek(offset)
    record = handle.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    return int(struct.unpack_from("<Q", record, 32)[0])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.0f} KB"


# Bytes the PDF being read may still decode (None outside _read_pdf); see _budgeted_decoding.
_PDF_BUDGET: ContextVar[list[int] | None] = ContextVar("pdf_decoding_budget", default=None)


def _pdf_limits() -> dict[str, int]:
    """pypdf's own limits, lowered from its 75 MB per stream (a 1 MB file could cost 150 MB)."""
    from pypdf import get_configuration

    per_stream = {
        "zlib_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "lzw_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "run_length_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "brotli_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "jbig2_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "array_based_stream_maximum_output_length": MAX_PDF_STREAM_BYTES,
        "image_maximum_buffer_size": MAX_PDF_STREAM_BYTES,
        "stream_decoding_work_maximum_length": 4 * MAX_PDF_STREAM_BYTES,
    }
    current = get_configuration()
    return {name: value for name, value in per_stream.items() if hasattr(current, name)}


def _budgeted_decoding() -> None:
    """Count every stream pypdf decodes against the document's budget (_PDF_BUDGET).

    pypdf limits each stream but not their sum, and keeps every decoded stream for the reader's life:
    fifty pages of 8 MB each would still hold 400 MB. pypdf has no hook for this, so its one decoding
    function is wrapped (once); outside _read_pdf the budget is None and nothing changes.
    """
    from pypdf import filters

    original = filters.decode_stream_data
    if getattr(original, "budgeted", False):
        return

    def decode_stream_data(stream: Any) -> bytes:
        data = original(stream)
        budget = _PDF_BUDGET.get()
        if budget is not None:
            budget[0] -= len(data)
            if budget[0] < 0:
                raise UnsafeDocument(
                    f"its streams decode to more than {_megabytes(MAX_PDF_DECODED_BYTES)}; the rest is not read"
                )
        return data

    decode_stream_data.budgeted = True  # type: ignore[attr-defined]
    filters.decode_stream_data = decode_stream_data


def _pdf_reason(exc: Exception) -> str:
    if isinstance(exc, UnsafeDocument):
        return str(exc)
    return f"a part of it decodes to more than {_megabytes(MAX_PDF_STREAM_BYTES)} (a decompression bomb?)"


def _read_pdf(content: bytes) -> str:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    _budgeted_decoding()
    token = _PDF_BUDGET.set([MAX_PDF_DECODED_BYTES])
    try:
        with apply_configuration(**_pdf_limits()):
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return ""  # protected by a real password: nothing we can read
            deadline = time.monotonic() + MAX_SECONDS
            pages: list[str] = []
            size = 0
            for number, page in enumerate(reader.pages):
                if number >= MAX_PDF_PAGES or size > MAX_CHARS or time.monotonic() > deadline:
                    break
                try:
                    page_text = page.extract_text() or ""
                except (UnsafeDocument, LimitReachedError) as exc:
                    if not pages:
                        raise UnsafeDocument(_pdf_reason(exc)) from None
                    # Capped, not lost: the pages read so far are kept.
                    logger.warning(
                        "Stopped reading a pdf file of %d bytes at page %d: %s",
                        len(content),
                        number + 1,
                        _pdf_reason(exc),
                    )
                    break
                pages.append(page_text)
                size += len(page_text)
            return "\n\n".join(pages)
    finally:
        _PDF_BUDGET.reset(token)


def _read_docx(content: bytes) -> str:
    problem = docx_problem(content)
    if problem:
        raise UnsafeDocument(problem)
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
