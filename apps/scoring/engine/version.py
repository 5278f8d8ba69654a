"""The engine's version: bump it whenever a change can move a score, so every score is recomputed."""

from __future__ import annotations

ENGINE_VERSION = "2025.1"
