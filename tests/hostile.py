"""Hostile files and requests for the upload tests: bombs, lying files, raw multipart, streamed bodies.

Everything is built in memory in a few milliseconds to a second: a 1 GiB decompression bomb is one
compressed megabyte repeated, so its file is about 1 MB and its inflated size is never allocated here.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from docx import Document

from apps.lever_sandbox.documents import render_pdf

MIB = 1024 * 1024
GIB = 1024 * MIB

RESUME_LINES = [("title", "Ada Lovelace"), ("text", "Python and Django developer")]
HTML = b"<!DOCTYPE html><html><body><script>alert('rd')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(512)


@cache
def real_pdf() -> bytes:
    return render_pdf(RESUME_LINES)


@cache
def real_docx() -> bytes:
    """A Word document as Word and python-docx write them: styles, settings, a thumbnail, all related."""
    document = Document()
    for _, text in RESUME_LINES:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plain_zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (members or {"hello.txt": b"hello"}).items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def xlsx() -> bytes:
    """The parts an Excel workbook starts with (enough for every sniffer: a zip with xl/workbook.xml)."""
    return plain_zip(**{"[Content_Types].xml": b"<Types/>", "xl__workbook.xml": b"<workbook/>"})


# -- decompression bombs ----------------------------------------------------------------------------------


@cache
def _deflated_zeros(size: int) -> tuple[bytes, int, int]:
    """Return raw deflate data inflating to `size` zero bytes (one compressed MiB repeated), its CRC-32 and Adler-32.

    After a full flush the compressor starts afresh, so every MiB compresses to the same bytes.
    """
    assert size % MIB == 0
    chunk = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    crc, adler = 0, 1
    for _ in range(size // MIB):
        crc = zlib.crc32(chunk, crc)
        adler = zlib.adler32(chunk, adler)
    return block * (size // MIB) + end, crc, adler


def _raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of deflated entries (name, raw deflate data, CRC-32, inflated size), written by hand."""
    out, directory = bytearray(), bytearray()
    for name, data, crc, size in entries:
        encoded, offset = name.encode(), len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        out += encoded + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(out), 0)
    return bytes(out + directory + end)


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


@cache
def docx_bomb(part: str = "word/document.xml", size: int = GIB) -> bytes:
    """A Word document (python-docx opens it) whose `part` inflates to `size` bytes (1 GiB: a ~1 MB file)."""
    source = zipfile.ZipFile(io.BytesIO(real_docx()))
    entries = [
        (info.filename, *_deflated(source.read(info))) for info in source.infolist() if info.filename != part
    ]
    bomb, crc, _ = _deflated_zeros(size)
    return _raw_zip([*entries, (part, bomb, crc, size)])


def docx_with_many_parts(count: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(real_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        for number in range(count):
            archive.writestr(f"word/parts/part{number}.xml", b"")
    return buffer.getvalue()


def _pdf(objects: dict[int, bytes]) -> bytes:
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size, xref = max(objects) + 1, len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def _flate_stream(text: bytes, padding: int) -> bytes:
    """A FlateDecode stream object: `text` (page content) followed by `padding` zero bytes (PDF whitespace)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(text) + compressor.flush(zlib.Z_FULL_FLUSH)
    bomb = _deflated_zeros(padding)[0]
    # zlib's trailer: the Adler-32 of everything inflated (text, then the zeros).
    data = b"\x78\xda" + head + bomb + struct.pack(">I", _adler_of(text, padding))
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


@cache
def _adler_of(text: bytes, padding: int) -> int:
    adler, chunk = zlib.adler32(text), bytes(MIB)
    for _ in range(padding // MIB):
        adler = zlib.adler32(chunk, adler)
    return adler


@cache
def pdf_bomb(pages: int = 1, padding: int = GIB, text: bytes = b"Bomb page") -> bytes:
    """A PDF whose every page's content stream inflates to `padding` bytes after a line of text."""
    content = _flate_stream(b"BT /F1 12 Tf 72 712 Td (" + text + b") Tj ET\n", padding)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for page in range(pages):
        number = 4 + 2 * page
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (number + 1)
        )
        objects[number + 1] = content  # one stream object per page: each is decoded on its own
        kids.append(b"%d 0 R" % number)
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    return _pdf(objects)


def nested_pdf(depth: int = 50_000) -> bytes:
    """A PDF whose font dictionary nests `depth` dictionaries and whose page content nests arrays."""
    content = b"[" * depth + b"]" * depth + b" BT /F1 12 Tf 72 712 Td (Deep) Tj ET"
    return _pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /X "
            + b"<<" * depth
            + b">>" * depth
            + b" >>",
            4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            5: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        }
    )


@contextmanager
def peak_memory() -> Iterator[dict[str, int]]:
    """Measure the peak of Python's own allocations inside the block (tracemalloc): `result["peak"]`."""
    result: dict[str, int] = {}
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        yield result
    finally:
        result["peak"] = tracemalloc.get_traced_memory()[1] - base
        if not already:
            tracemalloc.stop()


# -- requests ---------------------------------------------------------------------------------------------

BOUNDARY = "RecruitdeskHostileBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _field(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
    )


def _file_header(name: str, filename: str, content_type: str) -> bytes:
    """A file part's header with `filename` exactly as given: quotes and backslashes escaped as browsers
    do for quoted strings, everything else (../, absolute paths, HTML entities) left alone."""
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()


def multipart(
    fields: dict[str, str], file_field: str, filename: str, content: bytes, content_type: str
) -> bytes:
    """A multipart body built by hand: Django's test client would strip the file name's directories."""
    body = b"".join(_field(name, value) for name, value in fields.items())
    body += _file_header(file_field, filename, content_type) + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


class StreamedBody:
    """A request body produced while it is read (`head`, `size` filler bytes, `tail`): never whole in memory."""

    def __init__(self, head: bytes, size: int, tail: bytes, content_type: str, filler: bytes = b"\0"):
        self.head, self.size, self.tail, self.content_type = head, size, tail, content_type
        self.length = len(head) + size + len(tail)
        self.position = 0
        self._filler = filler * (64 * 1024 // len(filler))

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > 8 * MIB:
            raise AssertionError(f"{size} bytes of the body were asked for at once")
        out = bytearray()
        while size > 0 and self.position < self.length:
            position = self.position
            if position < len(self.head):
                piece = self.head[position : position + size]
            elif position < len(self.head) + self.size:
                left = len(self.head) + self.size - position
                piece = self._filler[: min(size, left, len(self._filler))]
            else:
                start = position - len(self.head) - self.size
                piece = self.tail[start : start + size]
            out += piece
            self.position += len(piece)
            size -= len(piece)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        raise AssertionError("request bodies are read in chunks, not lines")

    def environ(self) -> dict[str, object]:
        """Extra WSGI environ for Client.generic: the body, its length and its type."""
        return {"wsgi.input": self, "CONTENT_LENGTH": str(self.length), "CONTENT_TYPE": self.content_type}


def streamed_upload(
    fields: dict[str, str], file_field: str, filename: str, size: int, first: bytes = b""
) -> StreamedBody:
    """A multipart body whose one file is `size` bytes (starting with `first`, then zeros)."""
    head = b"".join(_field(name, value) for name, value in fields.items())
    head += _file_header(file_field, filename, "application/octet-stream") + first
    return StreamedBody(head, size - len(first), f"\r\n--{BOUNDARY}--\r\n".encode(), MULTIPART)
