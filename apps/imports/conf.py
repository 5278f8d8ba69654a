"""Import limits, from settings when given (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, IMPORT_CHUNK_SIZE)."""

from __future__ import annotations

from django.conf import settings

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # a 50,000-row export with a dozen columns is 8-12 MB
DEFAULT_MAX_ROWS = 50_000
DEFAULT_CHUNK_SIZE = 500  # rows per transaction: progress and resume points
PREVIEW_PROBLEMS = 1000  # invalid rows kept for the preview; the report after the import lists them all
SAMPLE_ROWS = 3
STALE_AFTER_SECONDS = 10 * 60  # a running import silent this long is taken over by a redelivered task


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def chunk_size() -> int:
    return max(1, int(getattr(settings, "IMPORT_CHUNK_SIZE", DEFAULT_CHUNK_SIZE)))
