"""The invoice run's order rows: on PostgreSQL a statement written out in SQL reads them,
elsewhere the ORM; both must read the same orders and values (on SQLite both are the ORM)."""

import datetime

import pytest

from assessments.constants import OrderStatus
from assessments.models import Citizen, Order
from assessments.selectors import (
    ORDER_ROW_FIELDS,
    order_row_query_for_invoicing,
    order_rows_for_invoicing,
)
from tests.billing.run_factories import MONTH, build_month, order_for

pytestmark = pytest.mark.django_db

FIRST, LAST = MONTH, datetime.date(2026, 11, 30)


def test_the_sql_reads_what_the_orm_reads():
    s = build_month()
    other = build_month(code="1486", name="Strömstad")
    kept = [
        order_for(s, s["performed"], n=1, hours=20),
        order_for(s, s["performed"], n=2, hours=12, starts=datetime.date(2026, 11, 20)),
        order_for(s, s["performed"], n=3, hours=8, starts=datetime.date(2026, 10, 5)),
        order_for(s, s["performed"], n=4, hours=5, starts=datetime.date(2026, 10, 1), ends=FIRST),
    ]
    # Not in the month, not started or another provider's or municipality's: left out.
    order_for(s, s["performed"], n=5, starts=datetime.date(2026, 12, 1))
    order_for(
        s, s["performed"], n=6, starts=datetime.date(2026, 10, 1), ends=datetime.date(2026, 10, 31)
    )
    Order.objects.filter(pk=order_for(s, s["performed"], n=7).pk).update(status=OrderStatus.SENT)
    order_for(s, s["granted"], n=8)
    order_for(other, other["performed"], n=9)
    Order.objects.filter(pk=kept[1].pk).update(status=OrderStatus.ENDED)
    # A citizen whose address lies in no area: the order is read, without a rate zone.
    Citizen.objects.filter(pk=kept[2].decision.citizen_id).update(area=None)

    arguments = {
        "municipality_id": s["municipality"].pk,
        "first": FIRST,
        "last": LAST,
        "provider_id": s["performed"].pk,
    }
    rows = order_rows_for_invoicing(**arguments)
    assert [row[0] for row in rows] == [order.pk for order in kept]
    assert rows == list(order_row_query_for_invoicing(**arguments))
    first = dict(zip(ORDER_ROW_FIELDS, rows[0], strict=True))
    assert first["granted_hours"] == kept[0].granted_hours
    assert first["decision__citizen__area__rate_zone"] == s["area"].rate_zone
    assert first["contract__request_id"] == kept[0].contract.request_id
    assert rows[2][ORDER_ROW_FIELDS.index("decision__citizen__area__rate_zone")] is None
