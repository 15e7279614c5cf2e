"""The application journey at the service level: publish, apply, complete, decide, contract."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lov_portal.accounts.constants import Role
from lov_portal.core.workflow import TransitionNotAllowed
from providers import services
from providers.constants import (
    ApplicationStatus,
    ContractStatus,
    DecisionStatus,
    EvidenceKind,
    VersionStatus,
)
from providers.models import Contract, StatusChange
from tests.factories import ProviderFactory, user_with_role
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db


def test_whole_journey_two_municipalities_one_approves_one_rejects(
    nobo, django_capture_on_commit_callbacks
):
    application = complete_application(nobo)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=nobo["provider_user"])
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert any("Omsorg Åt Alla AB" in m.subject for m in mail.outbox)

    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    services.completion_request_create(
        application=application, message="Bifoga ert F-skattebevis.", actor=nobo["reviewer_sotenas"]
    )
    assert application.status == ApplicationStatus.COMPLETION_REQUESTED
    completion = application.completion_requests.get()
    services.completion_request_reply(
        completion_request=completion, reply="Nu bifogat.", actor=nobo["provider_user"]
    )
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_lysekil"])

    to_sotenas = application.municipalities.get(municipality=nobo["sotenas"])
    to_lysekil = application.municipalities.get(municipality=nobo["lysekil"])
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            application_municipality=to_sotenas,
            approve=True,
            decision_date=date(2026, 11, 20),
            board_reference="ON 2026/123",
            reasons="",
            actor=nobo["reviewer_sotenas"],
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW  # Lysekil has not decided
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            application_municipality=to_lysekil,
            approve=False,
            decision_date=date(2026, 11, 21),
            board_reference="SON 2026/77",
            reasons="Verksamhetsbeskrivningen saknar rutiner för Lex Sarah och nyckelhantering.",
            actor=nobo["reviewer_lysekil"],
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECIDED
    contract = Contract.objects.get()
    assert (contract.provider, contract.municipality) == (nobo["provider"], nobo["sotenas"])
    assert contract.status == ContractStatus.ACTIVE
    assert contract.capacity_value == 400
    assert set(contract.areas.values_list("municipality", flat=True)) == {nobo["sotenas"].pk}
    to_sotenas.refresh_from_db()
    to_lysekil.refresh_from_db()
    assert to_sotenas.letter and to_lysekil.letter  # rendered by the (eager) Celery task
    history = list(
        StatusChange.objects.filter(
            object_id=application.pk, content_type__model="application"
        ).values_list("from_status", "to_status")
    )
    assert history == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "completion_requested"),
        ("completion_requested", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "decided"),
    ]


def test_submit_names_each_missing_or_too_old_requirement(nobo):
    application = complete_application(nobo, skv_date=timezone.localdate() - timedelta(days=61))
    services.answer_save(
        application=application,
        requirement=nobo["version"].sections.get().requirements.get(evidence_kind="text"),
        text="  ",
        actor=nobo["provider_user"],
    )
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(application=application, actor=nobo["provider_user"])
    messages = excinfo.value.messages
    assert any("Beskriv verksamheten" in m for m in messages)
    assert any("SKV 4820" in m and "60" in m for m in messages)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_submitted_answers_are_frozen(nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    requirement = nobo["version"].sections.get().requirements.first()
    with pytest.raises(ValidationError):
        services.answer_save(
            application=application,
            requirement=requirement,
            declaration=False,
            actor=nobo["provider_user"],
        )


def test_rejection_without_reasons_is_refused(nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_lysekil"])
    with pytest.raises(ValidationError) as excinfo:
        services.application_decide(
            application_municipality=application.municipalities.get(municipality=nobo["lysekil"]),
            approve=False,
            decision_date=date(2026, 11, 21),
            board_reference="",
            reasons=" ",
            actor=nobo["reviewer_lysekil"],
        )
    assert "reasons" in excinfo.value.message_dict


def test_each_board_decides_only_for_its_own_municipality(nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    with pytest.raises(PermissionDenied):
        services.application_decide(
            application_municipality=application.municipalities.get(municipality=nobo["lysekil"]),
            approve=True,
            decision_date=date(2026, 11, 21),
            board_reference="",
            reasons="",
            actor=nobo["reviewer_sotenas"],
        )
    with pytest.raises(PermissionDenied):
        services.application_review_start(application=application, actor=nobo["provider_user"])


def test_other_provider_cannot_touch_the_application(nobo):
    application = complete_application(nobo)
    stranger = user_with_role(Role.PROVIDER_USER, provider=ProviderFactory())
    with pytest.raises(PermissionDenied):
        services.application_submit(application=application, actor=stranger)


def test_illegal_transitions_are_refused(nobo):
    application = complete_application(nobo)
    with pytest.raises(TransitionNotAllowed):
        services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])


def test_new_version_leaves_existing_applications_on_theirs(nobo):
    application = complete_application(nobo)
    old_version = nobo["version"]
    new = services.request_version_create(request=nobo["request"], actor=nobo["procurement"])
    section = new.sections.get()
    services.requirement_add(
        section=section,
        text="IVO-tillstånd",
        evidence_kind=EvidenceKind.DOCUMENT,
        tracks_expiry=True,
        actor=nobo["procurement"],
    )
    services.request_version_publish(version=new, actor=nobo["procurement"])

    old_version.refresh_from_db()
    application.refresh_from_db()
    assert old_version.status == VersionStatus.SUPERSEDED
    assert new.number == 2
    assert application.version == old_version
    assert old_version.sections.get().requirements.count() == 3
    assert new.sections.get().requirements.count() == 4
    with pytest.raises(ValidationError):
        services.requirement_add(
            section=old_version.sections.get(),
            text="Ändring i efterhand",
            evidence_kind=EvidenceKind.TEXT,
            actor=nobo["procurement"],
        )


def test_contract_suspension_and_termination_need_reasons_and_the_right_role(nobo):
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    services.application_decide(
        application_municipality=application.municipalities.get(municipality=nobo["sotenas"]),
        approve=True,
        decision_date=date(2026, 11, 20),
        board_reference="ON 2026/123",
        reasons="",
        actor=nobo["reviewer_sotenas"],
    )
    contract = Contract.objects.get()
    with pytest.raises(ValidationError):
        services.contract_change_status(
            contract=contract, to=ContractStatus.SUSPENDED, reason="", actor=nobo["procurement"]
        )
    with pytest.raises(PermissionDenied):
        services.contract_change_status(
            contract=contract, to=ContractStatus.SUSPENDED, reason="x", actor=nobo["provider_user"]
        )
    services.contract_warn(contract=contract, reason="Sen rapportering", actor=nobo["procurement"])
    services.contract_change_status(
        contract=contract,
        to=ContractStatus.SUSPENDED,
        reason="Saknar giltigt IVO-tillstånd",
        actor=nobo["procurement"],
    )
    services.contract_change_status(
        contract=contract,
        to=ContractStatus.TERMINATED,
        reason="Avslutat",
        actor=nobo["procurement"],
    )
    assert list(contract.events.values_list("kind", flat=True)) == [
        "termination",
        "suspension",
        "warning",
    ]
    with pytest.raises(TransitionNotAllowed):
        services.contract_change_status(
            contract=contract, to=ContractStatus.ACTIVE, reason="Ångrar", actor=nobo["procurement"]
        )
    assert (
        application.municipalities.get(municipality=nobo["sotenas"]).status
        == DecisionStatus.APPROVED
    )


def test_notification_is_swedish_even_when_english_is_active(
    nobo, django_capture_on_commit_callbacks
):
    from django.utils import translation

    application = complete_application(nobo)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=nobo["provider_user"])
    subjects = [m.subject for m in mail.outbox]
    assert "Ny ansökan: Omsorg Åt Alla AB" in subjects
    assert "Ansökan mottagen" in subjects


def test_documents_are_stored_privately_and_used_as_evidence(nobo, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lov_portal.core.uploads import validate_upload

    settings.MEDIA_ROOT = tmp_path
    application = complete_application(nobo)
    upload = SimpleUploadedFile(
        "../Försäkring 2026.exe", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    )
    upload.validated = validate_upload(upload)

    document = services.document_store(
        provider=nobo["provider"], uploaded_file=upload, actor=nobo["provider_user"]
    )

    assert document.original_name == "Försäkring 2026.pdf"
    assert document.content_type == "application/pdf"
    stored = tmp_path / "private" / document.file.name
    assert stored.read_bytes().startswith(b"%PDF")
    assert "Försäkring" not in document.file.name  # the path never uses the user's name
    requirement = nobo["version"].sections.get().requirements.first()
    answer = services.answer_save(
        application=application,
        requirement=requirement,
        declaration=True,
        document=document,
        actor=nobo["provider_user"],
    )
    assert answer.document == document
    stranger = ProviderFactory()
    with pytest.raises(PermissionDenied):  # may store files only for one's own provider
        services.document_store(
            provider=stranger, uploaded_file=upload, actor=nobo["provider_user"]
        )
    stranger_document = services.document_store(
        provider=stranger,
        uploaded_file=upload,
        actor=user_with_role(Role.PROVIDER_USER, provider=stranger),
    )
    with pytest.raises(PermissionDenied):
        services.answer_save(
            application=application,
            requirement=requirement,
            document=stranger_document,
            actor=nobo["provider_user"],
        )
