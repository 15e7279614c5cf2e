"""A real Celery worker, started as a process against Redis, runs a task to the end."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from lov_portal.celery import app, ping
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.celery_worker
def test_real_worker_runs_a_task_sent_through_redis():
    if not settings.REDIS_URL.startswith("redis://"):
        skip_or_fail("REDIS_URL is not set: no broker for a real worker")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lov_portal.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
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
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = ping.apply_async(queue=queue)
        # This process is not inside a task; but Celery's "inside a task" flag is one global
        # that eager tasks set and restore around themselves, and two threads running eager
        # tasks at once in an earlier test (the live server's, or a concurrency test's) can
        # leave it set, so `get` would refuse with "Never call result.get() within a task!".
        assert result.get(timeout=60, disable_sync_subtasks=False) == "pong"
        assert result.state == "SUCCESS"
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
