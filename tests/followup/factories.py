"""Factories of the quality follow-up app. Rows are made directly here only as fixtures; the
behaviour under test always goes through the services."""

import datetime
from decimal import Decimal

import factory

from followup.constants import CaseChannel, CaseKind, Severity, VisitKind
from followup.models import (
    Case,
    Finding,
    FollowUpVisit,
    Indicator,
    QualityReport,
    SurveyResult,
)
from tests.factories import (
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
    UserFactory,
)


def indicator(code: str = "overall_satisfaction") -> Indicator:
    """One of the indicators the migration 0002 adds."""
    return Indicator.objects.get(code=code)


class SurveyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResult

    indicator = factory.LazyFunction(indicator)
    municipality = factory.SubFactory(MunicipalityFactory)
    provider = factory.SubFactory(ProviderFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)
    year = 2026
    value = Decimal("85.00")
    respondents = 20
    source = "manual"


class FollowUpVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpVisit

    municipality = factory.SubFactory(MunicipalityFactory)
    provider = factory.SubFactory(ProviderFactory)
    kind = VisitKind.ROUTINE
    planned_on = datetime.date(2026, 10, 1)
    officer = factory.SubFactory(UserFactory)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    visit = factory.SubFactory(FollowUpVisitFactory)
    text = "Genomförandeplaner saknas för två kunder."
    severity = Severity.MEDIUM


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"K-2026-{n + 1:04d}")
    municipality = factory.SubFactory(MunicipalityFactory)
    provider = factory.SubFactory(ProviderFactory)
    kind = CaseKind.COMPLAINT
    channel = CaseChannel.PUBLIC_FORM
    subject = "Uteblivna besök"
    description = "Personalen kom inte på tisdag och onsdag."

    @classmethod
    def _create(cls, model_class, *args, received_at=None, **kwargs):
        """`received_at` backdates the case (the field is set on insert, to now)."""
        case = super()._create(model_class, *args, **kwargs)
        if received_at is not None:
            model_class.objects.filter(pk=case.pk).update(received_at=received_at)
            case.received_at = received_at
        return case


class QualityReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityReport

    municipality = factory.SubFactory(MunicipalityFactory)
    year = 2026
    requested_by = factory.SubFactory(UserFactory)


# --- Follow-up visits -------------------------------------------------------------------------


def contract_with_requirements(*, municipality, provider, reference="LOV-2026-1"):
    """An active contract of `provider` in `municipality`, made on a published request with
    three requirements (the checklist a planned visit copies)."""
    from tests.factories import ContractFactory, published_request

    request = published_request(municipalities=[municipality], reference=reference)
    return ContractFactory(municipality=municipality, provider=provider, request=request)
