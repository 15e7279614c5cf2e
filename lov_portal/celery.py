"""Celery app. Without REDIS_URL the settings make tasks run eagerly in-process."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lov_portal.settings.dev")

app = Celery("lov_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="lov_portal.ping", acks_late=True)
def ping() -> str:
    """Round trip through the broker (the real-worker test uses it)."""
    return "pong"


@app.task(name="lov_portal.database_backend", acks_late=True)
def database_backend() -> int:
    """The process id of the database backend serving this worker (PostgreSQL; 0 elsewhere).
    The real-worker test checks that a worker keeps its connection from task to task."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender, **kwargs) -> None:
    """A worker's database connection lives as Django's own do between requests: kept for
    CONN_MAX_AGE and checked before reuse (CONN_HEALTH_CHECKS), closed when broken. Celery's
    Django fixup would close it around every task (a new PostgreSQL backend per task, which
    cost an invoice run of 200 providers about a fifth of its time); CELERY_DB_REUSE_MAX in the
    settings keeps the fixup from doing so. Eager tasks run inside the caller's transaction
    and are left alone."""
    if getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
