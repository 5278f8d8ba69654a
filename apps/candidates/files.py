"""Serving candidates' files: safe download names and the PDF check behind the inline preview.

Files come from candidates, so they are untrusted: downloads are always attachments, the preview
serves only files that are PDFs by their metadata *and* their first bytes, and both responses forbid
content sniffing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO

from apps.candidates.models import Attachment

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # PDF readers accept the header anywhere in the first kilobyte
MAX_NAME_LENGTH = 120
# Control characters, path separators and characters that are unsafe in file names or headers.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|;]+')
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,10}$")


def download_name(attachment: Attachment) -> str:
    """Return a file name safe for Content-Disposition and any file system, keeping the extension."""
    raw = unicodedata.normalize("NFC", attachment.name or "")
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]  # no directories, whatever was uploaded
    name = _SPACES.sub(" ", _UNSAFE.sub("_", raw)).strip(" ._")
    stem, dot, extension = name.rpartition(".")
    if not dot or not _EXTENSION.match(extension):
        stem, extension = name, ""
    fallback_extension = (attachment.extension or "").lstrip(".")
    if not extension and _EXTENSION.match(fallback_extension):
        extension = fallback_extension.lower()
    stem = stem.strip(" ._")[:MAX_NAME_LENGTH] or f"attachment-{attachment.pk}"
    return f"{stem}.{extension}" if extension else stem


def is_pdf(attachment: Attachment) -> bool:
    """Whether the file says it is a PDF (content type, extension or name)."""
    return (
        (attachment.content_type or "").split(";")[0].strip().lower() == "application/pdf"
        or (attachment.extension or "").lower().lstrip(".") == "pdf"
        or (attachment.name or "").lower().endswith(".pdf")
    )


def starts_like_pdf(handle: IO[bytes]) -> bool:
    """Whether the open file's first kilobyte holds the PDF header; the position is restored."""
    head = handle.read(PDF_HEADER_WINDOW)
    handle.seek(0)
    return isinstance(head, bytes) and PDF_MAGIC in head
