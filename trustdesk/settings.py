"""Django settings for trustdesk, read from environment variables (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from trustdesk.envconfig import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TRUSTDESK_VAR_DIR", str(BASE_DIR / "var")))

# Placeholders are fine for a laptop and refused anywhere else: see check_production_secrets below.
PLACEHOLDER_SECRET = "insecure-dev-only-secret-key-change-me"  # noqa: S105
PLACEHOLDER_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS0zMi1ieXRlcy1sb25nISE="  # base64 of a dev-only key
PLACEHOLDER_INDEX_KEY = "dev-only-pii-index-key"

DEBUG = env_bool("TRUSTDESK_DEBUG", False)
SECRET_KEY = env_secret("TRUSTDESK_SECRET_KEY", PLACEHOLDER_SECRET)
PII_KEYS = env_list("TRUSTDESK_PII_KEYS") or [env_secret("TRUSTDESK_PII_KEY", PLACEHOLDER_PII_KEY)]
PII_INDEX_KEY = env_secret("TRUSTDESK_PII_INDEX_KEY", PLACEHOLDER_INDEX_KEY)
TESTING = env_bool("TRUSTDESK_TESTING", False)


def check_production_secrets() -> None:
    if DEBUG or TESTING:
        return
    if SECRET_KEY == PLACEHOLDER_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "TRUSTDESK_SECRET_KEY is the placeholder or shorter than 32 characters: "
            "set a random secret, or TRUSTDESK_DEBUG=true on a development machine."
        )
    if PLACEHOLDER_PII_KEY in PII_KEYS:
        raise ImproperlyConfigured(
            "TRUSTDESK_PII_KEY is the placeholder: generate one with "
            "`trustdesk pii newkey` and keep it outside the database backups."
        )
    if PII_INDEX_KEY == PLACEHOLDER_INDEX_KEY:
        raise ImproperlyConfigured("TRUSTDESK_PII_INDEX_KEY is the placeholder: set a random secret.")


check_production_secrets()

ALLOWED_HOSTS = env_list("TRUSTDESK_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("TRUSTDESK_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "trustdesk.core",
    "trustdesk.accounts",
    "trustdesk.audit",
    "trustdesk.notifications",
    "trustdesk.merchants",
    "trustdesk.listings",
    "trustdesk.compliance",
    "trustdesk.orders",
    "trustdesk.aftersales",
    "trustdesk.quality",
    "trustdesk.risk",
    "trustdesk.console",
    "trustdesk.simulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trustdesk.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trustdesk.core.middleware.SecurityHeadersMiddleware",
]
# The REST API authenticates by bearer token and speaks JSON only: sessions, CSRF, logins, second
# factors, languages, messages, htmx and static files are the console's. The server hands /api/ to a
# handler with only these (trustdesk/wsgi.py), ≈ 0.1 ms less per request.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trustdesk.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "trustdesk.urls"
WSGI_APPLICATION = "trustdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trustdesk.console.navigation.navigation",
            ],
        },
    }
]

# One variable switches the store; SQLite in WAL mode is the embedded default.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'trustdesk.sqlite3'}")
# Connections are kept between requests on both stores: opening and closing one per request cost
# SQLite ≈ 2.7 ms (closing the last connection checkpoints the WAL), more than the request itself.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with write transactions of separate processes queued on a lock file
    # (trustdesk/core/sqlite/base.py says why).
    DATABASES["default"]["ENGINE"] = "trustdesk.core.sqlite"
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA mmap_size=268435456; PRAGMA cache_size=-32768; "
            # Writers copy the log into the database after their commits, once it holds ≈ 10,000
            # pages not copied yet (trustdesk/core/sqlite says why); SQLite's own copy, inside a
            # commit, only if that ever reaches 40,000.
            "PRAGMA wal_autocheckpoint=40000;"
        ),
        "timeout": 5,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("TRUSTDESK_TEST_SQLITE", "") or ":memory:"}
elif env_bool("DB_SERVER_SIDE_BINDING", True):
    # Parameters bound by the server, and statements run this often prepared once per connection:
    # parsing and planning the same ten statements for every opened request was half of PostgreSQL's
    # time on it (bench/bench_open_request.py: 7.8 -> 6.1 ms per open in-process). Turn off behind a
    # pooler in transaction mode, where a prepared statement can meet another connection.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# A Redis that does not answer holds a request this long at most (a connection refused costs nothing),
# then the API answers 503: without a bound, an unreachable host held every worker for the system's
# TCP timeout, minutes, and with them the whole API.
REDIS_TIMEOUT = env_int("TRUSTDESK_REDIS_TIMEOUT_MS", 2000) / 1000
REDIS_CONNECT_TIMEOUT = env_int("TRUSTDESK_REDIS_CONNECT_TIMEOUT_MS", 500) / 1000
# Parallel test workers share one Redis: each gets its own key prefix.
CACHE_KEY_PREFIX = env_str("TRUSTDESK_CACHE_PREFIX", "td") + env_str("PYTEST_XDIST_WORKER", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "trustdesk_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("TRUSTDESK_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)

LOGIN_FAILURE_LIMIT = env_int("TRUSTDESK_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("TRUSTDESK_LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_IP_FAILURE_LIMIT = env_int("TRUSTDESK_LOGIN_IP_FAILURE_LIMIT", 50)
STAFF_REQUIRE_2FA = env_bool("TRUSTDESK_STAFF_REQUIRE_2FA", True)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "trustdesk" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TRUSTDESK_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("TRUSTDESK_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("TRUSTDESK_MEDIA_ROOT", str(VAR_DIR / "media")))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("TRUSTDESK_SESSION_SECONDS", 8 * 3600)
SECURE_COOKIES = env_bool("TRUSTDESK_SECURE_COOKIES", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("TRUSTDESK_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUSTDESK_BEHIND_TLS_PROXY") else None
)

NINJA_PAGINATION_PER_PAGE = 50

# The decider (trustdesk/risk/decider.py): on SQLite `trustdesk serve` starts one and points its
# workers at it, and single events are decided several to a transaction. On PostgreSQL it measured
# slower than each worker deciding its own (docs/performance.md), so it is off there by default.
RISK_DECIDER = env_bool("TRUSTDESK_DECIDER", DATABASES["default"]["ENGINE"] == "trustdesk.core.sqlite")
RISK_DECIDER_SOCKET = env_str("TRUSTDESK_DECIDER_SOCKET")
# How long a worker waits for the decider's answer before deciding in-process.
RISK_DECIDER_TIMEOUT = env_int("TRUSTDESK_DECIDER_TIMEOUT_MS", 5000) / 1000

# Logs never carry PII: records name objects by id, and the audit log holds who did what.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TRUSTDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handler already prints request warnings; don't print them twice.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"level": "ERROR"},
    },
}
