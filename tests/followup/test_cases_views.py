"""Complaints, deviations and Lex Sarah through the pages: the public form (no login), quality
staff's list and case page, and the provider portal. Scope: another municipality's quality
officer and another provider get 404; every read is audited."""

import pytest
from django.test import override_settings
from django.urls import reverse

from followup import services
from followup.constants import CaseKind, CaseStatus, Severity
from followup.models import Case
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.factories import ContractFactory, ProviderFactory, user_with_role

pytestmark = pytest.mark.django_db

FORM = {
    "provider": "",
    "subject": "Uteblivna besök",
    "description": "Ingen kom på tisdag eller onsdag.",
    "occurred_on": "2026-03-10",
    "contact_name": "Anna Anhörig",
    "contact_email": "anna@example.se",
    "contact_phone": "070-123 45 67",
    "website": "",
}


@pytest.fixture
def contracted(municipality, provider):
    return ContractFactory(municipality=municipality, provider=provider)


@pytest.fixture
def case(municipality, provider, contracted):
    return services.case_submit_public(
        municipality=municipality,
        provider=provider,
        subject="Uteblivna besök",
        description="Ingen kom.",
        contact_name="Anna Anhörig",
        contact_email="anna@example.se",
    )


def form_url(municipality):
    return reverse("followup_public:complaint_form", kwargs={"code": municipality.code})


# --- Public form ------------------------------------------------------------------------------


def test_start_lists_municipalities_without_login(client, municipality):
    response = client.get(reverse("followup_public:complaint_start"))
    assert response.status_code == 200
    assert form_url(municipality).encode() in response.content


def test_form_offers_the_catalogues_providers(client, municipality, provider, contracted):
    stranger = ProviderFactory(name="Inte i katalogen AB")
    response = client.get(form_url(municipality))
    assert response.status_code == 200
    assert provider.name.encode() in response.content
    assert stranger.name.encode() not in response.content


def test_unknown_municipality_is_404(client, db):
    assert (
        client.get(reverse("followup_public:complaint_form", kwargs={"code": "9999"})).status_code
        == 404
    )


def test_valid_complaint_gives_a_receipt_with_the_number(
    client, municipality, provider, contracted
):
    data = {**FORM, "provider": str(provider.pk)}
    response = client.post(form_url(municipality), data)
    assert response.status_code == 302
    assert response.url == reverse("followup_public:complaint_receipt")
    case = Case.objects.get()
    assert case.provider == provider
    assert case.contact_phone == "070-123 45 67"
    receipt = client.get(response.url)
    assert case.reference.encode() in receipt.content
    # The receipt is for this browser only: another visitor sees no number.
    from django.test import Client

    assert case.reference.encode() not in Client().get(response.url).content


