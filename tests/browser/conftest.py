"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import skip_or_fail

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# itself (fixtures) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        _keep_serialized_contents(before)
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _keep_serialized_contents(before) -> None:
    """Playwright's sync API leaves an event loop running in this thread, and from then on
    Django hands this thread new connection objects (asgiref keeps them per context while a
    loop runs). The database contents serialized at setup hang on the old objects; without
    them a test's serialized rollback restores nothing and the migrations' data (roles,
    indicators) is gone for every later test. So they move to the new objects."""
    from django.db import connections

    for alias, old in before.items():
        contents = getattr(old, "_test_serialized_contents", None)
        if contents is not None and connections[alias] is not old:
            connections[alias]._test_serialized_contents = contents


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", verbosity=0)


def _context(browser, live_server, **kwargs):
    # An English-language browser: the portal must still be Swedish until the visitor chooses.
    return browser.new_context(base_url=live_server.url, locale="en-US", **kwargs)


@pytest.fixture
def page(browser, live_server):
    context = _context(browser, live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = _context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
        f"{', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in results.response["violations"]
    ]


def log_in(page, email: str, password: str = "demo-lov-2026") -> None:
    page.goto("/konto/logga-in/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
