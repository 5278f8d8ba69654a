"""Seeded randomness, deterministic ids and the reference clock every generated timestamp hangs off."""

from __future__ import annotations

import random
import re
import unicodedata
import uuid

DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000
# 2025-01-01T00:00:00Z. Seeds shift it by whole days so datasets differ but stay in the past.
_EPOCH_BASE = 1_735_689_600_000

WEB_BASE = "https://hire.lever-sandbox.example"
JOBS_BASE = "https://jobs.lever-sandbox.example"

# Letters NFKD cannot split into base + accent.
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "ð": "d",
    }
)


def reference_epoch(seed: int) -> int:
    """Return the dataset's "now" in epoch ms: fixed for a seed, never the wall clock."""
    return _EPOCH_BASE + (seed % 300) * DAY


def rng_for(seed: int, *parts: object) -> random.Random:
    """Return a generator for one object; string seeds hash the same in every process."""
    return random.Random(f"{seed}:" + ":".join(str(p) for p in parts))


def new_uuid(rng: random.Random) -> str:
    """Return a version-4 UUID string drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ascii_fold(text: str) -> str:
    """Return ``text`` without accents (``Żółć`` → ``Zolc``), for emails, usernames and slugs."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug with dashes."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def handle(text: str) -> str:
    """Return a lowercase ASCII handle without separators (for email local parts)."""
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def weighted(rng: random.Random, options: dict[str, float]) -> str:
    """Pick a key of ``options`` with probability proportional to its value."""
    return rng.choices(tuple(options), weights=tuple(options.values()))[0]


def year_month(ms: int) -> tuple[int, int]:
    """Return (year, month) of an epoch-ms timestamp, without time zones (UTC)."""
    days = ms // DAY
    # Civil-from-days (Howard Hinnant), avoiding datetime so the generator stays allocation-light.
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if month <= 2 else 0), month
