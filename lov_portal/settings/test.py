"""Tests: the same settings as development, fast password hashing, mail kept in memory."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-key"
DEMO_PASSWORDS_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test closes its connections: a connection kept open by a live server's thread would
# keep the test database from being dropped. (A real worker started by a test may keep its
# own: CONN_MAX_AGE in its environment.)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Tests run tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Static files come straight from the apps and static/ (no collectstatic needed).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# One cache per test process: with a shared Redis, parallel test databases would share cached
# catalogue pages. Production uses Redis (base settings) when REDIS_URL is set.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
