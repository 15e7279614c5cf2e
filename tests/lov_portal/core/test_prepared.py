"""Prepared statements (lov_portal/core/prepared.py): prepared once per connection, executed
with their parameters, prepared again on a connection that lost them."""

import pytest
from django.db import connection

from lov_portal.core.prepared import PreparedStatement
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

SQUARE = PreparedStatement(
    "test_square", "SELECT %(n)s * %(n)s, %(label)s || '%'", {"n": "integer", "label": "text"}
)


def _prepared(cursor) -> int:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [SQUARE.name])
    return cursor.fetchone()[0]


def test_a_statement_is_prepared_once_and_again_when_the_connection_lost_it():
    if connection.vendor != "postgresql":
        skip_or_fail("prepared statements are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
        SQUARE.execute(cursor, {"n": 7, "label": "sju"})
        assert cursor.fetchone() == (49, "sju%")
        SQUARE.execute(cursor, {"label": "åtta", "n": 8}, before="SET LOCAL jit = off;")
        assert cursor.fetchone() == (64, "åtta%")
        assert _prepared(cursor) == 1
        cursor.execute("DEALLOCATE ALL")
        SQUARE.execute(cursor, {"n": 3, "label": "tre"})
        assert cursor.fetchone() == (9, "tre%")
        assert _prepared(cursor) == 1


def test_every_parameter_needs_a_type_and_the_name_follows_the_text_and_the_types():
    with pytest.raises(ValueError, match="a parameter without a type"):
        PreparedStatement("test_untyped", "SELECT %(n)s + %(m)s", {"n": "integer"})
    other = PreparedStatement("test_square", "SELECT %(n)s * 2", {"n": "integer"})
    assert other.name.startswith("test_square_") and other.name != SQUARE.name
    wider = PreparedStatement("test_square", "SELECT %(n)s * 2", {"n": "bigint"})
    assert wider.name != other.name


@pytest.mark.parametrize("prefix", ["Test_square", "test-square", "t" * 51, "1test"])
def test_a_prefix_postgresql_would_change_is_refused(prefix):
    # PostgreSQL folds unquoted names to lower case and cuts them at 63 bytes: such a name
    # would never be found prepared, and preparing it a second time fails.
    with pytest.raises(ValueError, match="a prefix is lower case"):
        PreparedStatement(prefix, "SELECT 1", {})
