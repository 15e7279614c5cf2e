import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lov_portal.accounts.constants import Role
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _totp_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_login_with_email_lands_on_the_workspace(client, municipality):
    user = user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality)

    response = client.post(
        reverse("accounts:login"), {"username": user.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("core:home")
    workspace = client.get(reverse("core:home"))
    assert reverse("assessments:home") in workspace.content.decode()


def test_wrong_password_gives_a_swedish_message(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "x"})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord" in response.content.decode()


def test_lockout_after_repeated_failures_even_with_the_right_password(client):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})

    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_sessions_expire_after_30_minutes_idle(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("core:start"))
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert client.session.get_expiry_age() == 30 * 60


def test_password_reset_sends_a_link_that_sets_a_new_password(client, mailoutbox):
    user = UserFactory(email="reset@test.example")

    client.post(reverse("accounts:password_reset"), {"email": "reset@test.example"})

    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/konto/losenord/" in line)
    response = client.get(link.split("testserver", 1)[1], follow=True)
    new_password = "ett-nytt-långt-lösenord-2026"
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_second_factor_setup_then_required_at_next_login(client, municipality):
    user = user_with_role(Role.FINANCE_OFFICER, municipality=municipality)
    client.force_login(user)

    page = client.get(reverse("accounts:second_factor"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    bad = client.post(reverse("accounts:second_factor"), {"token": "000000"})
    assert bad.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code throttles the next try for a second
    client.post(reverse("accounts:second_factor"), {"token": _totp_now(device)})
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    # Password alone is not enough any more: everything leads to the code page.
    response = client.get(reverse("billing:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))

    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again
    device.save()
    response = client.post(
        reverse("accounts:verify") + "?next=" + reverse("billing:home"),
        {"token": _totp_now(device), "next": reverse("billing:home")},
    )
    assert response.status_code == 302 and response.url == reverse("billing:home")
    assert client.get(reverse("billing:home")).status_code == 200


def test_production_requires_a_second_factor_for_staff_but_not_providers(
    client, settings, municipality
):
    settings.OTP_REQUIRED_FOR_STAFF = True
    staff = user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality)
    provider_user = user_with_role(Role.PROVIDER_USER)

    client.force_login(staff)
    response = client.get(reverse("assessments:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:second_factor"))

    client.force_login(provider_user)
    assert client.get(reverse("providers:portal")).status_code == 200
