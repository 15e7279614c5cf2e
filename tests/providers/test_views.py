"""Who can open an application and its decision letters: the provider and the reviewers of
the request's cooperation; another provider or a municipality outside gets the same 404."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from lov_portal.accounts.constants import Role
from providers import services
from tests.factories import MunicipalityFactory, ProviderFactory, user_with_role
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(nobo, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    with django_capture_on_commit_callbacks(execute=True):
        for municipality, approve, reasons in (
            (nobo["sotenas"], True, ""),
            (nobo["lysekil"], False, "Rutiner för Lex Sarah och nyckelhantering saknas (åäö)."),
        ):
            services.application_decide(
                application_municipality=application.municipalities.get(municipality=municipality),
                approve=approve,
                decision_date=date(2026, 11, 20),
                board_reference="2026/1",
                reasons=reasons,
                actor=nobo[f"reviewer_{municipality.name.lower().replace('ä', 'a')}"],
            )
    return application


def _urls(application):
    urls = [
        reverse("providers:application_detail", args=[application.pk]),
        reverse("providers:review_detail", args=[application.pk]),
    ]
    urls += [
        reverse("providers:decision_letter", args=[d.pk]) for d in application.municipalities.all()
    ]
    return urls


def test_provider_and_cooperation_reviewers_open_everything(client, nobo, decided):
    for user in (nobo["provider_user"], nobo["reviewer_sotenas"], nobo["reviewer_lysekil"]):
        client.force_login(user)
        for url in _urls(decided):
            assert client.get(url).status_code == 200, (user, url)


def test_other_provider_and_outside_municipality_get_404(client, nobo, decided):
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    outsiders = [
        user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
        user_with_role(Role.BOARD_REVIEWER, municipality=tanum),
        user_with_role(Role.PROCUREMENT_OFFICER, municipality=tanum),
    ]
    for user in outsiders:
        client.force_login(user)
        for url in _urls(decided):
            assert client.get(url).status_code in (403, 404), (user, url)


def test_decision_letters_state_the_decision_reasons_and_appeal_in_swedish(client, nobo, decided):
    client.force_login(nobo["provider_user"])
    letters = {}
    for decision in decided.municipalities.select_related("municipality"):
        response = client.get(reverse("providers:decision_letter", args=[decision.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        pdf = b"".join(response.streaming_content)
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        letters[decision.municipality.name] = " ".join(text.split())
    assert (
        "godkänner Omsorg Åt Alla AB som utförare i Sotenäs kommuns valfrihetssystem"
        in letters["Sotenäs"]
    )
    assert "godkänner inte Omsorg Åt Alla AB som utförare i Lysekils kommuns" in letters["Lysekil"]
    assert "Rutiner för Lex Sarah och nyckelhantering saknas (åäö)." in letters["Lysekil"]
    for text in letters.values():
        assert "ansöka om rättelse" in text
        assert "förvaltningsrätten" in text
        assert "Sida 1 av 1" in text


def test_review_queue_shows_only_own_cooperations_waiting_applications(client, nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    client.force_login(nobo["reviewer_lysekil"])
    response = client.get(reverse("providers:review_queue"))
    assert list(response.context["applications"]) == [application]
    client.force_login(
        user_with_role(Role.BOARD_REVIEWER, municipality=MunicipalityFactory(code="1435"))
    )
    assert list(client.get(reverse("providers:review_queue")).context["applications"]) == []
