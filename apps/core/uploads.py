"""Untrusted files: a name that is safe anywhere, and what their first bytes say they are.

Names come from browsers and from Lever, so they may hold directories (`../../etc/passwd.pdf`,
`..\\boot.ini`), control characters (NUL, CR/LF for header injection), characters file systems or
headers reserve (quotes, semicolons), and Unicode format characters: U+202E (right-to-left override)
makes `invoice‮fdp.exe` display as `invoiceexe.pdf`. `safe_filename` keeps the last path part, drops
or replaces all of those and cuts the stem, keeping the extension.

`describe_content` names a file by its first bytes ("an HTML page", "a Windows program"), so an upload
whose content does not match its extension gets an error that says what it really is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO

MAX_STEM = 120
# Control characters, path separators and characters unsafe in file names or HTTP headers.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|;]+')
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,10}$")
HEAD_BYTES = 1024

# First bytes of the formats people upload by mistake (or on purpose), most specific first.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip archive (or a Word, Excel or other Office file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc, .xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ\x90\x00", "a Windows program"),
    (b"MZP\x00", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"{\\rtf", "a rich text (RTF) document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_MARKUP = ((b"<!doctype html", "an HTML page"), (b"<html", "an HTML page"), (b"<svg", "an SVG image"))
_MARKUP += ((b"<script", "an HTML page"), (b"<?xml", "an XML file"))


def safe_filename(raw: str | None, *, fallback_extension: str = "", default_stem: str = "file") -> str:
    """Return `raw`'s last path part made safe for Content-Disposition, any file system and Lever."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # no directories, whatever was uploaded
    # Format characters (bidi overrides, zero-width ones) can make a name display as another one.
    name = "".join(char for char in name if unicodedata.category(char) != "Cf")
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip()
    stem, dot, extension = name.rpartition(".")  # before the stem's dots go: "...pdf" keeps its ".pdf"
    if not dot or not _EXTENSION.match(extension):
        stem, extension = name, ""
    fallback = (fallback_extension or "").lstrip(".")
    if not extension and _EXTENSION.match(fallback):
        extension = fallback.lower()
    stem = stem.strip(" ._")[:MAX_STEM].strip(" ._") or default_stem
    return f"{stem}.{extension}" if extension else stem


def read_head(handle: IO[bytes], size: int = HEAD_BYTES) -> bytes:
    """Return the first `size` bytes of an open file, leaving it at its start."""
    handle.seek(0)
    head = handle.read(size)
    handle.seek(0)
    return head if isinstance(head, bytes) else b""


def describe_content(head: bytes) -> str:
    """Say what a file is by its first bytes: "a PDF", "an HTML page", "binary data", "text"…"""
    if not head:
        return "empty"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for signature, label in _SIGNATURES:
        if stripped.startswith(signature):
            return label
    lowered = stripped[:64].lower()
    for signature, label in _MARKUP:
        if lowered.startswith(signature):
            return label
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return "text"
