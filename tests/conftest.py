"""Shared fixtures, and the record of what the run used that .ci/run checks.

At the end of a run the controller writes var/test-run.json: the database vendor, the Celery
broker, and whether the real-worker and browser tests passed. CI fails unless the suite ran on
PostgreSQL with Redis, a real Celery worker and Chromium.
"""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from lov_portal.accounts.constants import Role
from tests.factories import MunicipalityFactory, ProviderFactory, user_with_role

RUN_RECORD = Path(__file__).resolve().parent.parent / "var" / "test-run.json"
_passed_markers: set[str] = set()


def pytest_runtest_logreport(report):
    # Runs in the controller for xdist workers' reports too.
    if report.when == "call" and report.passed:
        for marker in ("browser", "celery_worker"):
            if marker in report.keywords:
                _passed_markers.add(marker)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    RUN_RECORD.parent.mkdir(parents=True, exist_ok=True)
    RUN_RECORD.write_text(
        json.dumps(
            {
                "database": "postgresql" if "postgresql" in engine else engine.rsplit(".", 1)[-1],
                "broker": settings.CELERY_BROKER_URL,
                "celery_worker_ran": "celery_worker" in _passed_markers,
                "browser_tests_ran": "browser" in _passed_markers,
                "exitstatus": int(exitstatus),
            },
            indent=2,
        )
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrations' data (roles, indicators, content
    types) before it runs. One without serialized rollback leaves a flushed database whose
    content types Django recreates with new keys, and the next test that restores the data
    then finds some of it missing or clashing; so such a test is refused at collection."""
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            uses_transactions = "transactional_db" in getattr(item, "fixturenames", ())
            serialized = False
        else:
            uses_transactions = marker.kwargs.get("transaction", False)
            serialized = marker.kwargs.get("serialized_rollback", False)
        if uses_transactions and not serialized:
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError(
            "Transactional tests must use @pytest.mark.django_db(transaction=True, "
            "serialized_rollback=True): " + ", ".join(offenders)
        )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """Outside CI a missing tool skips the test; in CI it fails, so nothing is silently lost."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(code="1435", name="Tanum")


@pytest.fixture
def other_municipality(db):
    return MunicipalityFactory(code="1484", name="Lysekil")


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Omsorgsbolaget Test AB")


@pytest.fixture
def role_users(db, municipality, provider):
    """One user per role, all scoped to `municipality` (or `provider`)."""
    users = {}
    for role in Role:
        users[role] = user_with_role(
            role,
            municipality=municipality
            if role not in (Role.PROVIDER_USER, Role.SYSTEM_ADMIN)
            else None,
            provider=provider if role == Role.PROVIDER_USER else None,
            email=f"{role.value}@test.example",
        )
    return users


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language. A request with the language cookie
    activates English in this thread, and Django leaves it active after the response."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
