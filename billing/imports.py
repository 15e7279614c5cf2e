"""Reading performed time (utförd tid): the CSV file format and the checks every row passes.

A row is a dict with the keys of `FIELDS` (the JSON API's names); the CSV columns are mapped
onto them. `clean_row` checks one row and returns a `VisitRow` or the reason it is bad; the
service `visit_import_rows` (billing/services.py) checks the rows against the database and
imports them all or none (docs/api/performed-time.md).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lov_portal.core.csvfile import read_csv_rows

from .constants import VisitKind

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000

# CSV column -> row key (the JSON API's field name).
COLUMNS = {
    "besoks_id": "visit_id",
    "bestallning": "order",
    "datum": "date",
    "start": "start",
    "slut": "end",
    "personal": "staff",
    "typ": "kind",
}
FIELDS = tuple(COLUMNS.values())

KINDS = {
    "utford": VisitKind.PERFORMED,
    "avbojd": VisitKind.DECLINED,
    "franvaro": VisitKind.ABSENCE,
}
# The API also takes the stored values ("performed", ...).
KINDS_ANY = {**KINDS, **{kind.value: kind for kind in VisitKind}}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_REFERENCE = re.compile(r"^[Bb](\d{1,18})$")
MAX_STAFF = 4


@dataclass(frozen=True)
class VisitRow:
    """A row that passed the format checks."""

    line: int
    visit_id: str
    order_reference: str
    order_pk: int
    date: datetime.date
    start: datetime.time
    end: datetime.time
    staff_count: int
    kind: str


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_time(value) -> datetime.time | None:
    match = _TIME.match(_text(value))
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def parse_date(value) -> datetime.date | None:
    text = _text(value)
    if not _DATE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def order_pk_from_reference(value) -> int | None:
    match = _REFERENCE.match(_text(value))
    return int(match[1]) if match else None


def clean_row(raw: dict, line: int) -> tuple[VisitRow | None, list[str]]:
    """Check one row's format. Returns the row, or None and every reason it is bad."""
    if not isinstance(raw, dict):
        return None, [_("The row is not an object with the visit's fields.")]
    errors: list[str] = []
    visit_id = _text(raw.get("visit_id"))
    if not visit_id:
        errors.append(_("The visit id is missing."))
    elif len(visit_id) > 64:
        errors.append(_("The visit id is longer than 64 characters."))
    reference = _text(raw.get("order"))
    order_pk = order_pk_from_reference(reference)
    if not reference:
        errors.append(_("The order reference is missing."))
    elif order_pk is None:
        errors.append(_("The order reference must look like B123 (B and the order number)."))
    day = parse_date(raw.get("date"))
    if day is None:
        errors.append(_("The date must be a date written YYYY-MM-DD."))
    start = parse_time(raw.get("start"))
    if start is None:
        errors.append(_("The start must be a time written HH:MM."))
    end = parse_time(raw.get("end"))
    if end is None:
        errors.append(_("The end must be a time written HH:MM."))
    if start is not None and end is not None and start == end:
        errors.append(_("The end must differ from the start."))
    staff_raw = raw.get("staff")
    staff = None
    if isinstance(staff_raw, bool):
        staff = None
    elif isinstance(staff_raw, int):
        staff = staff_raw
    elif re.fullmatch(r"\d{1,2}", _text(staff_raw)):
        staff = int(_text(staff_raw))
    if staff is None or not 1 <= staff <= MAX_STAFF:
        errors.append(_("The staff count must be a whole number from 1 to 4."))
    kind = KINDS_ANY.get(_text(raw.get("kind")).lower())
    if kind is None:
        errors.append(_("The kind must be one of utford, avbojd or franvaro."))
    if errors:
        return None, errors
    return (
        VisitRow(
            line=line,
            visit_id=visit_id,
            order_reference=f"B{order_pk}",
            order_pk=order_pk,
            date=day,
            start=start,
            end=end,
            staff_count=staff,
            kind=str(kind),
        ),
        [],
    )


# --- The CSV file ------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict]:
    """The rows of a CSV file as dicts with a "line" key (the header is line 1).

    Raises ValidationError for a file that cannot be read at all: too large, not text, not
    UTF-8, no or a wrong header, too many rows. Row-level problems are left to `clean_row`."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB. Split it into smaller files."))
    rows = read_csv_rows(data, columns=COLUMNS, required=COLUMNS, max_rows=MAX_ROWS)
    if not rows:
        raise ValidationError(_("The file has no visits, only a header row."))
    return rows
