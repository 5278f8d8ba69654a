"""Recruitdesk settings: one module, every value from the environment (see README "Configuration").

Bad values stop startup with ImproperlyConfigured instead of being guessed around.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env, fernet_keys, read_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
read_dotenv(BASE_DIR)

# --------------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-recruitdesk-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is required when DEBUG is off (set it in the environment or .env)."
    )
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # cron schedules and stored timestamps are UTC; pages format for the user
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------------------------------
# Applications and middleware
# --------------------------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_q",
    "template_partials",
]
LOCAL_APPS = [
    "apps.core",
    "apps.accounts",
    "apps.integrations",
    "apps.jobs",
    "apps.candidates",
    "apps.scoring",
    "apps.dashboard",
    "apps.lever_sandbox",
    "apps.imports",
    "apps.automation",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.security.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.CurrentWorkspaceMiddleware",
]

# --------------------------------------------------------------------------------------------------
# Database: SQLite file by default (tuned for web + worker), PostgreSQL when DATABASE_URL says so
# --------------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}

# --------------------------------------------------------------------------------------------------
# Cache: shared across processes (django-q2 reads cluster heartbeats from it)
# --------------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default=REDIS_URL or f"filecache://{BASE_DIR / '.cache' / 'django'}",
    )
}
# Sessions are read from the cache when it is Redis (in memory, shared by every process) and written
# through to the database, so a restart or a flushed cache logs nobody out: one query less on every
# request. With the file cache, reading a session file costs more than the query it would save.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else "django.contrib.sessions.backends.db"
)

# --------------------------------------------------------------------------------------------------
# Authentication: email login through django-allauth
# --------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:index"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = None
# Self-hosted teams usually invite people rather than open the doors; switch signup on when wanted.
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=DEBUG)
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be one of: none, optional, mandatory.")

# --------------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,  # template_partials swaps this for its own (cached) loader chain
        "OPTIONS": {
            # {% partialdef %} everywhere without {% load %}, as it will be once Django 6 builds it in.
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.workspace",
                "apps.integrations.context_processors.integration_alerts",
            ],
        },
    }
]

# --------------------------------------------------------------------------------------------------
# Static files and uploads
# --------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --------------------------------------------------------------------------------------------------
# Email: console in development, SMTP (EMAIL_URL) in production
# --------------------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Recruitdesk <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --------------------------------------------------------------------------------------------------
# Security (manage.py check --deploy is clean with DEBUG off)
# --------------------------------------------------------------------------------------------------
FIELD_ENCRYPTION_KEYS = fernet_keys(
    env.str("FIELD_ENCRYPTION_KEY", default=""), fallback_secret=SECRET_KEY if DEBUG else None
)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# HSTS only makes sense once every request is HTTPS: a year by default when SSL redirect is on.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # the PDF preview sets its own SAMEORIGIN
# Content-Security-Policy: apps.core.security.ContentSecurityPolicyMiddleware (scripts from 'self' only).
# Failed logins: 5 per 5 minutes per IP and per account (django-allauth answers 429 beyond that).
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
# The client's address, which the per-address login limit keys on. Behind N reverse proxies that each
# append to X-Forwarded-For it is the Nth entry from the right; with 0 (no proxy) it is REMOTE_ADDR,
# which behind a proxy is the proxy's: every user would share one limit. A proxy that sets a header of
# its own (e.g. CF-Connecting-IP, X-Real-IP) can be named instead.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading is an irreversible commitment for the whole domain: operators opt in explicitly.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --------------------------------------------------------------------------------------------------
# Background work: django-q2 on the ORM broker, or Redis when REDIS_URL is set
# --------------------------------------------------------------------------------------------------
Q_TASK_TIMEOUT = env.int("Q_TIMEOUT", default=1800)  # a full sync of a large account runs long
Q_CLUSTER = {
    "name": "recruitdesk",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": Q_TASK_TIMEOUT,
    "retry": Q_TASK_TIMEOUT + 300,  # must exceed timeout, or the broker re-delivers running tasks
    "max_attempts": 3,
    "catch_up": False,  # never replay every missed slot after downtime
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Background tasks",
    **({"redis": REDIS_URL} if REDIS_URL else {"orm": "default", "poll": 1}),
}
# When a worker dies (kill -9, a lost host), its work is taken over after these many seconds of silence:
# a sync run whose heartbeat is this old is resumed from its checkpoint (apps.integrations.sync_runs), a
# write-back claimed this long ago is checked in Lever and sent at most once more (apps.integrations.outbox).
# Keep both well above the longest pause of a live worker (it beats every few seconds).
SYNC_STALE_AFTER = env.int("SYNC_STALE_AFTER", default=300)
WRITEBACK_LEASE = env.int("WRITEBACK_LEASE", default=300)
if SYNC_STALE_AFTER < 10 or WRITEBACK_LEASE < 10:
    raise ImproperlyConfigured("SYNC_STALE_AFTER and WRITEBACK_LEASE must be at least 10 seconds.")

# --------------------------------------------------------------------------------------------------
# Logging: one line per event on stderr; never log secrets or candidate PII
# --------------------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --------------------------------------------------------------------------------------------------
# Lever (OAuth partner credentials; API-key connections need none of these)
# --------------------------------------------------------------------------------------------------
LEVER_CLIENT_ID = env.str("LEVER_CLIENT_ID", default="")
LEVER_CLIENT_SECRET = env.str("LEVER_CLIENT_SECRET", default="")
LEVER_REDIRECT_URI = env.str("LEVER_REDIRECT_URI", default="")
# Lever's sandbox has its own OAuth app; so may a staff-only custom base URL (the built-in sandbox
# prints its client). Empty means: use LEVER_CLIENT_ID / LEVER_CLIENT_SECRET.
LEVER_SANDBOX_CLIENT_ID = env.str("LEVER_SANDBOX_CLIENT_ID", default="")
LEVER_SANDBOX_CLIENT_SECRET = env.str("LEVER_SANDBOX_CLIENT_SECRET", default="")
LEVER_CUSTOM_CLIENT_ID = env.str("LEVER_CUSTOM_CLIENT_ID", default="")
LEVER_CUSTOM_CLIENT_SECRET = env.str("LEVER_CUSTOM_CLIENT_SECRET", default="")
# Where Lever reaches this site (webhook URLs, OAuth callbacks) when no request is at hand.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Webhook deliveries older than this (by Lever's triggeredAt) are refused as stale or replayed.
LEVER_WEBHOOK_MAX_AGE = env.int("LEVER_WEBHOOK_MAX_AGE", default=15 * 60)
# Client-side request budget per credential, shared by all workers (Lever allows ~10/s, bursts of 20).
LEVER_RATE_LIMIT = env.float("LEVER_RATE_LIMIT", default=10.0)
LEVER_RATE_BURST = env.int("LEVER_RATE_BURST", default=20)
if LEVER_RATE_LIMIT <= 0 or LEVER_RATE_BURST < 1:
    raise ImproperlyConfigured("LEVER_RATE_LIMIT must be > 0 and LEVER_RATE_BURST at least 1.")
# Resumes and files bigger than this are not mirrored (a download is held in memory whole): the
# profile links to Lever for them. 30 MB is Lever's own limit on uploads.
LEVER_FILE_MAX_BYTES = env.int("LEVER_FILE_MAX_BYTES", default=30 * 1024 * 1024)

# --------------------------------------------------------------------------------------------------
# Scoring: tier cut-offs (lowest score of Tier 1, 2 and 3) and rescoring chunk size
# --------------------------------------------------------------------------------------------------
try:
    SCORING_TIER_CUTOFFS = env.list("SCORING_TIER_CUTOFFS", cast=float, default=[75.0, 60.0, 45.0])
except ValueError:
    SCORING_TIER_CUTOFFS = []
if (
    len(SCORING_TIER_CUTOFFS) != 3
    or max(SCORING_TIER_CUTOFFS) > 100
    or not (SCORING_TIER_CUTOFFS[0] > SCORING_TIER_CUTOFFS[1] > SCORING_TIER_CUTOFFS[2] >= 0)
):
    raise ImproperlyConfigured(
        "SCORING_TIER_CUTOFFS must be three falling scores from 100 to 0, e.g. 75,60,45."
    )
# Applications scored per background task and per bulk write; a version bump re-enqueues chunk by chunk.
SCORING_CHUNK_SIZE = env.int("SCORING_CHUNK_SIZE", default=500)
