"""Fixtures for the providers app: the NoBo cooperation with a published request."""

import itertools

import pytest
from django.utils import timezone

from lov_portal.accounts.constants import Role
from providers import services
from providers.constants import CapacityUnit, EvidenceKind, VersionStatus
from tests.factories import MunicipalityFactory, ProviderFactory, published_request, user_with_role


@pytest.fixture
def nobo():
    sotenas = MunicipalityFactory(
        code="1427", name="Sotenäs", organisation_name="Sotenäs kommun", board_name="Omsorgsnämnden"
    )
    lysekil = MunicipalityFactory(
        code="1484", name="Lysekil", organisation_name="Lysekils kommun", board_name="Socialnämnden"
    )
    procurement = user_with_role(Role.PROCUREMENT_OFFICER, municipality=sotenas)
    request = published_request(municipalities=[sotenas, lysekil], actor=procurement)
    provider = ProviderFactory(name="Omsorg Åt Alla AB")
    return {
        "sotenas": sotenas,
        "lysekil": lysekil,
        "request": request,
        "version": request.versions.get(status=VersionStatus.PUBLISHED),
        "provider": provider,
        "provider_user": user_with_role(Role.PROVIDER_USER, provider=provider),
        "procurement": procurement,
        "reviewer_sotenas": user_with_role(Role.BOARD_REVIEWER, municipality=sotenas),
        "reviewer_lysekil": user_with_role(Role.BOARD_REVIEWER, municipality=lysekil),
    }


def complete_application(nobo, *, skv_date=None):
    user, version = nobo["provider_user"], nobo["version"]
    application = services.application_start(provider=nobo["provider"], version=version, actor=user)
    services.application_scope_save(
        application=application,
        capacities={
            nobo["sotenas"]: (400, CapacityUnit.HOURS_PER_MONTH),
            nobo["lysekil"]: (20, CapacityUnit.CUSTOMERS),
        },
        service_types=version.service_types.all(),
        areas=version.areas.all(),
        actor=user,
    )
    for requirement in version.sections.get().requirements.all():
        kwargs = {
            EvidenceKind.DECLARATION: {"declaration": True},
            EvidenceKind.TEXT: {"text": "Vi har arbetat med hemtjänst i tio år."},
            EvidenceKind.DATE: {"date_value": skv_date or timezone.localdate()},
        }[requirement.evidence_kind]
        services.answer_save(application=application, requirement=requirement, actor=user, **kwargs)
    return application


def decided_application(*, municipality, provider, provider_user, reviewer, procurement):
    """An application of `provider` approved by `municipality` (one-municipality request)."""
    request = published_request(municipalities=[municipality], actor=procurement)
    version = request.versions.get()
    application = services.application_start(
        provider=provider, version=version, actor=provider_user
    )
    services.application_scope_save(
        application=application,
        capacities={municipality: (None, CapacityUnit.HOURS_PER_MONTH)},
        service_types=version.service_types.all(),
        areas=version.areas.all(),
        actor=provider_user,
    )
    answers = {
        EvidenceKind.DECLARATION: {"declaration": True},
        EvidenceKind.TEXT: {"text": "Svar"},
        EvidenceKind.DATE: {"date_value": timezone.localdate()},
    }
    for requirement in version.sections.get().requirements.all():
        services.answer_save(
            application=application,
            requirement=requirement,
            actor=provider_user,
            **answers[requirement.evidence_kind],
        )
    services.application_submit(application=application, actor=provider_user)
    services.application_review_start(application=application, actor=reviewer)
    services.application_decide(
        application_municipality=application.municipalities.get(),
        approve=True,
        decision_date=timezone.localdate(),
        board_reference="ON 1",
        reasons="",
        actor=reviewer,
    )
    return application


# --- applications ---

_references = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def pdf_upload(name="Försäkring.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def application_with_document(*, municipality, provider, provider_user, procurement, submit=True):
    """An application of `provider` to a one-municipality request whose section asks for a
    declaration and an insurance document (with expiry); complete, and submitted unless
    `submit` is False. Returns (application, document). Needs MEDIA_ROOT set to a tmp dir."""
    from datetime import timedelta

    from lov_portal.core.uploads import validate_upload
    from tests.factories import published_request

    request = published_request(
        municipalities=[municipality],
        actor=procurement,
        reference=f"LOV-DOK-{next(_references)}",
        requirements=[
            ("Vi följer kollektivavtal", EvidenceKind.DECLARATION, {}),
            ("Ansvarsförsäkring", EvidenceKind.DOCUMENT, {"tracks_expiry": True}),
        ],
    )
    version = request.versions.get()
    application = services.application_start(
        provider=provider, version=version, actor=provider_user
    )
    services.application_scope_save(
        application=application,
        capacities={municipality: (100, CapacityUnit.HOURS_PER_MONTH)},
        service_types=version.service_types.all(),
        areas=version.areas.all(),
        actor=provider_user,
    )
    upload = pdf_upload()
    upload.validated = validate_upload(upload)
    document = services.document_store(provider=provider, uploaded_file=upload, actor=provider_user)
    declaration, insurance = version.sections.get().requirements.all()
    services.answer_save(
        application=application, requirement=declaration, declaration=True, actor=provider_user
    )
    services.answer_save(
        application=application,
        requirement=insurance,
        document=document,
        expires_on=timezone.localdate() + timedelta(days=365),
        actor=provider_user,
    )
    if submit:
        services.application_submit(application=application, actor=provider_user)
    return application, document
