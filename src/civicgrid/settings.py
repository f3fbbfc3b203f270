"""The one settings module. Everything that differs between machines comes from the environment.

Environment variables (see docs/deploy.md):
    DEBUG              "1"/"true" for development; default off.
    SECRET_KEY         required when DEBUG is off.
    ALLOWED_HOSTS      comma-separated; default "127.0.0.1,localhost" (with DEBUG) or nothing.
    DATABASE_URL       e.g. postgres://user@host:5432/civicgrid; default SQLite in CIVICGRID_DATA_DIR.
    CIVICGRID_DATA_DIR where the SQLite file and uploaded files live (outside the code tree); default ./var
    CIVICGRID_MAP_TILE_URL  optional tile layer URL template for the maps (no tiles when empty).
    CIVICGRID_SHARED_DATA   folder with the real datasets (../shared/data in the development checkout).
    CIVICGRID_TOTP_REQUIRED  "1": staff of the TOTP roles must set up a second factor before they get in; default on
                       unless DEBUG (see docs/decisions.md). Staff who have set one up are always asked for a code.
    CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT, LOG_LEVEL, REDIS_URL (optional cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"environment variable {name}={raw!r} is not a yes/no value (use 1/0, true/false)")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"environment variable {name}={raw!r} is not a whole number") from None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "civicgrid-development-only-key-never-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY is not set: set SECRET_KEY (50+ random characters) or DEBUG=1 for development")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(os.environ.get("CIVICGRID_DATA_DIR") or Path.cwd() / "var").resolve()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_URL = "/static/"

# The real datasets (../shared/data beside the development checkout). Optional: the product ships a sample.
SHARED_DATA_DIR = Path(os.environ.get("CIVICGRID_SHARED_DATA") or PACKAGE_DIR.parents[2] / "shared" / "data")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "civicgrid.core",
    "civicgrid.geo",
    "civicgrid.people",
    "civicgrid.cases",
    "civicgrid.registry",
    "civicgrid.open311",
    "civicgrid.web",
    "civicgrid.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicgrid.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.people.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicgrid.web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"
ASGI_APPLICATION = "civicgrid.asgi.application"

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
                "civicgrid.web.context_processors.site",
            ],
        },
    },
]


def _database_from_env() -> dict:
    default_sqlite = f"sqlite:///{DATA_DIR / 'civicgrid.sqlite3'}"
    url = os.environ.get("DATABASE_URL") or default_sqlite
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    except Exception as exc:  # dj-database-url raises plain ValueErrors / UnknownSchemeError
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand ({exc})") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions + a busy timeout: concurrent writers wait instead of failing.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                            "PRAGMA cache_size=-65536;",  # 64 MB of page cache (default 2 MB)
        }
        name = str(config["NAME"])
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    elif config["ENGINE"] not in ("django.db.backends.postgresql",):
        raise ImproperlyConfigured(f"DATABASE_URL uses {config['ENGINE']}: civicgrid supports SQLite and PostgreSQL")
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "civicgrid.people.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "civicgrid.people.validators.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]

AUTHENTICATION_BACKENDS = ["civicgrid.people.auth.LockoutBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)

# Second factor (TOTP, RFC 6238) for people.roles.TOTP_ROLES. Required (enrolment before anything else) by default in
# production; with DEBUG (the demo, a developer's machine) staff who have not set one up are only reminded to.
TOTP_REQUIRED = env_bool("CIVICGRID_TOTP_REQUIRED", not DEBUG)
TOTP_ISSUER = os.environ.get("CIVICGRID_TOTP_ISSUER", "civicgrid")  # the name the authenticator app shows
TOTP_STEP_SECONDS = 30  # RFC 6238's default, the one every authenticator app uses
TOTP_PENDING_SECONDS = 300  # between the password and the code

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Staff sessions end after 30 idle minutes (SECURITY.md).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Background work (deadline sweep, escalation): huey. Embedded default: a SQLite file beside the database, no server;
# with REDIS_URL: Redis. Either way the consumer is `civicgrid run_huey` (./dev start runs it beside the web server).
HUEY = {
    "name": "civicgrid",
    "immediate": env_bool("CIVICGRID_TASKS_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": env_int("CIVICGRID_TASK_WORKERS", 2), "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "connection": {"url": REDIS_URL}})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})

# Notifications: every backend gets every message (see civicgrid.core.notifications).
NOTIFICATION_BACKENDS = env_list("NOTIFICATION_BACKENDS", [
    "civicgrid.core.notifications.InboxBackend",
    "civicgrid.core.notifications.LoggingSMSBackend",
    "civicgrid.core.notifications.LoggingWeChatBackend",
])

# Cases: yellow warning after this share of a stage's time; automatic supervision this long after a deadline passed.
CASE_WARNING_SHARE = float(os.environ.get("CASE_WARNING_SHARE", "0.8"))
CASE_AUTO_SUPERVISION_MINUTES = env_int("CASE_AUTO_SUPERVISION_MINUTES", 1440)
CASE_MAX_UPLOAD_BYTES = env_int("CASE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Base data imports: the uploaded files are kept (outside the code tree) until their job is done, for resuming.
REGISTRY_IMPORT_DIR = Path(os.environ.get("REGISTRY_IMPORT_DIR") or DATA_DIR / "imports")
REGISTRY_IMPORT_MAX_BYTES = env_int("REGISTRY_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
REGISTRY_IMPORT_MAX_ROWS = env_int("REGISTRY_IMPORT_MAX_ROWS", 2_000_000)
CASE_TICKET_PREFIX = os.environ.get("CASE_TICKET_PREFIX", "CG")

# Open311 GeoReport v2: POSTs per minute per address and per key (0: no limit); the jurisdiction id, if any.
OPEN311_POSTS_PER_MINUTE = env_int("OPEN311_POSTS_PER_MINUTE", 30)
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "civicgrid API",
    "DESCRIPTION": "Region tree, people and cases of a civicgrid deployment: intake, the closed loop's steps as "
                   "actions, the taxonomy. Open311 GeoReport v2 is served separately at /open311/v2/.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Maps: no tile server unless configured (government networks run their own).
MAP_TILE_URL = os.environ.get("CIVICGRID_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("CIVICGRID_MAP_TILE_ATTRIBUTION", "")
# Point -> grid: a point on no grid is given the nearest grid within this distance (metres).
GEO_NEAREST_GRID_METRES = env_int("CIVICGRID_NEAREST_GRID_METRES", 200)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
