"""Citizens (brukare): identity numbers, the municipality's register, protected identity and
the audit log of every read and change."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services
from assessments.models import Citizen
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from lov_portal.core.identity import parse_identity_number
from tests.factories import AreaFactory, AreaPostalCodeFactory, MunicipalityFactory, user_with_role

TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("value", "digits", "coordination"),
    [
        ("201701012393", "201701012393", False),  # Skatteverket's test numbers (dataportal.se)
        ("20170101-2393", "201701012393", False),
        ("19121212-1212", "191212121212", False),
        ("121212-1212", "201212121212", False),  # 10 digits with '-': under 100 years old
        ("121212+1212", "191212121212", False),  # '+': 100 or older
        ("701063-2391", "197010632391", True),  # samordningsnummer: day of birth + 60
        (" 19701063 2391 ", "197010632391", True),
    ],
)
def test_valid_identity_numbers(value, digits, coordination):
    number = parse_identity_number(value, today=TODAY)
    assert (number.digits, number.is_coordination_number) == (digits, coordination)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            "20170101-2394",
            "checksum",
            "Kontrollsiffran är fel. Kontrollera de fyra sista siffrorna.",
        ),
        ("19990230-1234", "date", "Datumet i numret finns inte. Kontrollera år, månad och dag."),
        ("19701093-2391", "date", "Datumet i numret finns inte. Kontrollera år, månad och dag."),
        ("20301212-1212", "date", "Datumet i numret ligger i framtiden."),
        ("1912121-21212", "format", None),
        ("abc", "format", None),
        ("", "format", None),
    ],
)
def test_invalid_identity_numbers_say_what_is_wrong_in_swedish(value, code, message):
    with pytest.raises(ValidationError) as raised:
        parse_identity_number(value, today=TODAY)
    assert raised.value.code == code
    if message:
        assert raised.value.messages == [message]


@pytest.fixture
def tanum(db):
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    grebbestad = AreaFactory(municipality=tanum, name="Grebbestad")
    AreaPostalCodeFactory(area=grebbestad, postal_code="45795")
    return {
        "municipality": tanum,
        "area": grebbestad,
        "assessor": user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum),
        "colleague": user_with_role(Role.NEEDS_ASSESSOR, municipality=tanum),
        "outsider": user_with_role(Role.NEEDS_ASSESSOR, municipality=MunicipalityFactory()),
    }


def register(client, tanum, **overrides):
    client.force_login(tanum["assessor"])
    data = {
        "identity_number": "19121212-1212",
        "municipality": tanum["municipality"].pk,
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "street_address": "Storgatan 1",
        "postal_code": "457 95",
        "city": "Grebbestad",
        **overrides,
    }
    return client.post(reverse("assessments:citizen_register"), data)


def test_register_find_and_read_a_citizen_with_audit(client, tanum):
    response = register(client, tanum)
    citizen = Citizen.objects.get()
    assert response.url == reverse("assessments:citizen_detail", args=[citizen.pk])
    assert (citizen.identity_number, citizen.area) == ("191212121212", tanum["area"])

    found = client.get(reverse("assessments:citizen_search"), {"identity_number": "121212+1212"})
    assert found.url == reverse("assessments:citizen_detail", args=[citizen.pk])
    page = client.get(found.url).content.decode()
    assert "19121212-1212" in page and "Storgatan 1" in page

    events = AuditEvent.objects.filter(
        object_type="assessments.citizen", object_id=str(citizen.pk)
    ).values_list("action", flat=True)
    assert list(events.order_by("pk")) == ["create", "read"]
    # The log names the person, never the identity number.
    assert not AuditEvent.objects.filter(object_repr__contains="1212").exists()


def test_a_bad_number_and_a_duplicate_are_field_errors_and_keep_the_input(client, tanum):
    response = register(client, tanum, identity_number="19121212-1213")
    assert response.status_code == 200
    assert response.context["form"].errors["identity_number"] == [
        "Kontrollsiffran är fel. Kontrollera de fyra sista siffrorna."
    ]
    assert response.context["form"]["first_name"].value() == "Tolvan"

    register(client, tanum)
    again = register(client, tanum, identity_number="121212+1212")
    assert again.context["form"].errors["identity_number"] == [
        "En brukare med det här numret är redan registrerad."
    ]
    assert Citizen.objects.count() == 1


def test_another_municipality_sees_nothing(client, tanum):
    register(client, tanum)
    citizen = Citizen.objects.get()
    client.force_login(tanum["outsider"])

    for name in ("citizen_detail", "citizen_update", "contact_person_add"):
        assert client.get(reverse(f"assessments:{name}", args=[citizen.pk])).status_code == 404
    search = client.get(reverse("assessments:citizen_search"), {"identity_number": "19121212-1212"})
    assert search.status_code == 200 and search.context["not_found"]
    assert not AuditEvent.objects.filter(actor=tanum["outsider"], action="read").exists()


def test_protected_identity_hides_the_address_from_those_not_allowed(client, tanum):
    register(client, tanum, protected_identity="on")
    citizen = Citizen.objects.get()
    url = reverse("assessments:citizen_detail", args=[citizen.pk])

    assert "Storgatan 1" in client.get(url).content.decode()  # the one who registered it

    client.force_login(tanum["colleague"])
    page = client.get(url).content.decode()
    assert "Storgatan 1" not in page and "457 95" not in page and "45795" not in page
    assert "Visas inte: skyddad identitet." in page
    edit = client.get(reverse("assessments:citizen_update", args=[citizen.pk]))
    assert "street_address" not in edit.context["form"].fields
    contact = reverse("assessments:contact_person_add", args=[citizen.pk])
    assert client.get(contact).status_code == 403

    # A change by a colleague cannot touch the address.
    services.citizen_update(
        citizen=citizen, actor=tanum["colleague"], last_name="Tolvsson", street_address="Ny väg 2"
    )
    citizen.refresh_from_db()
    assert (citizen.last_name, citizen.street_address) == ("Tolvsson", "Storgatan 1")
    update = AuditEvent.objects.get(
        action="update", object_type="assessments.citizen", object_id=str(citizen.pk)
    )
    assert update.message == "last_name"


def test_only_needs_assessors_reach_the_register(client, tanum):
    for role in (Role.PROVIDER_USER, Role.FINANCE_OFFICER, Role.BOARD_REVIEWER):
        client.force_login(
            user_with_role(role, municipality=tanum["municipality"])
            if role != Role.PROVIDER_USER
            else user_with_role(role)
        )
        assert client.get(reverse("assessments:citizen_search")).status_code == 403
