import datetime

import factory
from stdnum import luhn

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import User
from lov_portal.accounts.services import role_assign
from lov_portal.core.constants import RateZone
from lov_portal.core.models import Area, AreaPostalCode, Cooperation, Municipality, ServiceType
from providers.constants import LegalForm
from providers.models import Provider

PASSWORD = "test-password-123"


def _orgnr(n: int) -> str:
    base = f"9991{n:05d}"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["code"]

    # Four digits (9000-9999: no real municipality) however many a run creates.
    code = factory.Sequence(lambda n: f"{9000 + n % 1000}")
    name = factory.Sequence(lambda n: f"Testkommun {n}")
    board_name = "Omsorgsnämnden"


class CooperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Samverkan {n}")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.set(extracted)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Område {n}")
    rate_zone = RateZone.URBAN


class AreaPostalCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaPostalCode

    area = factory.SubFactory(AreaFactory)
    postal_code = factory.Sequence(lambda n: f"{45000 + n:05d}")


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"insats-{n}")
    name = factory.Sequence(lambda n: f"Insats {n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Utförare {n} AB")
    organisation_number = factory.Sequence(_orgnr)
    legal_form = LegalForm.LIMITED_COMPANY
    has_f_tax = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    full_name = factory.Sequence(lambda n: f"Test Användare {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


def user_with_role(role: Role, *, municipality=None, provider=None, **kwargs) -> User:
    """A user holding `role` where it is scoped: a municipality, a provider, or everywhere."""
    user = UserFactory(**kwargs)
    if role == Role.PROVIDER_USER:
        provider = provider or ProviderFactory()
    elif role != Role.SYSTEM_ADMIN:
        municipality = municipality or MunicipalityFactory()
    role_assign(user=user, role=role, municipality=municipality, provider=provider, actor=None)
    return user


def published_request(*, municipalities, actor=None, requirements=None, **kwargs):
    """A published request for applications owned by a cooperation of `municipalities`
    (or by the one municipality), with one section of requirements."""
    from providers.constants import EvidenceKind, PaymentBasis
    from providers.services import (
        request_create,
        request_publish,
        requirement_add,
        requirement_section_add,
    )

    owner = {}
    if len(municipalities) == 1:
        owner["owner_municipality"] = municipalities[0]
    else:
        owner["owner_cooperation"] = CooperationFactory(municipalities=municipalities)
    areas = [AreaFactory(municipality=m) for m in municipalities]
    service = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    request = request_create(
        reference=kwargs.pop("reference", "LOV-2026-1"),
        title=kwargs.pop("title", "Hemtjänst i norra Bohuslän"),
        payment_basis=kwargs.pop("payment_basis", PaymentBasis.PERFORMED_TIME),
        service_types=[service],
        areas=areas,
        actor=actor,
        **owner,
        **kwargs,
    )
    version = request.versions.get()
    section = requirement_section_add(version=version, title="Grundkrav", actor=actor)
    for text, kind, extra in requirements or [
        ("Företaget har F-skatt", EvidenceKind.DECLARATION, {}),
        ("Beskriv verksamheten", EvidenceKind.TEXT, {}),
        ("SKV 4820, högst två månader gammalt", EvidenceKind.DATE, {"max_age_days": 60}),
    ]:
        requirement_add(section=section, text=text, evidence_kind=kind, actor=actor, **extra)
    request_publish(request=request, actor=actor)
    request.refresh_from_db()
    return request


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract as an approval leaves it (tests of what reads contracts, e.g. the catalogue).
    `service_types` and `areas` are lists."""

    class Meta:
        model = "providers.Contract"
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    valid_from = datetime.date(2026, 1, 1)

    @factory.post_generation
    def service_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.service_types.set(extracted)

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.set(extracted)
