"""Contracts in the browser: the municipality lists, warns, suspends, reactivates and
terminates (always with a reason); the provider sees its own contracts only; the public
catalogue shows providers with an active contract and hides suspended and terminated ones."""

import pytest
from django.conf import settings
from django.urls import reverse

from lov_portal.accounts.constants import Role
from providers.constants import ContractEventKind, ContractStatus
from providers.models import Contract, ContractEvent
from providers.selectors import provider_list_contracted
from tests.factories import ContractFactory, MunicipalityFactory, ProviderFactory, user_with_role
from tests.providers.conftest import decided_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """UI text is asserted in English (the msgids), whatever the Swedish translation says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def sotenas():
    return MunicipalityFactory(code="1427", name="Sotenäs")


@pytest.fixture
def lysekil():
    return MunicipalityFactory(code="1484", name="Lysekil")


@pytest.fixture
def users(sotenas, lysekil):
    provider = ProviderFactory(name="Omsorg Åt Alla AB")
    return {
        "provider": provider,
        "provider_user": user_with_role(Role.PROVIDER_USER, provider=provider),
        "procurement": user_with_role(Role.PROCUREMENT_OFFICER, municipality=sotenas),
        "admin": user_with_role(Role.MUNICIPAL_ADMIN, municipality=sotenas),
        "reviewer": user_with_role(Role.BOARD_REVIEWER, municipality=sotenas),
        "procurement_lysekil": user_with_role(Role.PROCUREMENT_OFFICER, municipality=lysekil),
    }


@pytest.fixture
def contract(sotenas, users):
    """The contract Sotenäs' approval of the provider's application created."""
    application = decided_application(
        municipality=sotenas,
        provider=users["provider"],
        provider_user=users["provider_user"],
        reviewer=users["reviewer"],
        procurement=users["procurement"],
    )
    return application.municipalities.get().contract


def _detail(contract):
    return reverse("providers:contract_detail", args=[contract.pk])


def _status(client, contract, to, reason):
    return client.post(
        reverse("providers:contract_change_status", args=[contract.pk]),
        {"to": to, f"{_PREFIX[to]}-reason": reason},
    )


_PREFIX = {"suspended": "suspend", "active": "reactivate", "terminated": "terminate"}


def _catalogue_names(client, municipality):
    """The providers the public catalogue data of `municipality` lists."""
    names = [p.name for p in provider_list_contracted(municipality=municipality).order_by("name")]
    page = client.get(reverse("catalog:list", args=[municipality.code])).content.decode()
    assert all(name in page for name in names)
    return names


# --- Lists and pages --------------------------------------------------------------------------


def test_municipal_users_list_their_municipalitys_contracts(client, contract, users, lysekil):
    ContractFactory(municipality=lysekil, provider=ProviderFactory(name="Lysekilsbolaget AB"))
    for user in (users["procurement"], users["admin"], users["reviewer"]):
        client.force_login(user)
        response = client.get(reverse("providers:contract_list"))
        assert list(response.context["page"]) == [contract], user
        assert client.get(_detail(contract)).status_code == 200
    client.force_login(users["procurement_lysekil"])
    response = client.get(reverse("providers:contract_list"))
    assert [c.provider.name for c in response.context["page"]] == ["Lysekilsbolaget AB"]


def test_contract_list_filters_by_status_and_provider(client, contract, users, sotenas):
    other = ContractFactory(
        municipality=sotenas,
        provider=ProviderFactory(name="Bolaget B AB"),
        status=ContractStatus.SUSPENDED,
    )
    client.force_login(users["procurement"])
    url = reverse("providers:contract_list")
    assert set(client.get(url).context["page"]) == {contract, other}
    assert list(client.get(url, {"status": "suspended"}).context["page"]) == [other]
    assert list(client.get(url, {"status": "active"}).context["page"]) == [contract]
    response = client.get(url, {"provider": users["provider"].pk})
    assert list(response.context["page"]) == [contract]
    # Only providers with a contract in the user's municipalities are offered.
    ContractFactory(provider=ProviderFactory(name="Någon annanstans AB"))
    offered = client.get(url).context["filter"].form.fields["provider"].queryset
    assert sorted(p.name for p in offered) == ["Bolaget B AB", "Omsorg Åt Alla AB"]


def test_contract_page_shows_the_terms(client, contract, users):
    client.force_login(users["procurement"])
    page = client.get(_detail(contract)).content.decode()
    for text in (
        "Omsorg Åt Alla AB",
        "Sotenäs",
        contract.service_types.get().display_name,
        contract.areas.get().name,
        contract.valid_from.strftime("%Y-%m-%d"),
        "Active",
    ):
        assert text in page, text


def test_outsiders_get_404_or_403_and_change_nothing(client, contract, users):
    outsiders = [
        users["procurement_lysekil"],
        user_with_role(Role.MUNICIPAL_ADMIN, municipality=MunicipalityFactory(code="1435")),
        user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(_detail(contract)).status_code in (403, 404)
        response = client.post(
            reverse("providers:contract_warn", args=[contract.pk]), {"warn-reason": "Nej"}
        )
        assert response.status_code in (403, 404)
        assert _status(client, contract, "terminated", "Nej").status_code in (403, 404)
    # Someone from another municipality gets the same 404 as for a missing contract.
    client.force_login(users["procurement_lysekil"])
    assert client.get(_detail(contract)).status_code == 404
    assert client.get(reverse("providers:contract_detail", args=[99999])).status_code == 404
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert not ContractEvent.objects.exists()


def test_board_reviewer_reads_but_does_not_act(client, contract, users):
    client.force_login(users["reviewer"])
    page = client.get(_detail(contract))
    assert page.context["can_manage"] is False
    assert reverse("providers:contract_warn", args=[contract.pk]) not in page.content.decode()
    response = client.post(
        reverse("providers:contract_warn", args=[contract.pk]), {"warn-reason": "Varning"}
    )
    assert response.status_code == 403
    assert not ContractEvent.objects.exists()


# --- Warn, suspend, reactivate, terminate -----------------------------------------------------


def test_warning_needs_a_reason_and_is_recorded_with_who_and_when(client, contract, users):
    client.force_login(users["admin"])
    url = reverse("providers:contract_warn", args=[contract.pk])

    response = client.post(url, {"warn-reason": "  "})
    assert response.status_code == 200
    assert list(response.context["warn_form"].errors) == ["reason"]
    assert "Give the reason." in response.content.decode()
    assert not ContractEvent.objects.exists()

    response = client.post(url, {"warn-reason": "Sena besök i oktober."})
    assert response.status_code == 302
    event = ContractEvent.objects.get()
    assert (event.kind, event.reason, event.actor) == (
        ContractEventKind.WARNING,
        "Sena besök i oktober.",
        users["admin"],
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE  # a warning does not change the status
    page = client.get(_detail(contract)).content.decode()
    assert "Sena besök i oktober." in page
    assert users["admin"].full_name in page


def test_suspension_needs_a_reason_at_the_field(client, contract, users):
    client.force_login(users["procurement"])
    response = _status(client, contract, "suspended", "")
    assert response.status_code == 200
    [(to, _label, form)] = [f for f in response.context["status_forms"] if f[0] == "suspended"]
    assert list(form.errors) == ["reason"]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


def test_suspend_reactivate_terminate_with_reasons_and_the_catalogue_follows(
    client, contract, users, sotenas
):
    client.force_login(users["procurement"])
    assert _catalogue_names(client, sotenas) == ["Omsorg Åt Alla AB"]

    assert _status(client, contract, "suspended", "IVO-tillståndet har gått ut.").status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.status_reason) == (
        ContractStatus.SUSPENDED,
        "IVO-tillståndet har gått ut.",
    )
    assert _catalogue_names(client, sotenas) == []
    catalogue = client.get(reverse("catalog:list", args=[sotenas.code])).content.decode()
    assert "Omsorg Åt Alla AB" not in catalogue

    assert _status(client, contract, "active", "Nytt tillstånd inkom.").status_code == 302
    assert _catalogue_names(client, sotenas) == ["Omsorg Åt Alla AB"]

    assert _status(client, contract, "terminated", "Avtalet sagt upp.").status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert _catalogue_names(client, sotenas) == []
    assert [(e.kind, e.actor) for e in contract.events.order_by("at", "pk")] == [
        (ContractEventKind.SUSPENSION, users["procurement"]),
        (ContractEventKind.REACTIVATION, users["procurement"]),
        (ContractEventKind.TERMINATION, users["procurement"]),
    ]
    # A terminated contract offers no more actions, and cannot be brought back.
    page = client.get(_detail(contract))
    assert page.context["status_forms"] == []
    response = _status(client, contract, "active", "Försök igen.")
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED


def test_unknown_status_is_refused(client, contract, users):
    client.force_login(users["procurement"])
    response = client.post(
        reverse("providers:contract_change_status", args=[contract.pk]),
        {"to": "deleted", "deleted-reason": "x"},
    )
    assert response.status_code == 404
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


# --- Catalogue data ---------------------------------------------------------------------------


def test_catalogue_lists_only_active_contracts_per_municipality(client, contract, sotenas, lysekil):
    terminated = ContractFactory(
        municipality=sotenas,
        provider=ProviderFactory(name="Uppsagt AB"),
        status=ContractStatus.TERMINATED,
    )
    ContractFactory(municipality=lysekil, provider=ProviderFactory(name="Lysekilsbolaget AB"))

    assert _catalogue_names(client, sotenas) == ["Omsorg Åt Alla AB"]
    assert _catalogue_names(client, lysekil) == ["Lysekilsbolaget AB"]
    client.logout()  # public
    page = client.get(reverse("catalog:list", args=[sotenas.code]))
    assert page.status_code == 200
    assert terminated.provider.name not in page.content.decode()
    assert "Lysekilsbolaget AB" not in page.content.decode()


# --- The provider's side ----------------------------------------------------------------------


def test_provider_sees_only_its_own_contracts_read_only_with_warnings(
    client, contract, users, sotenas
):
    client.force_login(users["admin"])
    client.post(
        reverse("providers:contract_warn", args=[contract.pk]), {"warn-reason": "Sena besök."}
    )
    others = ContractFactory(municipality=sotenas, provider=ProviderFactory(name="Konkurrent AB"))

    client.force_login(users["provider_user"])
    response = client.get(reverse("providers:portal_contract_list"))
    assert list(response.context["contracts"]) == [contract]
    page = client.get(reverse("providers:portal_contract_detail", args=[contract.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Sena besök." in content
    assert "Warning" in content
    assert "<form" not in content.split('id="main"')[1]  # read only: no action forms
    assert users["admin"].full_name not in content
    other_url = reverse("providers:portal_contract_detail", args=[others.pk])
    assert client.get(other_url).status_code == 404
    # The municipal pages are not the provider's.
    assert client.get(_detail(contract)).status_code in (403, 404)
    assert Contract.objects.count() == 2