@override_settings(LANGUAGE_CODE="en")
def test_invalid_complaint_keeps_everything_typed(client, municipality, provider, contracted):
    data = {**FORM, "provider": str(provider.pk), "subject": "", "contact_email": "not-an-address"}
    response = client.post(form_url(municipality), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_subject"' in html
    assert 'href="#id_contact_email"' in html
    assert 'aria-invalid="true"' in html
    assert "Ingen kom på tisdag eller onsdag." in html
    assert 'value="Anna Anhörig"' in html
    assert 'value="not-an-address"' in html
    assert 'value="2026-03-10"' in html
    assert f'<option value="{provider.pk}" selected>' in html
    assert not Case.objects.exists()


def test_errors_are_in_swedish_by_default(client, municipality):
    response = client.post(form_url(municipality), {**FORM, "subject": ""})
    assert "Detta fält måste fyllas i." in response.content.decode()


def test_honeypot_saves_nothing(client, municipality):
    response = client.post(form_url(municipality), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Case.objects.exists()
    assert client.get(response.url).status_code == 200


def test_provider_not_in_catalogue_is_a_field_error(client, municipality):
    stranger = ProviderFactory()
    response = client.post(form_url(municipality), {**FORM, "provider": str(stranger.pk)})
    assert response.status_code == 200
    assert 'href="#id_provider"' in response.content.decode()
    assert not Case.objects.exists()


# --- Quality staff ----------------------------------------------------------------------------


def test_officer_list_is_filtered_and_audited(client, role_users, municipality, case):
    officer = role_users[Role.QUALITY_OFFICER]
    other = services.case_register(
        municipality=municipality,
        kind=CaseKind.DEVIATION,
        subject="Avvikelse",
        description="Telefonsamtal",
        actor=officer,
    )
    client.force_login(officer)
    response = client.get(reverse("followup:case_list"))
    assert response.status_code == 200
    assert case.reference.encode() in response.content
    assert other.reference.encode() in response.content
    reads = AuditEvent.objects.filter(action="read", object_type="followup.case", actor=officer)
    assert {e.object_id for e in reads} == {str(case.pk), str(other.pk)}
    for event in reads:
        assert "Anna" not in event.message + event.object_repr

    response = client.get(reverse("followup:case_list"), {"kind": "deviation"})
    assert other.reference.encode() in response.content
    assert case.reference.encode() not in response.content
    response = client.get(reverse("followup:case_list"), {"handler": "none", "status": "received"})
    assert case.reference.encode() in response.content


def test_officer_of_another_municipality_sees_nothing(client, other_municipality, case):
    stranger = user_with_role(Role.QUALITY_OFFICER, municipality=other_municipality)
    client.force_login(stranger)
    response = client.get(reverse("followup:case_list"))
    assert case.reference.encode() not in response.content
    for name in ("followup:case_detail", "followup:case_assign", "followup:case_transition"):
        url = reverse(name, kwargs={"pk": case.pk})
        method = client.get if name == "followup:case_detail" else client.post
        assert method(url).status_code == 404
    missing = reverse("followup:case_detail", kwargs={"pk": case.pk + 1000})
    assert client.get(missing).status_code == 404


def test_case_page_shows_contact_and_history_and_is_audited(client, role_users, case):
    officer = role_users[Role.QUALITY_OFFICER]
    client.force_login(officer)
    response = client.get(reverse("followup:case_detail", kwargs={"pk": case.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "anna@example.se" in html
    assert 'id="case-history"' in html
    event = AuditEvent.objects.get(action="read", object_type="followup.case", actor=officer)
    assert event.object_id == str(case.pk)
    assert "anna" not in (event.message + event.object_repr + str(event.details)).lower()


def test_take_answer_and_close_through_the_page(client, role_users, case):
    officer = role_users[Role.QUALITY_OFFICER]
    client.force_login(officer)
    detail = reverse("followup:case_detail", kwargs={"pk": case.pk})
    response = client.post(reverse("followup:case_assign", kwargs={"pk": case.pk}), {"take": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.handler == officer

    transition = reverse("followup:case_transition", kwargs={"pk": case.pk})
    response = client.post(transition, {"to": CaseStatus.ANSWERED, "reply": ""})
    assert response.status_code == 200  # the reply is required: the page shows the error
    assert 'href="#id_reply"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED

    response = client.post(
        transition, {"to": CaseStatus.ANSWERED, "reply": "Vi har åtgärdat schemat."}
    )
    assert response.status_code == 302
    assert response.url == detail
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    response = client.post(transition, {"to": CaseStatus.CLOSED, "comment": "Klart"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at
    page = client.get(detail).content.decode()
    assert "Klart" in page
    assert 'id="case-transition-form"' not in page


def test_transition_to_a_status_not_allowed_is_a_form_error(client, role_users, case):
    client.force_login(role_users[Role.QUALITY_OFFICER])
    response = client.post(
        reverse("followup:case_transition", kwargs={"pk": case.pk}), {"to": "received"}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_register_form_creates_a_staff_case(client, role_users, municipality, provider, contracted):
    client.force_login(role_users[Role.QUALITY_OFFICER])
    url = reverse("followup:case_register")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "municipality": municipality.pk,
            "kind": CaseKind.COMPLAINT,
            "provider": provider.pk,
            "severity": "",
            "subject": "Telefonsamtal",
            "description": "En anhörig ringde om sena besök.",
            "occurred_on": "",
            "identity_number": "",
            "contact_name": "",
            "contact_email": "",
            "contact_phone": "",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("followup:case_detail", kwargs={"pk": case.pk})
    assert case.channel == "staff"


# --- The provider's side ----------------------------------------------------------------------


def test_provider_sees_only_its_own_cases(client, role_users, municipality, case):
    other_provider = ProviderFactory()
    ContractFactory(provider=other_provider, municipality=municipality)
    other_case = services.case_submit_public(
        municipality=municipality, provider=other_provider, subject="x", description="y"
    )
    client.force_login(role_users[Role.PROVIDER_USER])
    response = client.get(reverse("provider_followup:case_list"))
    assert case.reference.encode() in response.content
    assert other_case.reference.encode() not in response.content
    own = client.get(reverse("provider_followup:case_detail", kwargs={"pk": case.pk}))
    assert own.status_code == 200
    # The complainant's name and address are the municipality's only.
    assert b"Anna" not in own.content and b"anna@example.se" not in own.content
    other = reverse("provider_followup:case_detail", kwargs={"pk": other_case.pk})
    assert client.get(other).status_code == 404
    assert client.post(other, {"statement": "x"}).status_code == 404
    assert AuditEvent.objects.filter(
        action="read", object_type="followup.case", object_id=str(case.pk)
    ).exists()


def test_provider_gives_a_statement(client, role_users, case):
    client.force_login(role_users[Role.PROVIDER_USER])
    url = reverse("provider_followup:case_detail", kwargs={"pk": case.pk})
    response = client.post(url, {"statement": ""})
    assert response.status_code == 200
    response = client.post(url, {"statement": "Vi har bytt schema."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.provider_statement == "Vi har bytt schema."


def test_provider_reports_a_deviation_through_the_portal(
    client, role_users, municipality, provider, contracted, other_municipality
):
    client.force_login(role_users[Role.PROVIDER_USER])
    url = reverse("provider_followup:case_report")
    page = client.get(url)
    assert page.status_code == 200
    assert f"{provider.pk}-{municipality.pk}".encode() in page.content
    assert f"{provider.pk}-{other_municipality.pk}".encode() not in page.content
    data = {
        "report_for": f"{provider.pk}-{municipality.pk}",
        "kind": CaseKind.DEVIATION,
        "severity": Severity.MEDIUM,
        "subject": "Missat besök",
        "description": "Ett besök uteblev på grund av sjukdom.",
        "occurred_on": "2026-03-01",
    }
    response = client.post(url, {**data, "severity": ""})
    assert response.status_code == 200
    assert not Case.objects.exists()
    response = client.post(url, {**data, "report_for": f"{provider.pk}-{other_municipality.pk}"})
    assert response.status_code == 200
    assert not Case.objects.exists()
    response = client.post(url, data)
    case = Case.objects.get()
    assert response.url == reverse("provider_followup:case_detail", kwargs={"pk": case.pk})
    assert case.reference.startswith("AV-")
    assert case.severity == Severity.MEDIUM
