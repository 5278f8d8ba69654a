"""Serving candidates' files: safe download names and the PDF check behind the inline preview.

Files come from candidates, so they are untrusted: downloads are always attachments, the preview
serves only files that are PDFs by their metadata *and* their first bytes, and both responses forbid
content sniffing.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings

from apps.candidates.models import Attachment
from apps.core.uploads import safe_filename

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # PDF readers accept the header anywhere in the first kilobyte


def download_name(attachment: Attachment) -> str:
    """Return a file name safe for Content-Disposition and any file system, keeping the extension.

    The name comes from the uploader or from Lever: directories, control and format characters (a
    right-to-left override would disguise the extension) and header-unsafe characters are removed.
    """
    return safe_filename(
        attachment.name,
        fallback_extension=attachment.extension or "",
        default_stem=f"attachment-{attachment.pk}",
    )


def is_pdf(attachment: Attachment) -> bool:
    """Whether the file says it is a PDF (content type, extension or name)."""
    return (
        (attachment.content_type or "").split(";")[0].strip().lower() == "application/pdf"
        or (attachment.extension or "").lower().lstrip(".") == "pdf"
        or (attachment.name or "").lower().endswith(".pdf")
    )


def too_large(attachment: Attachment) -> bool:
    """Whether Lever says the file is bigger than we mirror (LEVER_FILE_MAX_BYTES; an unknown size is fetched)."""
    return attachment.size is not None and attachment.size > settings.LEVER_FILE_MAX_BYTES


def availability(attachment: Attachment) -> str:
    """Where a recruiter gets the file: "stored" here, "too_large" or "unavailable" (only in Lever),
    or "pending" (the next sync downloads it)."""
    if attachment.file:
        return "stored"
    if too_large(attachment):
        return "too_large"
    if attachment.text_extracted_at is not None or attachment.processing_status in ("unsupported", "error"):
        return "unavailable"  # asked for and not given, or Lever could not process it
    return "pending"


def starts_like_pdf(handle: IO[bytes]) -> bool:
    """Whether the open file's first kilobyte holds the PDF header; the position is restored."""
    head = handle.read(PDF_HEADER_WINDOW)
    handle.seek(0)
    return isinstance(head, bytes) and PDF_MAGIC in head
