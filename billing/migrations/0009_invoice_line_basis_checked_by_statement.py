"""A line's basis is checked once per statement, not once per line (ADR 0008).

The foreign key from billing_invoiceline to billing_invoicebasis is replaced, on PostgreSQL,
by statement-level triggers with transition tables that keep its promise:

- after an INSERT or UPDATE of lines: every basis the statement's lines name exists, and is
  locked FOR KEY SHARE (as a foreign key locks it) so that a concurrent delete waits for this
  transaction and then fails;
- after a DELETE or UPDATE of bases: no line names a basis that went.

A foreign key runs its check once per line: 135,000 checks, a tenth of the invoice run. These
are immediate (checked at the end of each statement); Django deletes a basis's lines before
the basis. SQLite has no constraint, as before on SQLite with foreign keys off.
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE = r"""
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
    -- Each branch is planned when it first runs: new_bases exists for an UPDATE only.
    IF TG_OP = 'DELETE' THEN
        SELECT l.basis_id INTO named
        FROM old_bases o JOIN billing_invoiceline l ON l.basis_id = o.id
        LIMIT 1;
    ELSE
        SELECT l.basis_id INTO named
        FROM old_bases o JOIN billing_invoiceline l ON l.basis_id = o.id
        WHERE NOT EXISTS (SELECT 1 FROM new_bases n WHERE n.id = o.id)
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
"""

DROP = """
DROP TRIGGER IF EXISTS billing_invoiceline_basis_insert ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_invoiceline_basis_update ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_invoicebasis_lines_delete ON billing_invoicebasis;
DROP TRIGGER IF EXISTS billing_invoicebasis_lines_update ON billing_invoicebasis;
DROP FUNCTION IF EXISTS billing_invoiceline_basis_exists();
DROP FUNCTION IF EXISTS billing_invoicebasis_has_no_lines();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


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
