"""Statements PostgreSQL parses and plans once per database connection, then only executes.

The invoice run sends the same few statements once per provider, 200 times a run: parsing and
planning them again each time cost more than running them for a small provider. A
`PreparedStatement` is prepared (`PREPARE`) the first time a connection needs it and then
executed (`EXECUTE`) with its parameters. Whether the connection has it is asked in each
transaction (`pg_prepared_statements`), not remembered in this process, and the question and
the statement go in one transaction, so a pooler that hands out server connections per
transaction (PgBouncer in transaction mode) works as well.

PostgreSQL only; the callers keep a path for other databases.
"""

from __future__ import annotations

import hashlib
import re

from django.db import transaction

# PostgreSQL folds unquoted names to lower case and cuts them at 63 bytes; a name it changed
# would never be found in pg_prepared_statements.
_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,49}")


class PreparedStatement:
    """`text` with `%(name)s` parameters (a literal % written as one), each typed in
    `parameter_types` (in the order of the prepared statement's $1, $2, …). The name is
    `prefix` and a digest of the whole PREPARE command, so a changed statement (text or
    types) never meets an old one on a kept connection."""

    def __init__(self, prefix: str, text: str, parameter_types: dict[str, str]):
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"{prefix!r}: a prefix is lower case, digits and _, 50 at most")
        positional = text
        for number, name in enumerate(parameter_types, start=1):
            positional = positional.replace(f"%({name})s", f"${number}")
        if "%(" in positional:
            raise ValueError(f"{prefix}: a parameter without a type")
        definition = f"({', '.join(parameter_types.values())}) AS {positional}"
        digest = hashlib.sha256(definition.encode()).hexdigest()[:12]
        self.name = f"{prefix}_{digest}"
        self._parameters = list(parameter_types)
        # % doubled: the command goes through psycopg2's parameter formatting.
        self._prepare = f"PREPARE {self.name} {definition}".replace("%", "%%")
        arguments = ", ".join(["%s"] * len(parameter_types))
        self._execute = f"EXECUTE {self.name} ({arguments})"

    def execute(self, cursor, params: dict, *, before: str = "") -> None:
        """Execute with `params` on `cursor` (a Django cursor; preparing first if the
        connection has not), after `before` (e.g. `SET LOCAL` commands, no parameters) in the
        same round trip. The caller fetches the result from the cursor."""
        with transaction.atomic(using=cursor.db.alias, savepoint=False):
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [self.name])
            prepare = "" if cursor.fetchone() else self._prepare + ";"
            cursor.execute(
                f"{before.replace('%', '%%')} {prepare} {self._execute}",
                [params[name] for name in self._parameters],
            )
