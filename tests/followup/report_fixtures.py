"""A small, fixed follow-up year for the quality report tests: Munkedal and Tanum in a
cooperation, Lysekil outside it; an in-house and two private providers in Munkedal (one with a
group of only 4 answers), one private provider in Tanum; a visit with findings and cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from followup.constants import CaseKind, FindingStatus, Severity, VisitStatus
from lov_portal.accounts.constants import Role
from tests.factories import (
    CooperationFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    user_with_role,
)
from tests.followup.factories import (
    CaseFactory,
    FindingFactory,
    FollowUpVisitFactory,
    SurveyResultFactory,
    indicator,
)

YEAR = 2026
# The value of the group of 4 answers: it must never appear anywhere.
HIDDEN_VALUE = Decimal("41.75")


@dataclass
class World:
    munkedal: object
    tanum: object
    lysekil: object
    cooperation: object
    in_house: object
    asa: object
    small: object
    tanum_provider: object
    officer: object
    tanum_officer: object
    lysekil_officer: object
    provider_user: object


def build_world() -> World:
    munkedal = MunicipalityFactory(code="1430", name="Munkedal")
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    lysekil = MunicipalityFactory(code="1484", name="Lysekil")
    cooperation = CooperationFactory(name="NoBo-samverkan", municipalities=[munkedal, tanum])
    service = ServiceTypeFactory(code="omvardnad", name="Omvårdnad")
    in_house = ProviderFactory(
        name="Munkedals hemtjänst", is_in_house=True, in_house_municipality=munkedal
    )
    asa = ProviderFactory(name="Åsa Äldreomsorg Öst AB")
    small = ProviderFactory(name="Liten Omsorg Väst AB")
    tanum_provider = ProviderFactory(name="Tanums Trygghet AB")

    def result(provider, municipality, code, value, respondents):
        SurveyResultFactory(
            indicator=indicator(code),
            municipality=municipality,
            provider=provider,
            service_type=service,
            year=YEAR,
            value=Decimal(value),
            respondents=respondents,
        )

    result(in_house, munkedal, "overall_satisfaction", "88.00", 40)
    result(asa, munkedal, "overall_satisfaction", "92.50", 20)
    result(small, munkedal, "overall_satisfaction", HIDDEN_VALUE, 4)
    result(in_house, munkedal, "nki", "74.00", 40)
    result(asa, munkedal, "nki", "79.00", 20)
    result(in_house, munkedal, "continuity", "11.00", 40)
    result(asa, munkedal, "continuity", "7.50", 20)
    result(tanum_provider, tanum, "overall_satisfaction", "81.00", 12)
    result(asa, munkedal, "feels_safe", "96.00", 30)
    # Another year and another municipality: never in Munkedal's 2026 report.
    SurveyResultFactory(
        indicator=indicator("on_time"),
        municipality=munkedal,
        provider=asa,
        service_type=service,
        year=YEAR - 1,
        value=Decimal("55.55"),
        respondents=30,
    )
    SurveyResultFactory(
        indicator=indicator("on_time"),
        municipality=lysekil,
        provider=asa,
        service_type=service,
        year=YEAR,
        value=Decimal("12.34"),
        respondents=50,
    )

    officer = user_with_role(Role.QUALITY_OFFICER, municipality=munkedal, email="kvalitet@m.test")
    visit = FollowUpVisitFactory(
        municipality=munkedal,
        provider=asa,
        planned_on=datetime.date(YEAR, 3, 10),
        carried_out_on=datetime.date(YEAR, 3, 10),
        status=VisitStatus.DONE,
        officer=officer,
    )
    FindingFactory(visit=visit, severity=Severity.HIGH, status=FindingStatus.AWAITING_PLAN)
    FindingFactory(visit=visit, severity=Severity.MEDIUM, status=FindingStatus.PLAN_ACCEPTED)
    FollowUpVisitFactory(
        municipality=munkedal,
        provider=in_house,
        planned_on=datetime.date(YEAR, 12, 2),
        officer=officer,
    )
    FollowUpVisitFactory(
        municipality=munkedal,
        provider=in_house,
        planned_on=datetime.date(YEAR, 5, 2),
        status=VisitStatus.CANCELLED,
        officer=officer,
    )
    # Cases of the report's year, whatever year the test runs in.
    received = timezone.make_aware(datetime.datetime(YEAR, 6, 1, 10, 0))
    for municipality, provider, kind in [
        (munkedal, asa, CaseKind.COMPLAINT),
        (munkedal, asa, CaseKind.COMPLAINT),
        (munkedal, asa, CaseKind.LEX_SARAH),
        (munkedal, in_house, CaseKind.DEVIATION),
        (munkedal, None, CaseKind.COMPLAINT),
        (lysekil, asa, CaseKind.COMPLAINT),
    ]:
        CaseFactory(municipality=municipality, provider=provider, kind=kind, received_at=received)
    return World(
        munkedal=munkedal,
        tanum=tanum,
        lysekil=lysekil,
        cooperation=cooperation,
        in_house=in_house,
        asa=asa,
        small=small,
        tanum_provider=tanum_provider,
        officer=officer,
        tanum_officer=user_with_role(
            Role.QUALITY_OFFICER, municipality=tanum, email="kvalitet@t.test"
        ),
        lysekil_officer=user_with_role(
            Role.QUALITY_OFFICER, municipality=lysekil, email="kvalitet@l.test"
        ),
        provider_user=user_with_role(Role.PROVIDER_USER, provider=asa, email="asa@p.test"),
    )
