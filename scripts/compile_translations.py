"""Compile locale/*/LC_MESSAGES/*.po to .mo in pure Python (polib), so `make run` needs no
GNU gettext. Fuzzy entries are left out, as msgfmt does."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    po = polib.pofile(str(po_path))
    for entry in po.fuzzy_entries():
        po.remove(entry)
    mo_path = po_path.with_suffix(".mo")
    po.save_as_mofile(str(mo_path))
    print(f"compiled {po_path.relative_to(ROOT)} ({len(po.translated_entries())} messages)")
