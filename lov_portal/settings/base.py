"""Settings shared by every environment, read from the environment (12-factor).

Environment variables (all optional in development):
    DATABASE_URL   postgres://user@host:5432/db; default: SQLite file db.sqlite3
    REDIS_URL      redis://host:6379/0; absent: Celery runs tasks eagerly in-process
    SECRET_KEY     required when DEBUG is off
    ALLOWED_HOSTS  comma separated
    EMAIL_URL      smtp://user:pass@host:587; default: console backend
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "rules",
    # Shared core
    "lov_portal.core",
    "lov_portal.accounts",
    "lov_portal.audit",
    # Domain apps
    "providers",
    "catalog",
    "assessments",
    "billing",
    "followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lov_portal.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Deny by default: every view needs a login unless marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "lov_portal.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lov_portal.urls"
WSGI_APPLICATION = "lov_portal.wsgi.application"
ASGI_APPLICATION = "lov_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lov_portal.core.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept between requests and between a Celery worker's tasks (a new connection
# is a new PostgreSQL backend that reads its catalogue again: an invoice run's 200 tasks took
# a quarter longer when each opened its own). Checked before reuse, so a restarted database
# costs one reconnect, not an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, login, sessions ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "rules.permissions.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:start"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end after 30 minutes without activity.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login form posts the e-mail address in the field Django calls "username".
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "lov_portal.core.http.client_ip"
# Reverse proxies in front of the portal that append to X-Forwarded-For (0: none, use the
# connection's address). The audit log and the lockout both use lov_portal.core.http.client_ip.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Second factor (TOTP). When required, staff without a confirmed device must set one up.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "LOV-portalen"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads live outside the web root and are never served by URL directly: a view that checks
# permissions streams them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "uploads")
# No URL pattern and no web server serves this prefix; it exists because Django's test live
# server requires a MEDIA_URL.
MEDIA_URL = "/_no_direct_file_access/"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# No broker configured: run tasks in-process, so a newcomer needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes a worker's database connections before and after every task
# unless told to reuse them; lov_portal/celery.py closes them as Django would instead
# (CONN_MAX_AGE, health checks). The fixup then recycles a connection after this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "audit-purge-expired": {
        "task": "lov_portal.audit.tasks.purge_expired_audit_events",
        "schedule": 24 * 60 * 60,
    },
    "providers-expiry-reminders": {
        "task": "providers.tasks.send_expiry_reminders",
        "schedule": 24 * 60 * 60,
    },
    "followup-overdue-plan-reminders": {
        "task": "followup.tasks.send_overdue_plan_reminders",
        "schedule": 24 * 60 * 60,
    },
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail -------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Days from a change of provider until the old order ends (the new one starts the day after).
CHANGE_OF_PROVIDER_DAYS = env.int("CHANGE_OF_PROVIDER_DAYS", default=14)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="LOV-portalen <noreply@lov-portalen.local>")

# --- Audit log ----------------------------------------------------------------------------
# Audit events older than this are purged by a daily task; nothing else ever deletes one.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=5 * 365)

# --- Forms and UI -------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DEMO_PASSWORDS_ALLOWED = False

# --- Security headers good in every environment -------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each rendering step at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# The visit index includes non-key columns for PostgreSQL's index-only scans (ADR 0008,
# "Speed"); SQLite, the newcomer default, ignores them, which is harmless.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
