"""Reading survey results from a CSV file: the format and the checks every row passes on its
own (docs/quality-surveys.md). The service `survey_results_import` checks the rows against the
database (providers, services, indicators) and saves them all or none.

    organisationsnummer;tjanst;indikator;ar;varde;antal_svar
    556677-8899;hemtjanst-omvardnad;overall_satisfaction;2026;87,5;23

Columns may come in any order; `ar` may be left out (the year chosen for the import is used).
The column names may also be written with å, ä, ö (tjänst, år, värde). A value may use a
decimal comma or a decimal point; the file may be separated by semicolons or commas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lov_portal.core.csvfile import read_csv_rows

from .constants import IndicatorUnit

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_RESPONDENTS = 1_000_000

# Normalised CSV column -> row key.
COLUMNS = {
    "organisationsnummer": "organisation_number",
    "tjanst": "service",
    "indikator": "indicator",
    "ar": "year",
    "varde": "value",
    "antal_svar": "respondents",
}
REQUIRED = ("organisationsnummer", "tjanst", "indikator", "varde", "antal_svar")
HEADER = ";".join(COLUMNS)

# The highest value each unit allows (the lowest is 0).
UNIT_MAX = {
    IndicatorUnit.PERCENT: Decimal(100),
    IndicatorUnit.INDEX: Decimal(100),
    IndicatorUnit.COUNT: Decimal(100),
}

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "_", "-": "_"})
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")
_WHOLE = re.compile(r"^\d+$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class ResultRow:
    """A row that passed the format checks (not yet checked against the database)."""

    line: int
    organisation_number: str
    service: str
    indicator: str
    year: int | None
    value: Decimal
    respondents: int


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").lower().translate(_FOLD)


def parse_decimal(value) -> Decimal | None:
    """A number written with a decimal comma or point (spaces as thousands separators)."""
    text = _text(value).replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def clean_row(raw: dict) -> tuple[ResultRow | None, list[str]]:
    """Check one row's format. Returns the row, or None and every reason it is bad."""
    errors: list[str] = []
    organisation_number = _text(raw.get("organisation_number"))
    if not organisation_number:
        errors.append(_("The organisation number is missing."))
    service = _text(raw.get("service")).lower()
    if not service:
        errors.append(_("The service is missing."))
    indicator = _text(raw.get("indicator")).lower()
    if not indicator:
        errors.append(_("The indicator is missing."))
    year = None
    year_text = _text(raw.get("year"))
    if year_text:
        if _YEAR.match(year_text):
            year = int(year_text)
        else:
            errors.append(_("The year must be written with four digits, e.g. 2026."))
    value_text = _text(raw.get("value"))
    value = parse_decimal(value_text)
    if not value_text:
        errors.append(_("The value is missing."))
    elif value is None:
        errors.append(
            _("The value “%(value)s” is not a number (write e.g. 87,5).") % {"value": value_text}
        )
    elif value.as_tuple().exponent < -2:
        errors.append(_("The value may have at most two decimals."))
        value = None
    respondents_text = _text(raw.get("respondents"))
    respondents = None
    if not respondents_text:
        errors.append(_("The number of answers is missing."))
    elif not _WHOLE.match(respondents_text) or not (1 <= int(respondents_text) <= MAX_RESPONDENTS):
        errors.append(_("The number of answers must be a whole number of at least 1."))
    else:
        respondents = int(respondents_text)
    if errors:
        return None, errors
    return (
        ResultRow(
            line=raw["line"],
            organisation_number=organisation_number,
            service=service,
            indicator=indicator,
            year=year,
            value=value,
            respondents=respondents,
        ),
        [],
    )


def value_range_error(value: Decimal, unit: str) -> str | None:
    """The reason a value is outside its indicator's range, or None."""
    high = UNIT_MAX.get(unit, Decimal(100))
    if Decimal(0) <= value <= high:
        return None
    return _("The value %(value)s is outside the indicator's range 0–%(max)s.") % {
        "value": str(value).replace(".", ","),
        "max": high,
    }


def read_csv(data: bytes) -> list[dict]:
    """The rows of a CSV file as dicts with a "line" key (the header is line 1).

    Raises ValidationError for a file that cannot be read at all: too large, not text, not
    UTF-8, no or a wrong header, too many rows. Row problems are left to `clean_row`."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 MB. Split it into smaller files."))
    rows = read_csv_rows(
        data,
        columns=COLUMNS,
        required=REQUIRED,
        max_rows=MAX_ROWS,
        normalise_column=normalise_column,
        # Excel's "CSV (semicolon separated)" on Swedish Windows saves Windows-1252.
        encodings=("utf-8-sig", "cp1252"),
    )
    if not rows:
        raise ValidationError(_("The file has no results, only a header row."))
    return rows
