"""A small catalogue: Sotenäs with its own provider, two private ones, one suspended, and a
provider that works only in Lysekil."""

from decimal import Decimal

import pytest

from providers.constants import ContractStatus, LegalForm
from providers.models import AdditionalService, Language, Specialisation
from tests.factories import (
    AreaFactory,
    AreaPostalCodeFactory,
    ContractFactory,
    MunicipalityFactory,
    ProviderFactory,
    ServiceTypeFactory,
)
from tests.factories import _orgnr as orgnr


@pytest.fixture
def catalogue(db):
    sotenas = MunicipalityFactory(code="1427", name="Sotenäs", organisation_name="Sotenäs kommun")
    lysekil = MunicipalityFactory(code="1484", name="Lysekil")
    kungshamn = AreaFactory(municipality=sotenas, name="Kungshamn")
    smogen = AreaFactory(municipality=sotenas, name="Smögen")
    AreaPostalCodeFactory(area=kungshamn, postal_code="45632")
    AreaPostalCodeFactory(area=smogen, postal_code="45043")
    service = ServiceTypeFactory(code="hemtjanst-service", name="Hemtjänst – service")
    care = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")

    in_house = ProviderFactory(
        name="Sotenäs kommun – hemtjänst i egen regi",
        organisation_number=orgnr(90001),
        legal_form=LegalForm.MUNICIPALITY,
        is_in_house=True,
        in_house_municipality=sotenas,
    )
    ContractFactory(
        provider=in_house,
        municipality=sotenas,
        service_types=[service, care],
        areas=[kungshamn, smogen],
    )
    alvan = ProviderFactory(
        name="Älvans Omsorg AB",
        organisation_number=orgnr(90002),
        presentation="Vi finns i Kungshamn sedan 1998.",
        phone="0523-123 45",
    )
    alvan.languages.set(Language.objects.filter(code__in=["fi", "sv"]))
    alvan.specialisations.set(Specialisation.objects.filter(code="dementia"))
    AdditionalService.objects.create(provider=alvan, name="Fönsterputs", price=Decimal("450.00"))
    ContractFactory(provider=alvan, municipality=sotenas, service_types=[care], areas=[kungshamn])
    battre = ProviderFactory(name="Bättre Hemtjänst AB", organisation_number=orgnr(90003))
    battre.languages.set(Language.objects.filter(code="ar"))
    ContractFactory(
        provider=battre,
        municipality=sotenas,
        service_types=[service],
        areas=[smogen],
        capacity_value=0,
    )
    suspended = ProviderFactory(name="Avstängda Omsorgen AB", organisation_number=orgnr(90004))
    ContractFactory(
        provider=suspended,
        municipality=sotenas,
        service_types=[service, care],
        areas=[kungshamn, smogen],
        status=ContractStatus.SUSPENDED,
    )
    elsewhere = ProviderFactory(name="Lysekils Omsorg AB", organisation_number=orgnr(90005))
    ContractFactory(
        provider=elsewhere,
        municipality=lysekil,
        service_types=[care],
        areas=[AreaFactory(municipality=lysekil)],
    )
    return {
        "sotenas": sotenas,
        "lysekil": lysekil,
        "kungshamn": kungshamn,
        "smogen": smogen,
        "service": service,
        "care": care,
        "in_house": in_house,
        "alvan": alvan,
        "battre": battre,
        "suspended": suspended,
        "elsewhere": elsewhere,
    }
