"""Fixtures and helpers of the follow-up visit tests: Munkedal, a private provider with an
active contract made on a request with three requirements, its user and a quality officer."""

import datetime

import pytest

from followup import services
from followup.constants import Severity, VisitKind
from lov_portal.accounts.constants import Role
from tests.factories import MunicipalityFactory, ProviderFactory, user_with_role
from tests.followup.factories import contract_with_requirements

__all__ = ["munkedal", "provider", "officer", "provider_user"]

TODAY = datetime.date(2026, 11, 2)


@pytest.fixture
def munkedal():
    return MunicipalityFactory(code="1430", name="Munkedal")


@pytest.fixture
def provider(munkedal):
    provider = ProviderFactory(name="Omsorg Åt Alla AB")
    contract_with_requirements(municipality=munkedal, provider=provider)
    return provider


@pytest.fixture
def officer(munkedal):
    return user_with_role(Role.QUALITY_OFFICER, municipality=munkedal, email="kvalitet@munkedal.se")


@pytest.fixture
def provider_user(provider):
    return user_with_role(Role.PROVIDER_USER, provider=provider, email="chef@omsorg.example")


def plan(officer, munkedal, provider, **kwargs):
    return services.visit_plan(
        municipality=munkedal,
        provider=provider,
        kind=kwargs.pop("kind", VisitKind.ROUTINE),
        planned_on=datetime.date(2026, 10, 20),
        purpose="Årlig uppföljning",
        actor=officer,
        **kwargs,
    )


def done_visit_with_finding(officer, munkedal, provider, *, deadline=datetime.date(2026, 11, 30)):
    visit = plan(officer, munkedal, provider)
    finding = services.finding_add(
        visit=visit,
        text="Genomförandeplaner saknas",
        severity=Severity.HIGH,
        plan_deadline=deadline,
        actor=officer,
        today=TODAY,
    )
    services.visit_carry_out(
        visit=visit,
        carried_out_on=datetime.date(2026, 10, 20),
        summary="Besök genomfört.",
        actor=officer,
        today=TODAY,
    )
    return visit, finding
