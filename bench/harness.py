"""What every benchmark shares: a PostgreSQL database of its own, the real application served
by gunicorn, and a load generator that measures throughput and latency of two URLs in the same
run at the same concurrency.

Benchmarks are runnable by anyone with the project's virtualenv, PostgreSQL and make:
`make bench`. They never touch the development or test databases.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lov_portal_bench"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def server_env(**extra: str) -> dict[str, str]:
    """The environment of the served application: production-like (DEBUG off), the bench
    database, tasks in-process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lov_portal.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def setup_django() -> None:
    """Configure Django in this process against the bench database (for filling data)."""
    os.environ.update(server_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_database() -> None:
    """Drop and create the bench database, then migrate it."""
    import psycopg2

    parts = urlsplit(database_url())
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"Refusing to recreate {name!r}: a bench database name ends in _bench.")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(),
        check=True,
    )
    subprocess.run(
        [sys.executable, "scripts/compile_translations.py"],
        cwd=ROOT,
        env=server_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(workers: int):
    """The application under gunicorn (sync workers, as in docker-compose.yml)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lov_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = fetch(port, "/halsa/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Result:
    path: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=20)[-1]

    def line(self) -> str:
        return (
            f"{self.path:<45} {self.throughput:8.1f} req/s   p95 {self.p95_ms:7.1f} ms   "
            f"{self.requests} requests, {self.errors} errors"
        )


def load(port: int, path: str, *, concurrency: int, seconds: float) -> Result:
    """`concurrency` clients request `path` back to back for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        nonlocal errors
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, _ = fetch(port, path)
            except OSError:
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(path, len(latencies), errors, time.monotonic() - started, latencies)


def compare(
    port: int, path: str, baseline: str, *, concurrency: int, seconds: float, rounds: int = 2
) -> tuple[Result, Result]:
    """Measure `path` and `baseline` alternately (so both see the same machine state) and keep
    each one's best round."""
    for warm in (path, baseline):
        load(port, warm, concurrency=concurrency, seconds=1)
    best: dict[str, Result] = {}
    for _ in range(rounds):
        for target in (baseline, path):
            result = load(port, target, concurrency=concurrency, seconds=seconds)
            if target not in best or result.throughput > best[target].throughput:
                best[target] = result
    return best[path], best[baseline]
