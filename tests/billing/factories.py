"""Billing test helpers: a municipality, providers with contracts, citizens with decided
decisions and confirmed orders, built through the services as users would."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from assessments import services as assessment_services
from assessments.constants import GrantUnit
from lov_portal.accounts.constants import Role
from tests.factories import (
    AreaFactory,
    AreaPostalCodeFactory,
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)

# Valid identity numbers for test citizens (Luhn-checked).
IDENTITY_NUMBERS = ["19121212-1212", "19190101-1237", "19190202-1235", "19190303-1233"]


@dataclass
class BillingSetup:
    municipality: object
    service: object
    area: object
    provider: object
    other_provider: object
    assessor: object
    provider_user: object
    other_provider_user: object
    month: datetime.date  # the first day of the orders' first month
    contracts: dict = field(default_factory=dict)


def billing_setup(month: datetime.date | None = None) -> BillingSetup:
    """Tanum with one service and two contracted providers. Orders start on `month` (the
    first of the current month by default, so today's cut-off has not passed)."""
    municipality = MunicipalityFactory(code="1435", name="Tanum")
    area = AreaFactory(municipality=municipality, name="Grebbestad")
    AreaPostalCodeFactory(area=area, postal_code="45795")
    service = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    provider = ProviderFactory(name="Alfa Omsorg AB", email="order@alfa.example")
    other = ProviderFactory(name="Beta Omsorg AB", email="order@beta.example")
    contracts = {
        p: ContractFactory(
            provider=p,
            municipality=municipality,
            service_types=[service],
            areas=[area],
            valid_from=datetime.date(2020, 1, 1),
        )
        for p in (provider, other)
    }
    return BillingSetup(
        municipality=municipality,
        service=service,
        area=area,
        provider=provider,
        other_provider=other,
        assessor=user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality),
        provider_user=user_with_role(Role.PROVIDER_USER, provider=provider),
        other_provider_user=user_with_role(Role.PROVIDER_USER, provider=other),
        month=month or timezone.localdate().replace(day=1),
        contracts=contracts,
    )


def confirmed_order(
    s: BillingSetup,
    *,
    provider=None,
    number: str = IDENTITY_NUMBERS[0],
    hours=20,
    unit=GrantUnit.HOURS_PER_MONTH,
):
    """A citizen with a decided decision from `s.month` on, and a confirmed order of the
    service from `provider` starting on `s.month`."""
    provider = provider or s.provider
    citizen = assessment_services.citizen_register(
        identity_number=number,
        municipality=s.municipality,
        first_name="Tyra",
        last_name="Testsson",
        street_address="Strandgatan 3",
        postal_code="45795",
        actor=s.assessor,
    )
    decision = assessment_services.decision_draft_create(
        citizen=citizen,
        valid_from=s.month,
        services=[(s.service, hours, unit)],
        actor=s.assessor,
    )
    decision = assessment_services.decision_decide(
        decision=decision, decision_date=s.month, actor=s.assessor
    )
    order = assessment_services.choice_record(
        decision=decision,
        service_type=s.service,
        provider=provider,
        chosen_on=s.month,
        actor=s.assessor,
    )
    user = s.provider_user if provider == s.provider else s.other_provider_user
    return assessment_services.order_confirm(order=order, starts_on=s.month, actor=user)


def visit_row(order, visit_id="V1", day=None, start="08:00", end="09:00", staff=1, kind="utford"):
    """One visit as the API takes it."""
    day = day or order.starts_on
    return {
        "visit_id": visit_id,
        "order": order.reference,
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "staff": staff,
        "kind": kind,
    }


def csv_bytes(rows: list[dict], delimiter=";", bom=False) -> bytes:
    header = delimiter.join(
        ["besoks_id", "bestallning", "datum", "start", "slut", "personal", "typ"]
    )
    lines = [header] + [
        delimiter.join(
            str(row[key]) for key in ("visit_id", "order", "date", "start", "end", "staff", "kind")
        )
        for row in rows
    ]
    text = "\n".join(lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
