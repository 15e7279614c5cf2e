"""Test helpers for rates, rules and the reconciliation: invoice runs, bases and lines are built
directly here (the invoice run engine is tested on its own)."""

import datetime
import itertools
from decimal import Decimal

import factory

from billing.constants import ProviderKind, RateUnit, RunStatus, TimeBand
from billing.models import BillingRules, InvoiceBasis, InvoiceLine, InvoiceRun, Rate
from tests.factories import MunicipalityFactory, ServiceTypeFactory

_numbers = itertools.count(1)


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rate

    municipality = factory.SubFactory(MunicipalityFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)
    rate_zone = ""
    time_band = TimeBand.DAY
    provider_kind = ProviderKind.ALL
    unit = RateUnit.PER_HOUR
    amount = Decimal("430.00")
    valid_from = datetime.date(2026, 1, 1)
    valid_to = None


class BillingRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingRules

    municipality = factory.SubFactory(MunicipalityFactory)
    valid_from = datetime.date(2026, 1, 1)


def invoice_run(
    municipality, month: datetime.date, *, status=RunStatus.APPROVED, version=1, previous=None
) -> InvoiceRun:
    return InvoiceRun.objects.create(
        municipality=municipality,
        month=month.replace(day=1),
        version=version,
        previous=previous,
        status=status,
    )


def invoice_basis(run: InvoiceRun, provider) -> InvoiceBasis:
    return InvoiceBasis.objects.get_or_create(
        run=run,
        provider=provider,
        defaults={
            "number": f"T{run.month:%Y%m}-{next(_numbers):05d}",
            "payment_basis": "performed_time",
            "is_in_house": provider.is_in_house,
        },
    )[0]


def invoice_line(
    basis: InvoiceBasis,
    *,
    citizen_ref: str,
    service_type,
    granted="0",
    performed="0",
    paid="0",
    time_band=TimeBand.DAY,
) -> InvoiceLine:
    return InvoiceLine.objects.create(
        basis=basis,
        citizen_ref=citizen_ref,
        service_type=service_type,
        time_band=time_band,
        granted_hours=Decimal(granted),
        performed_hours=Decimal(performed),
        paid_hours=Decimal(paid),
    )
