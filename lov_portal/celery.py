"""Celery app. Without REDIS_URL the settings make tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lov_portal.settings.dev")

app = Celery("lov_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="lov_portal.ping", acks_late=True)
def ping() -> str:
    """Round trip through the broker (the real-worker test uses it)."""
    return "pong"
