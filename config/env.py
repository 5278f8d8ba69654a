"""Environment parsing that fails loudly: a bad value stops startup with a message that names it."""

from __future__ import annotations

import base64
import hashlib
import warnings
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}

# PRAGMAs measured in DEPENDENCIES.md §2: with WAL, IMMEDIATE transactions and a busy timeout, the web
# process and the django-q2 worker share one SQLite file without "database is locked".
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;",
}


def read_dotenv(base_dir: Path) -> None:
    """Load `.env` when present; variables already in the environment win."""
    dotenv = base_dir / ".env"
    if dotenv.is_file():
        environ.Env.read_env(str(dotenv), overwrite=False)


def database_from_url(url: str) -> dict[str, Any]:
    """Return a DATABASES entry for `url`, or raise ImproperlyConfigured saying what is wrong with it."""
    shown = _redact_password(url)
    try:
        with warnings.catch_warnings():
            # django-environ only warns about an unknown scheme; we raise a clearer error below.
            warnings.simplefilter("ignore", UserWarning)
            config = env.db_url_config(url)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL {shown!r} is not a valid database URL: {exc}") from exc
    engine = config.get("ENGINE", "")
    if engine not in SUPPORTED_DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL {shown!r} names an unsupported database. "
            "Use sqlite:///path/to/db.sqlite3 or postgres://user:password@host:5432/name."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL {shown!r} does not name a database (the path after the host)."
        )
    if engine.endswith("sqlite3"):
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


def fernet_keys(raw: str, *, fallback_secret: str | None) -> list[str]:
    """Return the Fernet keys in `raw` (comma-separated, newest first), validated.

    With no key configured and a fallback secret (development only), derive one from it so a fresh
    checkout runs; production must set FIELD_ENCRYPTION_KEY so rotating SECRET_KEY never makes stored
    tokens unreadable.
    """
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        if fallback_secret is None:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY is required when DEBUG is off. Generate one with: "
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            )
        digest = hashlib.sha256(f"recruitdesk-dev-field-key:{fallback_secret}".encode()).digest()
        return [base64.urlsafe_b64encode(digest).decode()]
    for position, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY key #{position} is not url-safe base64."
            ) from exc
        if len(decoded) != 32:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY key #{position} must decode to 32 bytes (a Fernet key), not {len(decoded)}."
            )
    return keys


def _redact_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
