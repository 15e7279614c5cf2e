"""Inserting many plain rows fast, for the few hot paths that write hundreds of thousands of
rows (visit imports, invoice lines). Values must already be in database form (ints, strings,
Decimals, dates adapted by the backend); only names from model metadata go into the SQL."""

import csv
import io
from decimal import Decimal

from django.db import connection


def insert_rows(
    model, fields: list[str], rows: list[tuple], *, page_size: int = 2000, plain: bool = False
) -> None:
    """INSERT `rows` into `model`'s table: pages of multi-row VALUES on PostgreSQL
    (psycopg2's execute_values), executemany elsewhere. No model instances, no signals.

    `plain`: every value is None, a number, a Decimal or a string, so on PostgreSQL the rows go
    in by COPY, the fastest way in."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and plain:
            buffer = io.StringIO()
            # Strings quoted, so an empty string stays one; None unquoted, which COPY reads as
            # NULL.
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
                tuple(str(v) if isinstance(v, Decimal) else v for v in row) for row in rows
            )
            buffer.seek(0)
            sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
            cursor.cursor.copy_expert(sql, buffer)
        elif connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            sql = f"INSERT INTO {table} ({columns}) VALUES %s"  # noqa: S608 - names from metadata
            execute_values(cursor.cursor, sql, rows, page_size=page_size)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            for start in range(0, len(rows), page_size):
                cursor.executemany(sql, rows[start : start + page_size])
