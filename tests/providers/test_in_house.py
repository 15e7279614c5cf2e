"""The municipality's own provider is registered with a contract like any other provider."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lov_portal.accounts.constants import Role
from providers import selectors, services
from providers.constants import ContractStatus
from tests.factories import AreaFactory, ProviderFactory, ServiceTypeFactory, user_with_role


@pytest.fixture
def in_house(nobo):
    sotenas = nobo["sotenas"]
    return ProviderFactory(
        name="Sotenäs kommun – hemtjänst i egen regi",
        is_in_house=True,
        in_house_municipality=sotenas,
    )


@pytest.mark.django_db
def test_in_house_contract_is_listed_in_its_municipality_only(nobo, in_house):
    sotenas, lysekil = nobo["sotenas"], nobo["lysekil"]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, municipality=sotenas)
    area = AreaFactory(municipality=sotenas)
    contract = services.contract_create_in_house(
        provider=in_house,
        service_types=[ServiceTypeFactory()],
        areas=[area],
        valid_from=date(2026, 1, 1),
        actor=admin,
    )

    assert contract.municipality == sotenas
    assert list(contract.areas.all()) == [area]
    assert list(selectors.provider_list_contracted(municipality=sotenas)) == [in_house]
    assert list(selectors.provider_list_contracted(municipality=lysekil)) == []

    services.contract_change_status(
        contract=contract, to=ContractStatus.SUSPENDED, reason="Brister i bemanningen", actor=admin
    )
    assert list(selectors.provider_list_contracted(municipality=sotenas)) == []


@pytest.mark.django_db
def test_in_house_contract_refuses_other_providers_areas_and_actors(nobo, in_house):
    sotenas, lysekil = nobo["sotenas"], nobo["lysekil"]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, municipality=sotenas)
    kwargs = {"service_types": [], "valid_from": date(2026, 1, 1)}

    with pytest.raises(ValidationError):
        services.contract_create_in_house(
            provider=nobo["provider"], areas=[], actor=admin, **kwargs
        )
    with pytest.raises(ValidationError):
        services.contract_create_in_house(
            provider=in_house, areas=[AreaFactory(municipality=lysekil)], actor=admin, **kwargs
        )
    lysekil_admin = user_with_role(Role.MUNICIPAL_ADMIN, municipality=lysekil)
    with pytest.raises(PermissionDenied):
        services.contract_create_in_house(
            provider=in_house, areas=[], actor=lysekil_admin, **kwargs
        )
    assert not in_house.contracts.exists()
