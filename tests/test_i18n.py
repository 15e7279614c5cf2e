"""Translations: the Swedish catalogue is complete, stays complete, and is what the site shows.

Swedish is the default UI language and English the fallback; every msgid in the code and
templates must have a Swedish translation. A developer who adds or changes a string without
translating it gets a failing test that lists the strings:

    .venv/bin/python manage.py makemessages -l sv --no-obsolete --ignore=.venv --ignore=var \
        --ignore=tests
    # translate the new entries in locale/sv/LC_MESSAGES/django.po (remove any "fuzzy" flag)
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES_ARGS = [
    "makemessages",
    "-l",
    "sv",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
]
# Not needed to extract messages, and large or private: left out of the temporary copy.
COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    "var",
    ".git",
    "tests",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "test-results",
    "*.egg-info",
    "*.sqlite3",
    "*.mo",
    ".env",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{\{\s*\w+\s*\}\}")


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _describe(entries) -> str:
    return "\n".join(
        f"  - {entry.msgid!r}  ({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:3])})"
        for entry in entries
    )


def _problems(po: polib.POFile) -> list[str]:
    """Untranslated and fuzzy entries of a catalogue, as readable lines."""
    problems = []
    untranslated = [e for e in po.untranslated_entries() if not e.fuzzy]
    if untranslated:
        problems.append(f"{len(untranslated)} untranslated msgid(s):\n{_describe(untranslated)}")
    fuzzy = po.fuzzy_entries()
    if fuzzy:
        problems.append(
            f"{len(fuzzy)} fuzzy msgid(s) (not used at runtime; check the translation and "
            f"remove the fuzzy flag):\n{_describe(fuzzy)}"
        )
    return problems


@pytest.fixture(autouse=True)
def _restore_language():
    """Requests activate a language in this thread; leave it as it was for other tests."""
    previous = translation.get_language()
    yield
    translation.activate(previous)


# --- (a) the committed catalogue --------------------------------------------------------------


def test_swedish_catalogue_is_complete_and_not_fuzzy():
    assert PO_PATH.is_file(), f"{PO_PATH.relative_to(ROOT)} is missing"
    po = polib.pofile(str(PO_PATH))

    assert len(po) > 0, "the Swedish catalogue has no messages"
    assert po.metadata.get("Language") == "sv"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=2;")
    # A fuzzy header is skipped by msgfmt, which then loses the charset.
    assert not po.metadata_is_fuzzy, "the header of django.po is marked fuzzy"
    problems = _problems(po)
    if problems:
        pytest.fail(f"{PO_PATH.relative_to(ROOT)}:\n" + "\n".join(problems))


def test_swedish_translations_keep_placeholders():
    po = polib.pofile(str(PO_PATH))
    broken = []
    for entry in po.translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for msgstr in translations:
            if sorted(PLACEHOLDER.findall(msgstr)) != expected:
                broken.append(f"  - {entry.msgid!r} -> {msgstr!r}")
    if broken:
        pytest.fail("translations that lose or add placeholders:\n" + "\n".join(broken))


# --- (b) re-extract the messages from the code and templates ----------------------------------


def test_every_message_in_the_code_is_translated(tmp_path):
    """Runs makemessages in a throwaway copy of the project (never on the real file) and fails
    listing every msgid the Swedish catalogue does not translate."""
    if shutil.which("xgettext") is None:
        reason = "GNU gettext (xgettext) is not installed: cannot re-extract messages"
        if _ci():
            pytest.fail(f"{reason} (required in CI)")
        pytest.skip(reason)

    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    po_copy = copy / PO_PATH.relative_to(ROOT)
    assert po_copy.is_file()

    real_before = PO_PATH.read_bytes()
    copy_mtime = po_copy.stat().st_mtime_ns

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "lov_portal.settings.test")
    # The copy's packages come first, so its settings and apps are the ones loaded.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    # The copy's catalogue was regenerated, and the real one left alone.
    assert po_copy.stat().st_mtime_ns != copy_mtime, "makemessages did not write the copy"
    assert PO_PATH.read_bytes() == real_before, "makemessages rewrote the real django.po"

    po = polib.pofile(str(po_copy))
    problems = _problems(po)
    if problems:
        pytest.fail(
            "The Swedish catalogue is out of date with the code. Run\n"
            "  .venv/bin/python manage.py " + " ".join(MAKEMESSAGES_ARGS) + "\n"
            "and translate in locale/sv/LC_MESSAGES/django.po:\n" + "\n".join(problems)
        )


# --- (c) the site speaks Swedish by default, English on request --------------------------------


def _require_compiled_catalogue():
    mo_path = PO_PATH.with_suffix(".mo")
    assert mo_path.is_file(), (
        f"{mo_path.relative_to(ROOT)} is missing: run `make translations` "
        "(or .venv/bin/python scripts/compile_translations.py)"
    )


@pytest.mark.django_db
def test_site_is_swedish_by_default_and_english_after_switching(client):
    _require_compiled_catalogue()

    # A browser that prefers English still gets Swedish until the visitor chooses.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert "Kundvalskatalog" in html
    assert "Till innehållet" in html
    assert "Logga in" in html
    assert "Customer-choice catalogue" not in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Customer-choice catalogue" in html
    assert "Skip to content" in html
    assert "Kundvalskatalog" not in html

    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert response.status_code == 302
    assert "Kundvalskatalog" in client.get("/").content.decode()


@pytest.mark.django_db
def test_catalogue_shows_information_missing_in_swedish(client):
    """A provider that has not filled in its profile shows the plain-language placeholder."""
    from tests.factories import ContractFactory, MunicipalityFactory

    _require_compiled_catalogue()
    contract = ContractFactory(municipality=MunicipalityFactory(code="1435", name="Tanum"))

    html = client.get(f"/katalog/1435/utforare/{contract.provider_id}/").content.decode()
    assert contract.provider.name in html
    assert "Uppgift saknas" in html
