"""A line's basis is checked once per statement, not once per line (ADR 0008).

The foreign key from billing_invoiceline to billing_invoicebasis is replaced by triggers that
keep its promise. On PostgreSQL they are statement-level, with transition tables:

- after an INSERT or UPDATE of lines: every basis the statement's lines name exists, and is
  locked FOR KEY SHARE (as a foreign key locks it) so that a concurrent delete waits for this
  transaction and then fails;
- after a DELETE or UPDATE of bases: no line names a basis that went. A foreign key checks
  this with a second, current snapshot; a trigger sees only its transaction's, which under
  REPEATABLE READ or SERIALIZABLE could miss lines a concurrent transaction just committed,
  so deleting bases is refused at those levels (the application runs at READ COMMITTED);
- after a TRUNCATE of bases: no line is left (a TRUNCATE of both, as `manage.py flush` does,
  passes).

A foreign key runs its check once per line: 135,000 checks, a tenth of the invoice run. These
are immediate (checked at the end of each statement); Django deletes a basis's lines before
the basis. SQLite, whose foreign keys Django turns on, gets row triggers for what a line names
and a basis's number (its runs are small); not for deleting a basis, which SQLite's
`manage.py flush` (tests) does table by table in any order. A later migration that alters
either table on SQLite rebuilds it, which drops its triggers: such a migration creates them
again.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = r"""
CREATE FUNCTION billing_invoiceline_basis_exists() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    SELECT n.basis_id INTO missing
    FROM (SELECT DISTINCT basis_id FROM new_lines) n
    LEFT JOIN LATERAL (
        SELECT b.id FROM billing_invoicebasis b WHERE b.id = n.basis_id FOR KEY SHARE
    ) b ON true
    WHERE b.id IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('invoice line names basis %s, which does not exist', missing),
            TABLE = 'billing_invoiceline';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION billing_invoicebasis_has_no_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    named bigint;
BEGIN
    -- Each statement is planned when it first runs: new_bases exists for an UPDATE only.
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT 1 FROM old_bases o
            WHERE NOT EXISTS (SELECT 1 FROM new_bases n WHERE n.id = o.id)
        ) THEN
            RETURN NULL;  -- no basis renumbered (its totals saved, say): nothing went
        END IF;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        SELECT l.basis_id INTO named FROM billing_invoiceline l LIMIT 1;
    ELSIF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE object_not_in_prerequisite_state USING
            MESSAGE = 'invoice bases are deleted or renumbered at READ COMMITTED only',
            TABLE = 'billing_invoicebasis';
    -- One index probe per basis that went, whatever its number of lines.
    ELSIF TG_OP = 'DELETE' THEN
        SELECT o.id INTO named FROM old_bases o
        WHERE EXISTS (SELECT 1 FROM billing_invoiceline l WHERE l.basis_id = o.id)
        LIMIT 1;
    ELSE
        SELECT o.id INTO named FROM old_bases o
        WHERE NOT EXISTS (SELECT 1 FROM new_bases n WHERE n.id = o.id)
            AND EXISTS (SELECT 1 FROM billing_invoiceline l WHERE l.basis_id = o.id)
        LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('basis %s still has invoice lines', named),
            TABLE = 'billing_invoicebasis';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER billing_invoiceline_basis_insert AFTER INSERT ON billing_invoiceline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_basis_exists();
CREATE TRIGGER billing_invoiceline_basis_update AFTER UPDATE ON billing_invoiceline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_basis_exists();
CREATE TRIGGER billing_invoicebasis_lines_delete AFTER DELETE ON billing_invoicebasis
    REFERENCING OLD TABLE AS old_bases
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoicebasis_has_no_lines();
CREATE TRIGGER billing_invoicebasis_lines_update AFTER UPDATE ON billing_invoicebasis
    REFERENCING OLD TABLE AS old_bases NEW TABLE AS new_bases
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoicebasis_has_no_lines();
CREATE TRIGGER billing_invoicebasis_lines_truncate AFTER TRUNCATE ON billing_invoicebasis
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoicebasis_has_no_lines();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS billing_invoiceline_basis_insert ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_invoiceline_basis_update ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_invoicebasis_lines_delete ON billing_invoicebasis;
DROP TRIGGER IF EXISTS billing_invoicebasis_lines_update ON billing_invoicebasis;
DROP TRIGGER IF EXISTS billing_invoicebasis_lines_truncate ON billing_invoicebasis;
DROP FUNCTION IF EXISTS billing_invoiceline_basis_exists();
DROP FUNCTION IF EXISTS billing_invoicebasis_has_no_lines();
"""

# SQLite runs one statement per execute; the messages are the PostgreSQL ones without the id.
# No delete trigger: see the module.
SQLITE = [
    """CREATE TRIGGER billing_invoiceline_basis_insert BEFORE INSERT ON billing_invoiceline
    WHEN NOT EXISTS (SELECT 1 FROM billing_invoicebasis WHERE id = NEW.basis_id)
    BEGIN SELECT RAISE(ABORT, 'invoice line names a basis which does not exist'); END""",
    """CREATE TRIGGER billing_invoiceline_basis_update BEFORE UPDATE OF basis_id
    ON billing_invoiceline
    WHEN NOT EXISTS (SELECT 1 FROM billing_invoicebasis WHERE id = NEW.basis_id)
    BEGIN SELECT RAISE(ABORT, 'invoice line names a basis which does not exist'); END""",
    """CREATE TRIGGER billing_invoicebasis_lines_update BEFORE UPDATE OF id
    ON billing_invoicebasis
    WHEN NEW.id <> OLD.id
        AND EXISTS (SELECT 1 FROM billing_invoiceline WHERE basis_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'a basis still has invoice lines'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS billing_invoiceline_basis_insert",
    "DROP TRIGGER IF EXISTS billing_invoiceline_basis_update",
    "DROP TRIGGER IF EXISTS billing_invoicebasis_lines_update",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_invoice_line_order_without_constraint"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invoiceline",
            name="basis",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="billing.invoicebasis",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
