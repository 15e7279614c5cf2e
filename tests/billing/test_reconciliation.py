"""Reconciliation (avstämning): granted vs performed vs paid per provider and customer over
months, from each month's latest approved run version (or the latest preliminary one)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.constants import RunStatus
from billing.selectors import month_range, reconciliation_for
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.billing.rates_factories import invoice_basis, invoice_line, invoice_run
from tests.factories import MunicipalityFactory, ProviderFactory, ServiceTypeFactory, user_with_role

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


@pytest.fixture
def setup():
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    lysekil = MunicipalityFactory(code="1484", name="Lysekil")
    care = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    service = ServiceTypeFactory(code="hemtjanst-service", name="Hemtjänst – service")
    alfa = ProviderFactory(name="Alfa Omsorg AB")
    beta = ProviderFactory(name="Beta Omsorg AB")
    return {
        "tanum": tanum,
        "lysekil": lysekil,
        "care": care,
        "service": service,
        "alfa": alfa,
        "beta": beta,
        "finance": user_with_role(Role.FINANCE_OFFICER, municipality=tanum),
        "lysekil_finance": user_with_role(Role.FINANCE_OFFICER, municipality=lysekil),
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum),
    }


def _month(s, month, provider, lines, **run_kwargs):
    run = invoice_run(s["tanum"], month, **run_kwargs)
    basis = invoice_basis(run, provider)
    for ref, service, granted, performed, paid in lines:
        invoice_line(
            basis,
            citizen_ref=ref,
            service_type=s[service],
            granted=granted,
            performed=performed,
            paid=paid,
        )
    return run


def test_month_range_ends_with_the_given_month():
    assert month_range(last=datetime.date(2026, 2, 17), count=3) == [
        datetime.date(2025, 12, 1),
        JAN,
        FEB,
    ]


def test_sums_per_provider_and_customer_with_ratios(setup):
    s = setup
    january = _month(
        s,
        JAN,
        s["alfa"],
        [
            ("K-0001", "care", "10.00", "8.00", "8.25"),
            ("K-0001", "service", "4.00", "4.00", "4.00"),
            ("K-0002", "care", "6.00", "3.00", "3.00"),
        ],
    )
    beta = invoice_basis(january, s["beta"])
    invoice_line(beta, citizen_ref="K-0003", service_type=s["care"], granted="40", paid="33")

    table = reconciliation_for(s["finance"], s["tanum"], [JAN, FEB])

    assert [m.month for m in table.months] == [JAN, FEB]
    assert table.months[0].run == january and table.months[1].run is None
    alfa, beta_row = table.providers
    assert (alfa.label, beta_row.label) == ("Alfa Omsorg AB", "Beta Omsorg AB")
    k1, k2 = alfa.citizens
    assert (k1.label, k1.months[0].granted, k1.months[0].performed, k1.months[0].paid) == (
        "K-0001",
        Decimal("14.00"),
        Decimal("12.00"),
        Decimal("12.25"),
    )
    assert k2.months[0].performed_ratio == Decimal("50.0")
    assert alfa.months[0].granted == Decimal("20.00")
    assert alfa.months[0].performed_ratio == Decimal("75.0")  # 15 / 20
    assert alfa.months[0].paid_ratio == Decimal("76.3")  # 15.25 / 20, half up
    assert alfa.months[1].is_empty
    assert beta_row.total.paid_ratio == Decimal("82.5")
    assert beta_row.total.performed_ratio == Decimal("0.0")
    assert table.total.total.granted == Decimal("60.00")
    assert table.total.total.paid == Decimal("48.25")


def test_latest_approved_version_wins_over_a_later_preliminary(setup):
    s = setup
    v1 = _month(s, JAN, s["alfa"], [("K-0001", "care", "10", "10", "10")])
    v2 = _month(s, JAN, s["alfa"], [("K-0001", "care", "10", "10", "9")], version=2, previous=v1)
    _month(
        s,
        JAN,
        s["alfa"],
        [("K-0001", "care", "10", "10", "1")],
        version=3,
        previous=v2,
        status=RunStatus.PRELIMINARY,
    )
    _month(s, FEB, s["alfa"], [("K-0001", "care", "10", "10", "7")], status=RunStatus.PRELIMINARY)
    _month(s, MAR, s["alfa"], [("K-0001", "care", "10", "10", "5")], status=RunStatus.RUNNING)

    table = reconciliation_for(s["finance"], s["tanum"], [JAN, FEB, MAR])

    january, february, march = table.months
    assert (january.run, january.preliminary) == (v2, False)
    assert february.preliminary is True
    assert march.run is None  # a run still running is not shown
    paid = [hours.paid for hours in table.providers[0].months]
    assert paid == [Decimal("9.00"), Decimal("7.00"), Decimal("0.00")]


def test_only_the_users_municipality(setup):
    s = setup
    _month(s, JAN, s["alfa"], [("K-0001", "care", "10", "10", "10")])
    lysekil_run = invoice_run(s["lysekil"], JAN)
    invoice_line(
        invoice_basis(lysekil_run, s["beta"]),
        citizen_ref="L-0009",
        service_type=s["care"],
        granted="5",
    )

    table = reconciliation_for(s["finance"], s["tanum"], [JAN])
    assert [p.label for p in table.providers] == ["Alfa Omsorg AB"]
    with pytest.raises(Http404):
        reconciliation_for(s["lysekil_finance"], s["tanum"], [JAN])
    with pytest.raises(Http404):
        reconciliation_for(s["assessor"], s["tanum"], [JAN])


def test_queries_do_not_grow_with_providers_customers_or_months(setup):
    s = setup

    def count(months):
        s["finance"].__dict__.pop("_lov_scope", None)
        with CaptureQueriesContext(connection) as queries:
            reconciliation_for(s["finance"], s["tanum"], months)
        return len(queries)

    _month(s, JAN, s["alfa"], [("K-0001", "care", "10", "10", "10")])
    small = count([JAN])
    for month in (FEB, MAR):
        lines = [(f"K-{n:04d}", "care", "1", "1", "1") for n in range(20)]
        run = _month(s, month, s["alfa"], lines)
        for provider in [s["beta"], *ProviderFactory.create_batch(5)]:
            invoice_line(
                invoice_basis(run, provider), citizen_ref="K-0100", service_type=s["service"]
            )
    assert count([JAN, FEB, MAR]) == small


def test_page_and_csv(client, setup):
    s = setup
    _month(
        s,
        JAN,
        s["alfa"],
        [("K-0001", "care", "10.00", "8.00", "8.25"), ("K-0002", "care", "6", "3", "3")],
    )
    _month(s, FEB, s["alfa"], [("K-0001", "care", "10", "9", "9")], status=RunStatus.PRELIMINARY)
    client.force_login(s["finance"])
    query = {"start": "2026-01", "end": "2026-02"}

    response = client.get(reverse("billing:reconciliation"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="month-2026-01"' in html and 'id="month-2026-02"' in html
    assert "K-0001" in html and "Alfa Omsorg AB" in html
    assert "82,5 %" in html  # K-0001's paid share of granted in January, Swedish format

    response = client.get(reverse("billing:reconciliation_csv"), query)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="avstamning-1435-2026-01-2026-02.csv"'
    )
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 1 + 2 + 1  # header, provider, two customers, total
    header = lines[0].split(";")
    assert len(header) == 2 + 5 * 3
    k1 = lines[2].split(";")
    assert k1[:2] == ["Alfa Omsorg AB", "K-0001"]
    assert k1[2:7] == ["10,00", "8,00", "8,25", "80,0", "82,5"]
    assert k1[7:10] == ["10,00", "9,00", "9,00"]
    assert AuditEvent.objects.filter(action="export", object_type="core.municipality").exists()


def test_default_is_the_last_six_months(client, setup):
    client.force_login(setup["finance"])
    response = client.get(reverse("billing:reconciliation"))
    assert len(response.context["table"].months) == 6


def test_invalid_range_is_reported_on_the_field(client, setup):
    client.force_login(setup["finance"])
    response = client.get(reverse("billing:reconciliation"), {"start": "2026-05", "end": "2026-01"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"end"}


def test_other_roles_are_refused(client, setup):
    client.force_login(setup["assessor"])
    assert client.get(reverse("billing:reconciliation")).status_code == 403
    assert client.get(reverse("billing:reconciliation_csv")).status_code == 403
