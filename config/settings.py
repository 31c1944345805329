"""Settings for the flow automation back office.

Every setting that differs between machines comes from the environment, here and
nowhere else. With no environment at all the project runs on embedded defaults
(SQLite, an in-process Redis stand-in, an in-memory channel layer and the dev
outbox provider) so that `make run` works on a fresh machine; `DATABASE_URL`
and `REDIS_URL` switch it to PostgreSQL and a real Redis.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or "pytest" in sys.modules):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Production).")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
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
    "django_rq",
    "channels",
    "anymail",
    "phonenumber_field",
    "health_check",
    "django_prometheus",
    "contacts",
    "flows",
    "automation",
    "monitoring",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.api.limits.BodySizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database ---------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database is shared by the web server and the in-process worker
    # threads: wait for the write lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME", str(BASE_DIR / "test-db.sqlite3"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, queues and channel layers ----------------------------------------
# Without REDIS_URL the project uses an embedded Redis: fakeredis' TCP server,
# started inside the process that needs it (`manage.py runstack`, the test
# suite). Everything else talks to it exactly as it would to a real Redis.
EMBEDDED_REDIS = not env("REDIS_URL")
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 6390)
REDIS_URL = env("REDIS_URL") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"

RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": env_int("RQ_DEFAULT_TIMEOUT", 300)},
}
RQ_SHOW_ADMIN_LINK = True
# What ``manage.py rqworker`` runs unless given --worker-class: jobs in the worker
# process itself (RQ's default forking Worker pays a fork() and a new PostgreSQL
# connection per job, and a step takes milliseconds), outliving a Redis restart
# (automation.worker.EngineWorker). A job still gets its timeout (SIGALRM in the main thread).
RQ = {"WORKER_CLASS": env("RQ_WORKER_CLASS", "automation.worker.EngineWorker")}

if EMBEDDED_REDIS:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }

# --- Auth, i18n, static files --------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Static files are served by WhiteNoise straight from the apps' folders, so the
# server works without a collectstatic step (production may still collect them).
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security (production-safe when DEBUG is off) -----------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS-only settings are switched on by HTTPS=1 (behind a TLS-terminating proxy),
# as the README explains; plain-HTTP development keeps them off.
if env_bool("HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# --- Phone numbers ---------------------------------------------------------------
PHONENUMBER_DEFAULT_REGION = env("PHONENUMBER_DEFAULT_REGION", "US")
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# --- REST framework ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies only (the CSV import takes multipart): one shape of input, one shape of errors.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    # Scoped throttles apply to views that name a ``throttle_scope`` (auth, send, events).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("API_THROTTLE_AUTH", "20/min"),
        "send": env("API_THROTTLE_SEND", "60/min"),
        "events": env("API_THROTTLE_EVENTS", "600/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Largest JSON body the API accepts (413 above it); the CSV import has its own limit.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
CONTACT_IMPORT_MAX_BYTES = env_int("CONTACT_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Flow automation back office API",
    "DESCRIPTION": "Workspaces, contacts, flows, executions, events, dead letters, alerts and analytics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "FlowStatusEnum": "flows.models.Flow.Status",
        "ExecutionStatusEnum": "automation.models.Execution.Status",
        "StepStatusEnum": "automation.models.Step.Status",
        "DeadLetterStatusEnum": "automation.models.DeadLetter.Status",
    },
}

# --- Messaging providers -----------------------------------------------------
# With no credentials every channel goes to the dev outbox, which records the
# message instead of sending it. Workspaces may carry credentials of their own.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")
TWILIO_WHATSAPP_FROM = env("TWILIO_WHATSAPP_FROM")
# Only for pointing the real SDK at a local stand-in of Twilio's API (tests, benchmarks).
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL")
TWILIO_TIMEOUT = float(env("TWILIO_TIMEOUT", "15"))
# Seconds after a send's claim when no request of it can still be in flight or being
# processed: an attempt that finds an unconfirmed claim that old asks the provider
# whether the message exists before sending (automation.providers.guarded).
SEND_OUTCOME_SETTLE = env_int("SEND_OUTCOME_SETTLE", int(TWILIO_TIMEOUT) + 45)
# The public URL providers call back (status callbacks are built from it, and
# Twilio signatures are checked against it, so it must be what Twilio sees).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://localhost:8000")
MESSAGING_HELP_REPLY = env(
    "MESSAGING_HELP_REPLY", "Reply STOP to unsubscribe, START to subscribe again. Msg & data rates may apply."
)
# Fernet keys (comma-separated, newest first) encrypting workspace provider
# secrets at rest; without them a key is derived from SECRET_KEY.
PROVIDER_SECRET_KEYS = env_list("PROVIDER_SECRET_KEYS")

# The ESP used for flow emails when a workspace has no account of its own:
# postmark, sendgrid, mailgun or resend, with its key in the ANYMAIL settings below.
EMAIL_ESP = env("EMAIL_ESP")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    f"anymail.backends.{EMAIL_ESP}.EmailBackend" if EMAIL_ESP else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "flows@example.com")
ANYMAIL = {
    key: value
    for key, value in {
        "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN"),
        "POSTMARK_API_URL": env("POSTMARK_API_URL"),
        "SENDGRID_API_KEY": env("SENDGRID_API_KEY"),
        "SENDGRID_API_URL": env("SENDGRID_API_URL"),
        "MAILGUN_API_KEY": env("MAILGUN_API_KEY"),
        "MAILGUN_API_URL": env("MAILGUN_API_URL"),
        "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN"),
        "RESEND_API_KEY": env("RESEND_API_KEY"),
        "RESEND_API_URL": env("RESEND_API_URL"),
        "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET"),
    }.items()
    if value
}

# --- Outbound calls to user-supplied URLs (webhook nodes, alert webhooks) ------
# Off by default: such URLs may not reach private, loopback, link-local (cloud
# metadata), multicast, reserved or unspecified addresses (outbound.policy).
# OUTBOUND_ALLOWED_NETWORKS lets a few networks through (comma-separated CIDRs).
OUTBOUND_ALLOW_PRIVATE_NETWORKS = env_bool("OUTBOUND_ALLOW_PRIVATE_NETWORKS", default=False)
OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network(network, strict=False)
                             for network in env_list("OUTBOUND_ALLOWED_NETWORKS")]

# --- Execution engine ------------------------------------------------------------
# Retries of transient failures, by node type ("default" for the rest): attempts in
# all (the first included), first backoff and cap in seconds, and the jitter share.
ENGINE_RETRY = {
    "default": {
        "max_attempts": env_int("ENGINE_RETRY_MAX_ATTEMPTS", 3),
        "backoff": env_int("ENGINE_RETRY_BACKOFF", 30),
        "max_backoff": env_int("ENGINE_RETRY_MAX_BACKOFF", 3600),
        "jitter": 0.25,
    },
    "webhook": {"max_attempts": env_int("ENGINE_WEBHOOK_MAX_ATTEMPTS", 5)},
}
# The reconciler re-enqueues steps overdue by more than this grace period, and steps
# left ``running`` for longer than the stall timeout (a killed worker).
ENGINE_OVERDUE_GRACE = env_int("ENGINE_OVERDUE_GRACE", 60)
ENGINE_STALL_TIMEOUT = env_int("ENGINE_STALL_TIMEOUT", 2 * env_int("RQ_DEFAULT_TIMEOUT", 300))
ENGINE_QUEUE = env("ENGINE_QUEUE", "default")
# Channel -> dotted path of a Provider class that replaces the configured one.
MESSAGE_PROVIDERS: dict[str, str] = {}
# Estimated price per message (per SMS segment), for test-mode cost estimates.
MESSAGE_PRICES = {
    "sms": env("PRICE_SMS", "0.0079"),
    "mms": env("PRICE_MMS", "0.0200"),
    "whatsapp": env("PRICE_WHATSAPP", "0.0050"),
    "email": env("PRICE_EMAIL", "0.0004"),
    "voice": env("PRICE_VOICE", "0.0140"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "rq.worker": {"level": env("RQ_LOG_LEVEL", "INFO")},
                # The SDK logs every request's headers at INFO.
                "twilio.http_client": {"level": "WARNING"}},
}
