"""Invoice runs built directly as rows, for the document tests (billing/documents.py): a run
with a basis and N lines, and a correction version of it. No engine involved."""

import datetime
import itertools
from decimal import ROUND_HALF_UP, Decimal

from stdnum import luhn

from billing.constants import DeviationKind, RateUnit, RunStatus, TimeBand
from billing.models import Deviation, InvoiceBasis, InvoiceLine, InvoiceRun
from tests.factories import MunicipalityFactory, ProviderFactory, ServiceTypeFactory

MONTH = datetime.date(2026, 11, 1)
APPROVED_AT = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=datetime.UTC)
CENT = Decimal("0.01")
_numbers = itertools.count(1)


def orgnr(base9: str) -> str:
    return f"{base9[:6]}-{base9[6:]}{luhn.calc_check_digit(base9)}"


def document_municipality(municipality=None):
    municipality = municipality or MunicipalityFactory(code="1435", name="Tanum")
    municipality.organisation_name = "Tanums kommun"
    municipality.organisation_number = orgnr("212000132")
    municipality.street_address = "Kommunhusvägen 1"
    municipality.postal_code = "45781"
    municipality.city = "Tanumshede"
    municipality.save()
    return municipality


def document_provider(provider=None, **kwargs):
    provider = provider or ProviderFactory()
    values = {
        "name": "Omsorg i Åby AB",
        "organisation_number": orgnr("556677889"),
        "street_address": "Storgatan 5",
        "postal_code": "45731",
        "city": "Grebbestad",
        "email": "faktura@omsorg-aby.example",
        "bankgiro": "5050-1055",
        "has_f_tax": True,
        **kwargs,
    }
    for field, value in values.items():
        setattr(provider, field, value)
    provider.save()
    return provider


def service_types():
    return [
        ServiceTypeFactory(code="omvardnad", name="Hemtjänst – omvårdnad", ordering=1),
        ServiceTypeFactory(code="service", name="Hemtjänst – service", ordering=2),
    ]


def document_run(*, municipality, month=MONTH, version=1, previous=None, approved=True):
    return InvoiceRun.objects.create(
        municipality=municipality,
        month=month,
        version=version,
        previous=previous,
        status=RunStatus.APPROVED if approved else RunStatus.PRELIMINARY,
        started_at=APPROVED_AT,
        finished_at=APPROVED_AT,
        approved_at=APPROVED_AT if approved else None,
    )


def _line_values(i: int, services, delta: Decimal = Decimal(0)) -> dict:
    """Three lines per customer: personal care by day and evening (per hour), service per
    visit."""
    care, service = services
    kind = i % 3
    granted = Decimal(10 + i % 7)
    performed = granted - Decimal("1.25") + delta
    values = {
        "citizen_ref": f"K{i // 3 + 1:05d}",
        "granted_hours": granted,
        "performed_hours": performed,
        "paid_hours": performed,
    }
    if kind == 2:
        visits = 4
        values |= {
            "service_type": service,
            "time_band": TimeBand.DAY,
            "unit": RateUnit.PER_VISIT,
            "visits": visits,
            "quantity": Decimal(visits),
            "rate": Decimal("95.00"),
            "amount": Decimal(visits) * Decimal("95.00"),
            "rule": "Ersättning per besök",
        }
    else:
        rate = Decimal("450.00") if kind == 0 else Decimal("520.50")
        values |= {
            "service_type": care,
            "time_band": TimeBand.DAY if kind == 0 else TimeBand.EVENING,
            "unit": RateUnit.PER_HOUR,
            "visits": 12,
            "quantity": performed,
            "rate": rate,
            "amount": (performed * rate).quantize(CENT, rounding=ROUND_HALF_UP),
            "rule": "Utförd tid" if kind == 0 else "Utförd tid, kvällsbesök avrundade till 15 min",
        }
    return values


def document_basis(
    *,
    run,
    provider,
    lines: int = 3,
    number: str | None = None,
    is_in_house: bool = False,
    supplement_percent: Decimal = Decimal("1.5"),
    first_line_delta: Decimal = Decimal(0),
    previous_total: Decimal | None = None,
    deviations: bool = True,
):
    """A basis of `provider` in `run` with `lines` lines and consistent totals. With
    `previous_total` it is a correction: to_pay is the difference."""
    services = service_types()
    basis = InvoiceBasis.objects.create(
        run=run,
        provider=provider,
        number=number or f"FU-{run.municipality.code}-{run.month:%Y%m}-{next(_numbers):04d}",
        payment_basis="performed_time",
        is_in_house=is_in_house,
    )
    rows = [
        InvoiceLine(basis=basis, **_line_values(i, services, first_line_delta if i == 0 else 0))
        for i in range(lines)
    ]
    InvoiceLine.objects.bulk_create(rows)
    amount = sum((r.amount for r in rows), Decimal(0))
    supplement = (
        Decimal(0)
        if is_in_house
        else (amount * supplement_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    )
    basis.granted_hours = sum((r.granted_hours for r in rows), Decimal(0))
    basis.performed_hours = sum((r.performed_hours for r in rows), Decimal(0))
    basis.paid_hours = sum((r.paid_hours for r in rows), Decimal(0))
    basis.amount = amount
    basis.supplement = supplement
    basis.total = amount + supplement
    basis.previous_total = previous_total or Decimal(0)
    basis.to_pay = basis.total - basis.previous_total
    basis.save()
    if deviations:
        Deviation.objects.create(
            basis=basis,
            kind=DeviationKind.LOW_PERFORMED,
            citizen_ref="K00001",
            detail="Utförd tid 40 % av beviljad tid",
            visits=3,
        )
        Deviation.objects.create(
            basis=basis,
            kind=DeviationKind.NO_ORDER,
            detail="2 besök utan aktiv beställning (ordernummer 1435-999)",
            visits=2,
        )
    return basis


def basis_with_lines(lines: int = 3, *, municipality=None, provider=None, **kwargs):
    """A municipality with its address, a provider with bankgiro, an approved run for November
    2026 and one basis with `lines` lines."""
    municipality = document_municipality(municipality)
    provider = document_provider(provider)
    run = document_run(municipality=municipality)
    return document_basis(run=run, provider=provider, lines=lines, **kwargs)


def correction_of(basis, *, first_line_delta: Decimal, number: str | None = None, approved=True):
    """Version 2 of the basis's run: the same lines, the first one's paid hours changed."""
    run = document_run(
        municipality=basis.run.municipality,
        month=basis.run.month,
        version=basis.run.version + 1,
        previous=basis.run,
        approved=approved,
    )
    run.approved_at = run.approved_at and run.approved_at + datetime.timedelta(days=30)
    run.finished_at = run.finished_at + datetime.timedelta(days=30)
    run.save()
    return document_basis(
        run=run,
        provider=basis.provider,
        lines=basis.lines.count(),
        number=number,
        is_in_house=basis.is_in_house,
        first_line_delta=first_line_delta,
        previous_total=basis.total,
        deviations=False,
    )
