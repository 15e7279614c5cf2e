"""Reading an uploaded CSV file into rows, for the imports of performed time (billing/imports.py)
and survey results (followup/survey_imports.py). Each import checks its own file size first,
then its rows one by one."""

import csv
import io
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _column(name: str) -> str:
    return name.strip().lower()


def read_csv_rows(
    data: bytes,
    *,
    columns: dict[str, str],
    required,
    max_rows: int,
    normalise_column: Callable[[str], str] = _column,
    encodings: tuple[str, ...] = ("utf-8-sig",),
) -> list[dict]:
    """The rows of a CSV file as dicts with a "line" key (the header is line 1) and the keys
    `columns` maps the (normalised) column names to; a column not in the file is left out.
    Separated by semicolons or commas; decoded with the first of `encodings` that fits.
    Blank rows are skipped; the result may be empty.

    Raises ValidationError for a file that cannot be read at all: not text, not readable in
    those encodings, empty, a header without the `required` columns, more than `max_rows` rows.
    """
    if b"\x00" in data:
        raise ValidationError(_("The file is not a text file. Send a CSV file."))
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV UTF-8."))
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [normalise_column(column) for column in next(reader)]
    except csv.Error:
        raise ValidationError(_("The file is not a readable CSV file.")) from None
    missing = [column for column in required if column not in header]
    if missing:
        raise ValidationError(
            _("The header row lacks the columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ";".join(columns)}
        )
    positions = {key: header.index(column) for column, key in columns.items() if column in header}
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= max_rows:
                raise ValidationError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": f"{max_rows:,}".replace(",", " ")}
                )
            row = {"line": reader.line_num}
            for key, position in positions.items():
                row[key] = values[position] if position < len(values) else ""
            rows.append(row)
    except csv.Error:
        raise ValidationError(
            _("The file is not a readable CSV file (line %(line)s).") % {"line": reader.line_num}
        ) from None
    return rows
