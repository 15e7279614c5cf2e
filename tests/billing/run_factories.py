"""A municipality month to invoice: rules, rates, providers on both payment bases, citizens
with decided decisions and confirmed orders, and visits created as the import leaves them."""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum import luhn

from assessments import services as assessments
from assessments.constants import GrantUnit
from billing.constants import ProviderKind, RateUnit, TimeBand, VisitKind
from billing.models import BillingRules, Rate, ServiceRule, Visit
from billing.rules import rules_for, time_band
from lov_portal.accounts.constants import Role
from lov_portal.core.constants import RateZone
from providers.constants import PaymentBasis, RequestStatus, VersionStatus
from providers.models import RequestForApplications, RequestVersion
from tests.factories import (
    AreaFactory,
    AreaPostalCodeFactory,
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)

MONTH = datetime.date(2026, 11, 1)


def personnummer(n: int) -> str:
    """A Luhn-valid personnummer born 1940-01-01 + n days (test data)."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 500)
    serial = f"{born:%y%m%d}{n % 500 + 100:03d}"
    return f"{born:%Y}{serial[2:]}{luhn.calc_check_digit(serial)}"


def _request(municipality, payment_basis, reference):
    request = RequestForApplications.objects.create(
        reference=reference, owner_municipality=municipality, status=RequestStatus.PUBLISHED
    )
    RequestVersion.objects.create(
        request=request,
        number=1,
        status=VersionStatus.PUBLISHED,
        title=reference,
        payment_basis=payment_basis,
        published_at=timezone.now(),
    )
    return request


def build_month(code="1435", name="Tanum"):
    municipality = MunicipalityFactory(code=code, name=name, organisation_number="212000-1355")
    area = AreaFactory(municipality=municipality, name=f"Centrum {code}", rate_zone=RateZone.RURAL)
    AreaPostalCodeFactory(area=area, postal_code="45731")
    care = ServiceTypeFactory(code=f"omvardnad-{code}", name="Hemtjänst – omvårdnad")
    rules = BillingRules.objects.create(
        municipality=municipality, valid_from=datetime.date(2026, 1, 1)
    )
    ServiceRule.objects.create(rules=rules, service_type=care, declined_percent=Decimal(50))
    for band, amount, unit in [
        (TimeBand.DAY, "430.00", RateUnit.PER_HOUR),
        (TimeBand.EVENING, "480.00", RateUnit.PER_HOUR),
        (TimeBand.NIGHT, "260.00", RateUnit.PER_VISIT),
        (TimeBand.WEEKEND, "500.00", RateUnit.PER_HOUR),
    ]:
        Rate.objects.create(
            municipality=municipality,
            service_type=care,
            time_band=band,
            unit=unit,
            amount=Decimal(amount),
            provider_kind=ProviderKind.ALL,
            valid_from=datetime.date(2026, 1, 1),
        )
    # Rural zone pays 20 kr more in the day for private providers.
    Rate.objects.create(
        municipality=municipality,
        service_type=care,
        time_band=TimeBand.DAY,
        rate_zone=RateZone.RURAL,
        provider_kind=ProviderKind.PRIVATE,
        amount=Decimal("450.00"),
        valid_from=datetime.date(2026, 1, 1),
    )
    performed = ProviderFactory(name=f"Utförd Omsorg {code} AB")
    granted = ProviderFactory(name=f"Beviljad Omsorg {code} AB")
    contracts = {
        performed: ContractFactory(
            provider=performed,
            municipality=municipality,
            service_types=[care],
            areas=[area],
            request=_request(municipality, PaymentBasis.PERFORMED_TIME, f"UT-{code}"),
        ),
        granted: ContractFactory(
            provider=granted,
            municipality=municipality,
            service_types=[care],
            areas=[area],
            request=_request(municipality, PaymentBasis.GRANTED_TIME, f"BE-{code}"),
        ),
    }
    return {
        "municipality": municipality,
        "area": area,
        "care": care,
        "performed": performed,
        "granted": granted,
        "contracts": contracts,
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality),
        "finance": user_with_role(Role.FINANCE_OFFICER, municipality=municipality),
        "performed_user": user_with_role(Role.PROVIDER_USER, provider=performed),
        "granted_user": user_with_role(Role.PROVIDER_USER, provider=granted),
    }


def order_for(s, provider, *, n: int, hours=20, starts=datetime.date(2026, 11, 1), ends=None):
    """A citizen with a decision of `hours` a month and a confirmed order to `provider`."""
    citizen = assessments.citizen_register(
        identity_number=personnummer(n),
        municipality=s["municipality"],
        first_name=f"Kund{n}",
        last_name="Testsson",
        postal_code="45731",
        actor=s["assessor"],
    )
    decision = assessments.decision_draft_create(
        citizen=citizen,
        valid_from=datetime.date(2026, 10, 1),
        valid_to=ends,
        services=[(s["care"], hours, GrantUnit.HOURS_PER_MONTH)],
        actor=s["assessor"],
    )
    decision = assessments.decision_decide(
        decision=decision, decision_date=datetime.date(2026, 10, 1), actor=s["assessor"]
    )
    order = assessments.choice_record(
        decision=decision,
        service_type=s["care"],
        provider=provider,
        chosen_on=datetime.date(2026, 10, 1),
        actor=s["assessor"],
    )
    order = assessments.order_confirm(order=order, starts_on=starts, actor=None)
    if ends:
        type(order).objects.filter(pk=order.pk).update(ends_on=ends)
        order.refresh_from_db()
    return order


_ids = iter(range(1, 10**9))


def visit(order, day: int, start: str, minutes: int, *, kind=VisitKind.PERFORMED, staff=1, **extra):
    """A visit as the import stores it (time band by the municipality's rules), registered
    when it ended unless `registered_at` says otherwise: a test's outcome never depends on
    the day it runs (the cut-off of MONTH is a fixed day in the past)."""
    municipality_id = order.decision.citizen.municipality_id
    date = MONTH.replace(day=day)
    hour, minute = (int(x) for x in start.split(":"))
    starts_at = timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    return Visit.objects.create(
        provider=order.provider,
        external_id=extra.pop("external_id", f"v{next(_ids)}"),
        order_reference=order.reference,
        order=order,
        municipality_id=municipality_id,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        minutes=minutes,
        staff_count=staff,
        kind=kind,
        time_band=time_band(timezone.localtime(starts_at), rules_for(municipality_id, date)),
        registered_at=extra.pop("registered_at", ends_at),
        **extra,
    )
