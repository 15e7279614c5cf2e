"""Provider accounts: a company registers, invites colleagues with their own logins and keeps
the profile the catalogue shows. Everything through the Django test client, without
JavaScript. Assertions use error codes and behaviour, not wording (translations change)."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from stdnum import luhn

from lov_portal.accounts.constants import Role
from lov_portal.accounts.models import RoleAssignment, User
from lov_portal.audit.models import AuditEvent
from providers.models import AdditionalService, Language, Provider, Specialisation
from tests.factories import PASSWORD, ProviderFactory, user_with_role

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "Blåbärssoppa-i-Kungshamn-42"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\0" * 64
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 200


def _orgnr(digits9: str) -> str:
    """A test organisation number with a correct Luhn check digit, written NNNNNNNNNN."""
    return digits9 + luhn.calc_check_digit(digits9)


VALID_ORGNR = _orgnr("999100123")


def _registration(**overrides) -> dict:
    data = {
        "organisation_number": VALID_ORGNR,
        "name": "Omsorg i Smögen AB",
        "legal_form": "limited_company",
        "has_f_tax": "yes",
        "street_address": "Hamngatan 3",
        "postal_code": "456 50",
        "city": "Kungshamn",
        "email": "info@omsorg-smogen.test",
        "phone": "0523-123 45",
        "user_full_name": "Åsa Öberg",
        "user_email": "Asa.Oberg@omsorg-smogen.test",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return data


# --- Registration ----------------------------------------------------------------------------


def test_start_and_login_pages_link_to_registration(client):
    url = reverse("providers:provider_register")
    assert url in client.get(reverse("core:start")).content.decode()
    assert url in client.get(reverse("accounts:login")).content.decode()


def test_registration_creates_provider_and_logged_in_user(client):
    response = client.post(reverse("providers:provider_register"), _registration())

    assert response.status_code == 302
    assert response.url == reverse("providers:portal")
    provider = Provider.objects.get()
    assert provider.organisation_number == f"{VALID_ORGNR[:6]}-{VALID_ORGNR[6:]}"
    assert provider.postal_code == "45650"
    assert provider.has_f_tax is True
    assert provider.is_in_house is False
    user = User.objects.get()
    assert user.email == "asa.oberg@omsorg-smogen.test"
    assert user.check_password(STRONG_PASSWORD)
    assert RoleAssignment.objects.filter(
        user=user, role=Role.PROVIDER_USER, provider=provider
    ).exists()
    assert int(client.session[SESSION_KEY]) == user.pk
    portal = client.get(reverse("providers:portal"))
    assert portal.status_code == 200
    assert reverse("providers:provider_profile", args=[provider.pk]) in portal.content.decode()
    assert AuditEvent.objects.filter(
        object_type="providers.provider", object_id=str(provider.pk), actor=user
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"organisation_number": VALID_ORGNR[:-1] + str((int(VALID_ORGNR[-1]) + 1) % 10)},
         "organisation_number", "checksum"),
        ({"organisation_number": "55601-0680"}, "organisation_number", "invalid"),
        ({"password1": "hemtjanst", "password2": "hemtjanst"}, "password1", "password_too_short"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1",
         "password_entirely_numeric"),
        ({"password2": STRONG_PASSWORD + "x"}, "password2", None),
        ({"postal_code": "4565"}, "postal_code", "invalid"),
        ({"legal_form": "municipality"}, "legal_form", "invalid_choice"),
    ],
    ids=["bad-luhn", "bad-format", "short-password", "numeric-password", "mismatch",
         "postal-code", "in-house"],
)  # fmt: skip
def test_registration_error_is_on_the_field_and_keeps_the_rest(client, overrides, field, code):
    response = client.post(reverse("providers:provider_register"), _registration(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    if code:
        assert form.has_error(field, code)
    html = response.content.decode()
    # The error is tied to its field for screen readers, and nothing else entered is lost.
    assert f'id="error_1_id_{field}"' in html or f"id_{field}_error" in html or "is-invalid" in html
    for kept in ("Omsorg i Smögen AB", "Hamngatan 3", "Kungshamn", "0523-123 45", "Åsa Öberg"):
        assert f'value="{kept}"' in html
    assert not Provider.objects.exists()
    assert not User.objects.exists()


def test_registration_with_a_registered_organisation_number_is_a_field_error(client):
    existing = ProviderFactory(organisation_number=f"{VALID_ORGNR[:6]}-{VALID_ORGNR[6:]}")

    response = client.post(reverse("providers:provider_register"), _registration())

    assert response.status_code == 200
    assert response.context["form"].has_error("organisation_number", "taken")
    assert 'value="Omsorg i Smögen AB"' in response.content.decode()
    assert list(Provider.objects.all()) == [existing]
    assert not User.objects.exists()


def test_registration_with_a_taken_email_is_a_field_error(client):
    user_with_role(Role.PROVIDER_USER, email="asa.oberg@omsorg-smogen.test")

    response = client.post(reverse("providers:provider_register"), _registration())

    assert response.context["form"].has_error("user_email", "taken")
    assert not Provider.objects.filter(name="Omsorg i Smögen AB").exists()


def test_logged_in_user_is_sent_on_from_registration(client, provider):
    client.force_login(user_with_role(Role.PROVIDER_USER, provider=provider))
    response = client.post(reverse("providers:provider_register"), _registration())
    assert response.status_code == 302
    assert Provider.objects.count() == 1


# --- Colleagues ------------------------------------------------------------------------------


@pytest.fixture
def company(provider):
    owner = user_with_role(Role.PROVIDER_USER, provider=provider, full_name="Ägare Ett")
    return {"provider": provider, "owner": owner}


def _invite(client, company, capture, *, email="kollega@omsorg.test", name="Kalle Kollega"):
    client.force_login(company["owner"])
    with capture(execute=True):
        return client.post(
            reverse("providers:colleagues", args=[company["provider"].pk]),
            {"full_name": name, "email": email},
        )


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/inbjudan/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_invitation_sets_a_password_and_gives_access_to_that_provider_only(
    client, company, django_capture_on_commit_callbacks
):
    other = ProviderFactory(name="Konkurrenten AB")
    response = _invite(client, company, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invitee = User.objects.get(email="kollega@omsorg.test")
    assert not invitee.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kollega@omsorg.test"]
    link = _link(mail.outbox[0])

    visitor = Client()
    response = visitor.get(link)
    assert response.status_code == 302  # the token moves into the session
    form_url = response.url
    assert "set-password" in form_url
    assert visitor.get(form_url).context["validlink"] is True
    response = visitor.post(
        form_url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("providers:portal")
    assert int(visitor.session[SESSION_KEY]) == invitee.pk
    portal = visitor.get(reverse("providers:portal")).content.decode()
    assert company["provider"].name in portal
    assert other.name not in portal

    # The link is used up; the colleague logs in with the new password like anyone else.
    assert Client().get(link).context["validlink"] is False
    fresh = Client()
    login = fresh.post(
        reverse("accounts:login"), {"username": "kollega@omsorg.test", "password": STRONG_PASSWORD}
    )
    assert login.status_code == 302
    assert (
        fresh.get(reverse("providers:colleagues", args=[company["provider"].pk])).status_code == 200
    )
    assert fresh.get(reverse("providers:colleagues", args=[other.pk])).status_code == 404


def test_invitation_password_must_pass_the_validators(
    client, company, django_capture_on_commit_callbacks
):
    _invite(client, company, django_capture_on_commit_callbacks)
    visitor = Client()
    form_url = visitor.get(_link(mail.outbox[0])).url
    response = visitor.post(form_url, {"new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200
    assert response.context["form"].has_error("new_password2", "password_too_short")
    assert not User.objects.get(email="kollega@omsorg.test").has_usable_password()


def test_expired_or_tampered_invitation_link_shows_a_clear_message(
    client, company, settings, django_capture_on_commit_callbacks
):
    _invite(client, company, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0])

    tampered = Client().get(link[:-3] + "abc/")
    assert tampered.status_code == 200
    assert tampered.context["validlink"] is False
    assert 'role="alert"' in tampered.content.decode()

    settings.PASSWORD_RESET_TIMEOUT = -1
    expired = Client().get(link)
    assert expired.status_code == 200
    assert expired.context["validlink"] is False


def test_password_reset_token_does_not_work_as_an_invitation(client, company):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    invitee = User.objects.create_user(email="x@omsorg.test", password=None, full_name="X")
    RoleAssignment.objects.create(
        user=invitee, role=Role.PROVIDER_USER, provider=company["provider"]
    )
    url = reverse(
        "providers:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(invitee.pk)),
            "token": default_token_generator.make_token(invitee),
        },
    )
    assert Client().get(url).context["validlink"] is False


def test_inviting_again_resends_the_link_and_a_municipal_address_is_refused(
    client, company, municipality, django_capture_on_commit_callbacks
):
    _invite(client, company, django_capture_on_commit_callbacks)
    _invite(client, company, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert RoleAssignment.objects.filter(user__email="kollega@omsorg.test").count() == 1

    reviewer = user_with_role(Role.BOARD_REVIEWER, municipality=municipality)
    response = _invite(client, company, django_capture_on_commit_callbacks, email=reviewer.email)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert not reviewer.role_assignments.filter(role=Role.PROVIDER_USER).exists()
    assert len(mail.outbox) == 2


def test_existing_provider_account_gets_access_and_a_notice(
    client, company, django_capture_on_commit_callbacks
):
    consultant = user_with_role(Role.PROVIDER_USER, email="konsult@test.example")
    response = _invite(client, company, django_capture_on_commit_callbacks, email=consultant.email)
    assert response.status_code == 302
    assert consultant.role_assignments.filter(provider=company["provider"]).exists()
    assert consultant.check_password(PASSWORD)  # unchanged
    assert "/inbjudan/" not in mail.outbox[0].body


def test_colleague_list_shows_only_own_colleagues(client, company):
    colleague = user_with_role(Role.PROVIDER_USER, provider=company["provider"])
    stranger = user_with_role(Role.PROVIDER_USER)
    client.force_login(company["owner"])
    html = client.get(reverse("providers:colleagues", args=[company["provider"].pk])).content
    assert colleague.email.encode() in html
    assert company["owner"].email.encode() in html
    assert stranger.email.encode() not in html


def test_remove_a_colleague_but_never_the_last_access(client, company):
    provider = company["provider"]
    colleague = user_with_role(Role.PROVIDER_USER, provider=provider)
    assignment = colleague.role_assignments.get()
    client.force_login(company["owner"])
    url = reverse("providers:colleague_remove", args=[provider.pk, assignment.pk])

    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(colleague.pk), message__contains="revoked")

    own = company["owner"].role_assignments.get()
    response = client.post(reverse("providers:colleague_remove", args=[provider.pk, own.pk]))
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


def test_remove_own_access_when_a_colleague_remains(client, company):
    provider = company["provider"]
    user_with_role(Role.PROVIDER_USER, provider=provider)
    own = company["owner"].role_assignments.get()
    client.force_login(company["owner"])
    response = client.post(reverse("providers:colleague_remove", args=[provider.pk, own.pk]))
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert not RoleAssignment.objects.filter(pk=own.pk).exists()


def test_another_providers_user_gets_404_everywhere(client, company):
    provider = company["provider"]
    assignment = company["owner"].role_assignments.get()
    client.force_login(user_with_role(Role.PROVIDER_USER))
    urls = [
        reverse("providers:provider_profile", args=[provider.pk]),
        reverse("providers:colleagues", args=[provider.pk]),
        reverse("providers:colleague_remove", args=[provider.pk, assignment.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"full_name": "x", "email": "x@x.test"}).status_code == 404, url
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert not User.objects.filter(email="x@x.test").exists()


def test_assignment_of_another_provider_is_404_under_own_provider(client, company):
    foreign = user_with_role(Role.PROVIDER_USER).role_assignments.get()
    client.force_login(company["owner"])
    url = reverse("providers:colleague_remove", args=[company["provider"].pk, foreign.pk])
    assert client.post(url).status_code == 404
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()


# --- Profile ---------------------------------------------------------------------------------


def _profile(provider, **overrides) -> dict:
    data = {
        "presentation": "Vi ger hemtjänst med kontinuitet på Sotenäshalvön.",
        "environmental_profile": "Elbilar och cykel.",
        "email": "kontakt@omsorg.test",
        "phone": "0523-111 22",
        "website": "https://omsorg.test",
        "street_address": "Storgatan 1",
        "postal_code": "45631",
        "city": "Kungshamn",
        "languages": [Language.objects.get(code="fi").pk, Language.objects.get(code="ar").pk],
        "specialisations": [Specialisation.objects.get(code="dementia").pk],
        "services-TOTAL_FORMS": "2",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "1000",
        "services-0-name": "Fönsterputs",
        "services-0-description": "Alla fönster, in- och utsida.",
        "services-0-price": "450.50",
        "services-0-price_unit": "tillfälle",
        "services-1-name": "",
        "services-1-description": "",
        "services-1-price": "",
        "services-1-price_unit": "timme",
    }
    data.update(overrides)
    return data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_profile_save_round_trip(client, company, media):
    provider = company["provider"]
    client.force_login(company["owner"])
    url = reverse("providers:provider_profile", args=[provider.pk])

    response = client.post(url, _profile(provider))
    assert response.status_code == 302, response.context and response.context["form"].errors
    provider.refresh_from_db()
    assert provider.presentation.startswith("Vi ger hemtjänst")
    assert provider.website == "https://omsorg.test"
    assert {lang.code for lang in provider.languages.all()} == {"fi", "ar"}
    assert [s.code for s in provider.specialisations.all()] == ["dementia"]
    service = provider.additional_services.get()
    assert (service.name, service.price, service.price_unit) == (
        "Fönsterputs",
        Decimal("450.50"),
        "tillfälle",
    )

    page = client.get(url)
    html = page.content.decode()
    assert "Vi ger hemtjänst med kontinuitet" in html
    assert 'value="Fönsterputs"' in html
    # One saved row and two empty rows to add more, without JavaScript.
    assert page.context["formset"].total_form_count() == 3

    # Remove the service, add another; the rest stays.
    response = client.post(
        url,
        _profile(
            provider,
            **{
                "services-TOTAL_FORMS": "2",
                "services-INITIAL_FORMS": "1",
                "services-0-id": str(service.pk),
                "services-0-provider": str(provider.pk),
                "services-0-DELETE": "on",
                "services-1-name": "Matlådor",
                "services-1-price": "89",
                "services-1-price_unit": "portion",
            },
        ),
    )
    assert response.status_code == 302
    assert [(s.name, s.price) for s in provider.additional_services.all()] == [
        ("Matlådor", Decimal("89.00"))
    ]
    assert AuditEvent.objects.filter(object_id=str(provider.pk), message="profile").count() == 2


def test_profile_service_without_price_is_a_field_error(client, company, media):
    provider = company["provider"]
    client.force_login(company["owner"])
    url = reverse("providers:provider_profile", args=[provider.pk])
    response = client.post(url, _profile(provider, **{"services-0-price": "-5"}))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].has_error("price", "min_value")
    assert 'value="Fönsterputs"' in response.content.decode()
    provider.refresh_from_db()
    assert provider.presentation == ""
    assert not AdditionalService.objects.exists()


def test_logo_upload_refuses_an_executable_renamed_png_and_keeps_the_rest(client, company, media):
    provider = company["provider"]
    client.force_login(company["owner"])
    url = reverse("providers:provider_profile", args=[provider.pk])
    logo = SimpleUploadedFile("logo.png", EXECUTABLE, content_type="image/png")

    response = client.post(url, {**_profile(provider), "logo": logo})

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["logo"]
    assert form.has_error("logo", "invalid_type")
    html = response.content.decode()
    assert "Vi ger hemtjänst med kontinuitet" in html
    assert 'value="Fönsterputs"' in html
    provider.refresh_from_db()
    assert not provider.logo
    assert provider.presentation == ""
    assert not list(media.rglob("*.*"))


def test_logo_upload_is_stored_privately_and_served_publicly(client, company, media):
    provider = company["provider"]
    client.force_login(company["owner"])
    url = reverse("providers:provider_profile", args=[provider.pk])
    logo = SimpleUploadedFile("vår logga.png", PNG, content_type="application/octet-stream")

    assert client.post(url, {**_profile(provider), "logo": logo}).status_code == 302
    provider.refresh_from_db()
    assert provider.logo.name.startswith(f"providers/{provider.pk}/logo/")
    assert provider.logo.name.endswith(".png")

    anonymous = Client().get(reverse("providers:provider_logo", args=[provider.pk]))
    assert anonymous.status_code == 200
    assert anonymous["Content-Type"] == "image/png"
    assert anonymous["X-Content-Type-Options"] == "nosniff"
    assert b"".join(anonymous.streaming_content) == PNG

    # Removing the logo: the public URL then gives 404.
    response = client.post(url, {**_profile(provider), "remove_logo": "on"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert not provider.logo
    assert Client().get(reverse("providers:provider_logo", args=[provider.pk])).status_code == 404


def test_logo_too_large_is_refused(client, company, media):
    provider = company["provider"]
    client.force_login(company["owner"])
    big = SimpleUploadedFile("logo.png", PNG + b"\0" * (2 * 1024 * 1024), content_type="image/png")
    response = client.post(
        reverse("providers:provider_profile", args=[provider.pk]),
        {**_profile(provider), "logo": big},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("logo", "too_large")


def test_service_of_another_provider_cannot_be_edited_through_the_formset(client, company, media):
    provider = company["provider"]
    foreign = AdditionalService.objects.create(
        provider=ProviderFactory(), name="Annans", price=Decimal("1")
    )
    client.force_login(company["owner"])
    response = client.post(
        reverse("providers:provider_profile", args=[provider.pk]),
        _profile(
            provider,
            **{
                "services-INITIAL_FORMS": "1",
                "services-0-id": str(foreign.pk),
                "services-0-provider": str(provider.pk),
            },
        ),
    )
    # Django treats an id outside the provider's own services as a new row: the other
    # provider's service is neither changed nor taken over.
    assert response.status_code in (200, 302)
    foreign.refresh_from_db()
    assert foreign.name == "Annans"
    assert foreign.provider_id != provider.pk
    assert all(s.pk != foreign.pk for s in provider.additional_services.all())
