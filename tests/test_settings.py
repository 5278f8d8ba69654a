"""Settings fail loudly on bad values and pick the right database and broker.

Settings are read once at import, so the end-to-end checks run `manage.py` in a fresh process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import SQLITE_OPTIONS, database_from_url, fernet_keys

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_LIKE = {
    "DEBUG": "False",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "recruitdesk.example.com",
}


def run_manage(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- DATABASE_URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("bogus", "unsupported database"),
        ("mysql://root@localhost/recruitdesk", "unsupported database"),
        ("postgres://user@db.example.com:5432", "does not name a database"),
        ("postgres://user@db.example.com:notaport/x", "not a valid database URL"),
    ],
)
def test_bad_database_url_is_rejected_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_database_url_password_is_never_echoed():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        database_from_url("mysql://app:s3cret-pw@db.example.com/recruitdesk")
    assert "s3cret-pw" not in str(excinfo.value)


def test_sqlite_is_tuned_for_web_and_worker_sharing_the_file(tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert config["OPTIONS"] == SQLITE_OPTIONS
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgres_url_gives_a_postgresql_backend():
    config = database_from_url("postgres://app:pw@db.example.com:5432/recruitdesk")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("recruitdesk", "db.example.com", 5432)
    assert "OPTIONS" not in config or "transaction_mode" not in config["OPTIONS"]


def test_startup_stops_on_a_bad_database_url():
    result = run_manage("check", env={"DEBUG": "True", "DATABASE_URL": "bogus"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL 'bogus' names an unsupported database" in result.stderr


def test_sqlite_file_really_runs_in_wal_mode(tmp_path):
    db = tmp_path / "wal.sqlite3"
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    result = run_manage(
        "shell", "-v", "0", "-c", code, env={"DEBUG": "True", "DATABASE_URL": f"sqlite:///{db}"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


# -- Secrets and production ------------------------------------------------------------------------


def test_secret_key_is_required_when_debug_is_off():
    result = run_manage("check", env={**PRODUCTION_LIKE, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_field_encryption_key_is_required_when_debug_is_off():
    result = run_manage("check", env={**PRODUCTION_LIKE, "FIELD_ENCRYPTION_KEY": ""})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_with_a_production_like_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_LIKE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("raw", ["not-a-key", "c2hvcnQ="])
def test_malformed_field_encryption_keys_are_rejected(raw):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY key #1"):
        fernet_keys(raw, fallback_secret=None)


def test_field_encryption_keys_keep_their_order_for_rotation():
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert fernet_keys(f"{new}, {old}", fallback_secret=None) == [new, old]


def test_development_derives_a_stable_field_key_from_the_secret_key():
    assert fernet_keys("", fallback_secret="dev") == fernet_keys("", fallback_secret="dev")
    assert fernet_keys("", fallback_secret="dev") != fernet_keys("", fallback_secret="other")


# -- django-q2 broker --------------------------------------------------------------------------------

BROKER = "from django.conf import settings; q = settings.Q_CLUSTER; print(q.get('orm'), q.get('redis'), q['retry'] > q['timeout'], q['catch_up'])"


def test_django_q_uses_the_orm_broker_by_default():
    result = run_manage("shell", "-v", "0", "-c", BROKER, env={"DEBUG": "True", "REDIS_URL": ""})
    assert result.stdout.split() == ["default", "None", "True", "False"], result.stderr


def test_django_q_switches_to_redis_when_redis_url_is_set():
    result = run_manage(
        "shell", "-v", "0", "-c", BROKER, env={"DEBUG": "True", "REDIS_URL": "redis://127.0.0.1:6379/5"}
    )
    assert result.stdout.split() == ["None", "redis://127.0.0.1:6379/5", "True", "False"], result.stderr


SESSIONS = "from django.conf import settings; print(settings.SESSION_ENGINE.rsplit('.', 1)[1])"


def test_sessions_are_read_from_redis_and_written_through_when_redis_is_the_cache():
    result = run_manage(
        "shell", "-v", "0", "-c", SESSIONS, env={"DEBUG": "True", "REDIS_URL": "redis://127.0.0.1:6379/5"}
    )
    assert result.stdout.split() == ["cached_db"], result.stderr


def test_sessions_stay_in_the_database_with_the_file_cache():
    result = run_manage("shell", "-v", "0", "-c", SESSIONS, env={"DEBUG": "True", "REDIS_URL": ""})
    assert result.stdout.split() == ["db"], result.stderr


# -- Scoring ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cutoffs", ["80,x,40", "60,75,45", "101,60,45", "75,60"])
def test_bad_scoring_tier_cutoffs_stop_startup(cutoffs):
    result = run_manage("check", env={"DEBUG": "True", "SCORING_TIER_CUTOFFS": cutoffs})
    assert result.returncode != 0
    assert "SCORING_TIER_CUTOFFS must be three falling scores" in result.stderr
