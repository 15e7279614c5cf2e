"""A line belongs to its basis. Triggers keep what a foreign key kept (migration billing 0009,
ADR 0008; statement-level on PostgreSQL): a line names an existing basis (SQLite too), a basis
with lines is not deleted, renumbered or truncated away, and a line being written locks its
basis against a concurrent delete."""

import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from billing.models import InvoiceBasis, InvoiceLine
from tests.billing.document_factories import basis_with_lines, document_basis
from tests.conftest import skip_or_fail
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("SQLite checks only what a line names (migration billing 0009)")


def _copy_line(line, **changes):
    values = {f.attname: getattr(line, f.attname) for f in InvoiceLine._meta.concrete_fields}
    values.pop("id")
    values.update(changes)
    return InvoiceLine(**values)


def test_a_line_naming_a_missing_basis_is_refused():
    basis = basis_with_lines(2)
    line = basis.lines.first()
    missing = InvoiceBasis.objects.order_by("-pk").first().pk + 1000
    # Several lines in one statement, one of them wrong: the statement fails whole.
    wrong = [_copy_line(line), _copy_line(line, basis_id=missing), _copy_line(line)]
    with (
        pytest.raises(IntegrityError, match="basis .*which does not exist"),
        transaction.atomic(),
    ):
        InvoiceLine.objects.bulk_create(wrong)
    assert basis.lines.count() == 2
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(basis_id=missing)
    InvoiceLine.objects.bulk_create([_copy_line(line), _copy_line(line)])
    assert basis.lines.count() == 4


def test_a_basis_with_lines_cannot_be_deleted_behind_django(postgresql):
    basis = basis_with_lines(2)
    with (
        pytest.raises(IntegrityError, match="basis .*still has invoice lines"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM billing_linedispute")
        cursor.execute("DELETE FROM billing_deviation WHERE basis_id = %s", [basis.pk])
        cursor.execute("DELETE FROM billing_invoicebasis WHERE id = %s", [basis.pk])
    assert InvoiceLine.objects.filter(basis_id=basis.pk).count() == 2
    # Django's cascade deletes the lines first, then the basis.
    basis.delete()
    assert not InvoiceLine.objects.exists()


def test_a_basis_with_lines_cannot_be_renumbered():
    basis = basis_with_lines(2)
    with pytest.raises(IntegrityError, match="still has invoice lines"), transaction.atomic():
        InvoiceBasis.objects.filter(pk=basis.pk).update(id=basis.pk + 1000)
    assert InvoiceLine.objects.filter(basis_id=basis.pk).count() == 2


def test_a_truncate_of_the_bases_alone_is_refused(postgresql):
    basis = basis_with_lines(2)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: TRUNCATE refuses
    with (
        pytest.raises(IntegrityError, match="still has invoice lines"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE billing_invoicebasis CASCADE")
    assert basis.lines.count() == 2
    # Both together (as manage.py flush does) leave nothing behind.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE billing_invoicebasis, billing_invoiceline CASCADE")
    assert not InvoiceLine.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bases_are_deleted_at_read_committed_only_and_saved_at_any_level(postgresql):
    """Under REPEATABLE READ the delete's check would read its transaction's snapshot and miss
    lines a concurrent transaction just committed; a foreign key rechecks with a current one.
    The trigger refuses instead (the application runs at READ COMMITTED)."""
    basis = document_basis(
        run=basis_with_lines(1).run, provider=ProviderFactory(), lines=0, deviations=False
    )
    # Saving a basis's totals takes nothing away: allowed at any level.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("UPDATE billing_invoicebasis SET total = 1 WHERE id = %s", [basis.pk])
    basis.refresh_from_db()
    assert basis.total == 1
    with (
        pytest.raises(OperationalError, match="at READ COMMITTED only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("DELETE FROM billing_invoicebasis WHERE id = %s", [basis.pk])
    with transaction.atomic():
        basis.delete()
    assert not InvoiceBasis.objects.filter(pk=basis.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_line_being_written_locks_its_basis_against_a_delete(postgresql):
    """Real concurrent transactions: while one writes a line, another's delete of the basis
    waits (here until its lock timeout); without the lock it would delete the basis and the
    line would name nothing once the first committed."""
    template = basis_with_lines(1).lines.get()
    empty = document_basis(
        run=template.basis.run, provider=ProviderFactory(), lines=0, deviations=False
    )
    outcome = []

    def delete_the_basis():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
                cursor.execute("DELETE FROM billing_invoicebasis WHERE id = %s", [empty.pk])
            outcome.append("deleted")
        except OperationalError as exc:
            outcome.append(str(exc))
        finally:
            connections.close_all()

    with transaction.atomic():
        InvoiceLine.objects.bulk_create([_copy_line(template, basis_id=empty.pk)])
        other = threading.Thread(target=delete_the_basis)
        other.start()
        other.join()

    assert len(outcome) == 1 and "lock timeout" in outcome[0]
    assert InvoiceLine.objects.filter(basis_id=empty.pk).count() == 1
    assert InvoiceBasis.objects.filter(pk=empty.pk).exists()
