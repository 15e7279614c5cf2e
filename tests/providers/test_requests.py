"""Requests for applications in the browser: the procurement officer writes a draft, adds
requirements, publishes, makes a new version, closes; the announcement export; who may see
what (another municipality's officer gets 404 on everything)."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from lov_portal.accounts.constants import Role
from lov_portal.core.uploads import validate_upload
from providers import services
from providers.constants import (
    ApplicationStatus,
    EvidenceKind,
    PaymentBasis,
    RequestStatus,
    VersionStatus,
)
from providers.models import RequestForApplications, RequestVersion, Requirement
from tests.factories import (
    AreaFactory,
    CooperationFactory,
    MunicipalityFactory,
    ServiceTypeFactory,
    user_with_role,
)
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden" / "request_announcement.json"

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
# The first bytes of a Windows executable.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def pdf_upload(name="forfragningsunderlag.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def validated_pdf():
    upload = pdf_upload()
    upload.validated = validate_upload(upload)
    return upload


@pytest.fixture
def english(client, settings):
    """Show the pages in English (msgids), as a visitor who chose English. Requests activate
    the language in this thread: leave it as it was for other tests."""
    previous = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(previous)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def setup(media):
    sotenas = MunicipalityFactory(code="1427", name="Sotenäs", organisation_name="Sotenäs kommun")
    lysekil = MunicipalityFactory(code="1484", name="Lysekil", organisation_name="Lysekils kommun")
    tanum = MunicipalityFactory(code="1435", name="Tanum")
    nobo = CooperationFactory(name="Norra Bohuslän", municipalities=[sotenas, lysekil])
    return {
        "sotenas": sotenas,
        "lysekil": lysekil,
        "tanum": tanum,
        "nobo": nobo,
        "kungshamn": AreaFactory(municipality=sotenas, name="Kungshamn"),
        "brastad": AreaFactory(municipality=lysekil, name="Brastad"),
        "grebbestad": AreaFactory(municipality=tanum, name="Grebbestad"),
        "service": ServiceTypeFactory(code="hemtjanst-service", name="Hemtjänst – service"),
        "officer": user_with_role(Role.PROCUREMENT_OFFICER, municipality=sotenas),
        "outsider": user_with_role(Role.PROCUREMENT_OFFICER, municipality=tanum),
    }


def _create_form(setup, **overrides):
    data = {
        "reference": "LOV-2026-3",
        "title": "Hemtjänst i norra Bohuslän",
        "owner": f"c-{setup['nobo'].pk}",
        "description": "Service och omvårdnad.",
        "payment_basis": PaymentBasis.PERFORMED_TIME,
        "service_types": [setup["service"].pk],
        "areas": [setup["kungshamn"].pk, setup["brastad"].pk],
        "document": pdf_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _draft(setup, *, requirement=True):
    """A draft request of the cooperation with one section (and one requirement)."""
    request = services.request_create(
        reference="LOV-2026-9",
        title="Hemtjänst",
        payment_basis=PaymentBasis.GRANTED_TIME,
        owner_cooperation=setup["nobo"],
        service_types=[setup["service"]],
        areas=[setup["kungshamn"]],
        actor=setup["officer"],
    )
    version = request.versions.get()
    services.request_version_document_save(
        version=version, uploaded_file=validated_pdf(), actor=setup["officer"]
    )
    section = services.requirement_section_add(
        version=version, title="Grundkrav", actor=setup["officer"]
    )
    if requirement:
        services.requirement_add(
            section=section,
            text="Företaget har F-skatt",
            evidence_kind=EvidenceKind.DECLARATION,
            actor=setup["officer"],
        )
    return request


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Create ----------------------------------------------------------------------------------


def test_officer_creates_a_draft_with_its_pdf(client, english, setup):
    client.force_login(setup["officer"])
    page = client.get(reverse("providers:request_create"))
    owners = dict(
        choice for group in page.context["form"].fields["owner"].choices[1:] for choice in group[1]
    )
    # Sotenäs itself and the cooperation it belongs to; never Tanum.
    assert set(owners) == {f"m-{setup['sotenas'].pk}", f"c-{setup['nobo'].pk}"}

    response = client.post(reverse("providers:request_create"), _create_form(setup))

    request = RequestForApplications.objects.get(reference="LOV-2026-3")
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:request_detail", args=[request.pk])
    assert request.status == RequestStatus.DRAFT
    assert request.owner_cooperation == setup["nobo"]
    version = request.versions.get()
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert set(version.areas.all()) == {setup["kungshamn"], setup["brastad"]}
    with version.document.open("rb") as stored:
        assert stored.read() == PDF
    # Stored under a random name, never the uploaded one.
    assert version.document.name.startswith(f"requests/{request.pk}/")
    assert "forfragningsunderlag" not in version.document.name

    listing = client.get(reverse("providers:request_list"))
    assert "LOV-2026-3" in listing.content.decode()
    home = client.get(reverse("providers:procurement")).content.decode()
    assert reverse("providers:request_list") in home


def test_create_refuses_foreign_area_and_fake_pdf_on_their_fields(client, english, setup):
    client.force_login(setup["officer"])
    response = client.post(
        reverse("providers:request_create"),
        _create_form(
            setup,
            owner=f"m-{setup['sotenas'].pk}",
            areas=[setup["brastad"].pk],
            document=pdf_upload("program.pdf", EXE),
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"areas", "document"}
    assert "only areas in the municipalities that own the request" in str(form.errors["areas"])
    assert "not a PDF" in str(form.errors["document"])
    # What the officer typed is still there.
    assert 'value="Hemtjänst i norra Bohuslän"' in response.content.decode()
    assert not RequestForApplications.objects.exists()


def test_create_offers_no_area_outside_the_users_municipalities(client, setup):
    client.force_login(setup["officer"])
    response = client.post(
        reverse("providers:request_create"),
        _create_form(setup, areas=[setup["grebbestad"].pk]),
    )
    assert response.status_code == 200
    assert "areas" in response.context["form"].errors
    assert not RequestForApplications.objects.exists()


def test_service_refuses_areas_outside_the_owner(setup):
    with pytest.raises(ValidationError) as refused:
        services.request_create(
            reference="X-1",
            title="X",
            payment_basis=PaymentBasis.GRANTED_TIME,
            owner_municipality=setup["sotenas"],
            areas=[setup["brastad"]],
            actor=setup["officer"],
        )
    assert "areas" in refused.value.message_dict


# --- Requirements ----------------------------------------------------------------------------


def test_officer_adds_edits_and_deletes_sections_and_requirements(client, english, setup):
    request = _draft(setup, requirement=False)
    version = request.versions.get()
    client.force_login(setup["officer"])

    response = client.post(
        reverse("providers:requirement_section_add", args=[version.pk]),
        {"title": "Ekonomi"},
    )
    assert response.status_code == 302
    section = version.sections.get(title="Ekonomi")

    response = client.post(
        reverse("providers:requirement_add", args=[section.pk]),
        {"text": "SKV 4820", "evidence_kind": EvidenceKind.DATE, "max_age_days": "60"},
    )
    assert response.status_code == 302
    requirement = section.requirements.get()
    assert (requirement.evidence_kind, requirement.max_age_days) == (EvidenceKind.DATE, 60)

    client.post(
        reverse("providers:requirement_edit", args=[requirement.pk]),
        {
            "text": "Ansvarsförsäkring",
            "evidence_kind": EvidenceKind.DOCUMENT,
            "tracks_expiry": "on",
        },
    )
    requirement.refresh_from_db()
    assert requirement.text == "Ansvarsförsäkring"
    assert requirement.max_age_days is None
    assert requirement.tracks_expiry is True

    client.post(
        reverse("providers:requirement_section_edit", args=[section.pk]), {"title": "Försäkring"}
    )
    section.refresh_from_db()
    assert section.title == "Försäkring"

    detail = client.get(reverse("providers:request_detail", args=[request.pk]))
    assert "Ansvarsförsäkring" in detail.content.decode()

    client.post(reverse("providers:requirement_delete", args=[requirement.pk]))
    assert not section.requirements.exists()
    client.post(reverse("providers:requirement_section_delete", args=[section.pk]))
    assert not version.sections.filter(pk=section.pk).exists()


def test_max_age_only_for_date_evidence_is_a_field_error(client, english, setup):
    request = _draft(setup, requirement=False)
    section = request.versions.get().sections.get()
    client.force_login(setup["officer"])

    response = client.post(
        reverse("providers:requirement_add", args=[section.pk]),
        {"text": "Beskriv verksamheten", "evidence_kind": EvidenceKind.TEXT, "max_age_days": "60"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["max_age_days"]
    assert "only to date evidence" in errors["max_age_days"][0]
    assert "A maximum age applies only to date evidence." in response.content.decode()
    assert not section.requirements.exists()

    response = client.post(
        reverse("providers:requirement_add", args=[section.pk]),
        {"text": "", "evidence_kind": "", "max_age_days": "-1"},
    )
    assert set(response.context["form"].errors) == {"text", "evidence_kind", "max_age_days"}


def test_services_refuse_max_age_on_update(setup):
    request = _draft(setup)
    requirement = Requirement.objects.get(section__version__request=request)
    with pytest.raises(ValidationError) as refused:
        services.requirement_update(
            requirement=requirement,
            text="x",
            evidence_kind=EvidenceKind.TEXT,
            max_age_days=30,
            actor=setup["officer"],
        )
    assert "max_age_days" in refused.value.message_dict


# --- Publish, new version, close -------------------------------------------------------------


def test_publish_without_requirements_is_refused_with_a_message(client, english, setup):
    request = _draft(setup, requirement=False)
    version = request.versions.get()
    client.force_login(setup["officer"])

    assert (
        client.get(reverse("providers:request_version_publish", args=[version.pk])).status_code
        == 200
    )
    response = client.post(reverse("providers:request_version_publish", args=[version.pk]))

    assert response["Location"] == reverse("providers:request_detail", args=[request.pk])
    assert "Add at least one requirement before publishing." in _messages(response)
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


def test_publish_then_published_version_is_read_only(client, english, setup):
    request = _draft(setup)
    version = request.versions.get()
    client.force_login(setup["officer"])

    response = client.post(reverse("providers:request_version_publish", args=[version.pk]))

    assert response.status_code == 302
    request.refresh_from_db()
    version.refresh_from_db()
    assert request.status == RequestStatus.PUBLISHED
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_at is not None

    section = version.sections.get()
    requirement = section.requirements.get()
    for name, pk, data in [
        ("request_version_edit", version.pk, {"title": "Ändrad"}),
        ("requirement_section_add", version.pk, {"title": "Nytt"}),
        ("requirement_section_edit", section.pk, {"title": "Ändrad"}),
        ("requirement_add", section.pk, {"text": "x", "evidence_kind": EvidenceKind.TEXT}),
        ("requirement_edit", requirement.pk, {"text": "x", "evidence_kind": EvidenceKind.TEXT}),
    ]:
        response = client.post(reverse(f"providers:{name}", args=[pk]), data)
        assert response.status_code == 302, name
        assert "A published version cannot be changed. Create a new version instead." in _messages(
            response
        ), name
    for name, pk in [
        ("requirement_delete", requirement.pk),
        ("requirement_section_delete", section.pk),
    ]:
        response = client.post(reverse(f"providers:{name}", args=[pk]))
        assert "A published version cannot be changed. Create a new version instead." in _messages(
            response
        ), name
    version.refresh_from_db()
    assert version.title == "Hemtjänst"
    assert list(version.sections.values_list("title", flat=True)) == ["Grundkrav"]
    assert section.requirements.get().text == "Företaget har F-skatt"

    # The detail page offers no editing of a published version.
    detail = client.get(reverse("providers:request_detail", args=[request.pk])).content.decode()
    assert reverse("providers:requirement_edit", args=[requirement.pk]) not in detail
    assert reverse("providers:request_version_create", args=[request.pk]) in detail

    # A new version starts with the same full request PDF.
    new = services.request_version_create(request=request, actor=setup["officer"])
    assert new.document.name == version.document.name != ""


def test_new_version_leaves_an_existing_application_on_its_old_version(client, english, nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    request, old = nobo["request"], nobo["version"]
    client.force_login(nobo["procurement"])

    response = client.post(reverse("providers:request_version_create", args=[request.pk]))
    assert response.status_code == 302
    new = request.versions.get(status=VersionStatus.DRAFT)
    assert new.number == 2
    assert new.document.name == old.document.name
    # The copy has the same requirements, as new rows.
    assert list(
        Requirement.objects.filter(section__version=new).values_list("text", flat=True)
    ) == list(Requirement.objects.filter(section__version=old).values_list("text", flat=True))

    # A second new version while a draft exists is refused with a message.
    response = client.post(reverse("providers:request_version_create", args=[request.pk]))
    assert "There is already a draft version." in _messages(response)

    changed = Requirement.objects.filter(section__version=new).first()
    client.post(
        reverse("providers:requirement_edit", args=[changed.pk]),
        {"text": "Företaget har F-skatt och är momsregistrerat", "evidence_kind": "declaration"},
    )
    response = client.post(reverse("providers:request_version_publish", args=[new.pk]))
    assert response.status_code == 302

    old.refresh_from_db()
    new.refresh_from_db()
    application.refresh_from_db()
    assert old.status == VersionStatus.SUPERSEDED
    assert new.status == VersionStatus.PUBLISHED
    assert application.version == old
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.answers.count() == Requirement.objects.filter(section__version=old).count()
    # The reviewers still see the version the application answered.
    client.force_login(nobo["reviewer_sotenas"])
    page = client.get(reverse("providers:review_detail", args=[application.pk]))
    assert page.context["application"].version.number == 1
    # The announcement now shows version 2 with the changed requirement.
    data = client.get(reverse("providers:request_announcement_json", args=[request.pk])).json()
    assert data["version"] == 2
    texts = [r["text"] for s in data["requirement_sections"] for r in s["requirements"]]
    assert "Företaget har F-skatt och är momsregistrerat" in texts


def test_close_the_request(client, english, nobo):
    request = nobo["request"]
    client.force_login(nobo["procurement"])

    assert client.get(reverse("providers:request_close", args=[request.pk])).status_code == 200
    response = client.post(reverse("providers:request_close", args=[request.pk]))

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    assert "The request is closed." in _messages(response)
    # Closed: no announcement, no new version, not closed twice.
    assert (
        client.get(reverse("providers:request_announcement_json", args=[request.pk])).status_code
        == 404
    )
    response = client.post(reverse("providers:request_version_create", args=[request.pk]))
    assert "Only a published request can get a new version." in _messages(response)
    assert request.versions.count() == 1
    response = client.post(reverse("providers:request_close", args=[request.pk]))
    assert any("cannot be done now" in m for m in _messages(response))


def test_a_draft_cannot_be_closed(client, english, setup):
    request = _draft(setup)
    client.force_login(setup["officer"])
    response = client.post(reverse("providers:request_close", args=[request.pk]))
    assert any("cannot be done now" in m for m in _messages(response))
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT


# --- Who sees what ---------------------------------------------------------------------------


def _manage_urls(request, version, section, requirement):
    return [
        reverse("providers:request_detail", args=[request.pk]),
        reverse("providers:request_version_create", args=[request.pk]),
        reverse("providers:request_close", args=[request.pk]),
        reverse("providers:request_version_edit", args=[version.pk]),
        reverse("providers:request_version_publish", args=[version.pk]),
        reverse("providers:requirement_section_add", args=[version.pk]),
        reverse("providers:requirement_section_edit", args=[section.pk]),
        reverse("providers:requirement_section_delete", args=[section.pk]),
        reverse("providers:requirement_add", args=[section.pk]),
        reverse("providers:requirement_edit", args=[requirement.pk]),
        reverse("providers:requirement_delete", args=[requirement.pk]),
        reverse("providers:request_document", args=[version.pk]),
    ]


def test_other_municipalitys_officer_gets_404_on_everything(client, setup):
    request = _draft(setup)
    version = request.versions.get()
    section = version.sections.get()
    requirement = section.requirements.get()
    urls = _manage_urls(request, version, section, requirement)

    client.force_login(setup["officer"])
    for url in urls:
        assert client.get(url).status_code == 200, url

    client.force_login(setup["outsider"])
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in urls[:-1]:  # the PDF download answers GET only
        assert client.post(url, {"title": "x", "text": "x"}).status_code == 404, url
    assert "LOV-2026-9" not in client.get(reverse("providers:request_list")).content.decode()
    # Nothing changed.
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT
    assert requirement.__class__.objects.filter(pk=requirement.pk).exists()
    assert version.sections.count() == 1
    # A draft is never announced, not even to its owner.
    client.force_login(setup["officer"])
    for name in ("request_announcement", "request_announcement_json"):
        assert client.get(reverse(f"providers:{name}", args=[request.pk])).status_code == 404


def test_member_of_the_cooperation_manages_its_request(client, setup):
    request = _draft(setup)
    lysekil_officer = user_with_role(Role.PROCUREMENT_OFFICER, municipality=setup["lysekil"])
    client.force_login(lysekil_officer)
    assert client.get(reverse("providers:request_detail", args=[request.pk])).status_code == 200


def test_pdf_of_a_published_version_for_anyone_logged_in_draft_only_for_owners(client, setup):
    request = _draft(setup)
    version = request.versions.get()
    provider_user = user_with_role(Role.PROVIDER_USER)
    url = reverse("providers:request_document", args=[version.pk])

    client.force_login(provider_user)
    assert client.get(url).status_code == 404

    client.force_login(setup["officer"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF

    services.request_version_publish_any(version=version, actor=setup["officer"])
    client.force_login(provider_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "forfragningsunderlag-LOV-2026-9-v1.pdf" in response["Content-Disposition"]

    client.logout()
    assert client.get(url).status_code == 302


# --- The announcement export -----------------------------------------------------------------


def test_announcement_json_matches_the_golden_file(client, setup, settings):
    settings.PORTAL_BASE_URL = "https://lov.example.se/"
    officer = setup["officer"]
    omvardnad = ServiceTypeFactory(code="hemtjanst-omvardnad", name="Hemtjänst – omvårdnad")
    request = services.request_draft_create(
        reference="NoBo LOV 2026/7",
        title="Hemtjänst i norra Bohuslän – service och omvårdnad",
        description="Sotenäs och Lysekil öppnar hemtjänsten för fler utförare.\nÅäö ska synas.",
        payment_basis=PaymentBasis.PERFORMED_TIME,
        owner_cooperation=setup["nobo"],
        service_types=[omvardnad, setup["service"]],
        areas=[setup["brastad"], setup["kungshamn"]],
        document=validated_pdf(),
        actor=officer,
    )
    version = request.versions.get()
    company = services.requirement_section_add(version=version, title="Företaget", actor=officer)
    for text, kind, extra in [
        ("Företaget har F-skatt", EvidenceKind.DECLARATION, {}),
        ("Skatteverkets intyg SKV 4820", EvidenceKind.DATE, {"max_age_days": 60}),
        ("Ansvarsförsäkring", EvidenceKind.DOCUMENT, {"tracks_expiry": True}),
    ]:
        services.requirement_add(
            section=company, text=text, evidence_kind=kind, actor=officer, **extra
        )
    quality = services.requirement_section_add(version=version, title="Kvalitet", actor=officer)
    services.requirement_add(
        section=quality,
        text="Beskriv rutinerna för Lex Sarah",
        evidence_kind=EvidenceKind.TEXT,
        actor=officer,
    )
    services.request_version_publish_any(version=version, actor=officer)
    RequestVersion.objects.filter(pk=version.pk).update(
        published_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    )

    response = client.get(reverse("providers:request_announcement_json", args=[request.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    actual = (
        response.content.decode()
        .replace(f"/forfragningsunderlag/{request.pk}/", "/forfragningsunderlag/{request}/")
        .replace(f"/versioner/{version.pk}/", "/versioner/{version}/")
    )
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(actual + "\n", encoding="utf-8")
    assert json.loads(actual) == json.loads(GOLDEN.read_text(encoding="utf-8"))

    # The print page is public too and shows the same content.
    page = client.get(reverse("providers:request_announcement", args=[request.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("NoBo LOV 2026/7", "Lysekils kommun", "Brastad", "Utförd tid", "SKV 4820"):
        assert text in html
