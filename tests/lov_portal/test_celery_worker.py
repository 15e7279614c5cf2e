"""A real Celery worker, started as a process against Redis, runs a task to the end."""

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from lov_portal.celery import app, database_backend, ping
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, **environ) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lov_portal.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "REDIS_URL": settings.REDIS_URL,
        **environ,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lov_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def _worker(**environ):
    """A worker process on a queue of its own; yields the queue."""
    if not settings.REDIS_URL.startswith("redis://"):
        skip_or_fail("REDIS_URL is not set: no broker for a real worker")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = _start_worker(queue, **environ)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def _result(async_result):
    # This process is not inside a task; but Celery's "inside a task" flag is one global that
    # eager tasks set and restore around themselves, and two threads running eager tasks at
    # once in an earlier test (the live server's, or a concurrency test's) can leave it set,
    # so `get` would refuse with "Never call result.get() within a task!".
    return async_result.get(timeout=60, disable_sync_subtasks=False)


@pytest.mark.celery_worker
def test_real_worker_runs_a_task_sent_through_redis():
    with _worker() as queue:
        result = ping.apply_async(queue=queue)
        assert _result(result) == "pong"
        assert result.state == "SUCCESS"


@pytest.mark.celery_worker
@pytest.mark.django_db  # for the test database's name
def test_real_worker_keeps_its_database_connection_between_tasks():
    # Celery's Django fixup would close it around every task: a new PostgreSQL backend each
    # time. The worker reaches the test database by its URL.
    if connection.vendor != "postgresql":
        skip_or_fail("the backend's process id is PostgreSQL's")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with _worker(DATABASE_URL=url, CONN_MAX_AGE="60") as queue:
        backends = [_result(database_backend.apply_async(queue=queue)) for _ in range(3)]
    assert backends[0] > 0
    assert backends == [backends[0]] * 3
    # And closes it as Django would between requests: with CONN_MAX_AGE 0, after each task.
    with _worker(DATABASE_URL=url, CONN_MAX_AGE="0") as queue:
        backends = [_result(database_backend.apply_async(queue=queue)) for _ in range(3)]
    assert len(set(backends)) == 3
