"""Complaints, deviations and Lex Sarah: services (numbers, workflow, scope) and e-mail."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from followup import services
from followup.constants import CaseChannel, CaseKind, CaseStatus, Severity
from followup.models import Case
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.factories import ContractFactory, ProviderFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracted(municipality, provider):
    return ContractFactory(municipality=municipality, provider=provider)


@pytest.fixture
def officer(role_users):
    return role_users[Role.QUALITY_OFFICER]


@pytest.fixture
def provider_user(role_users):
    return role_users[Role.PROVIDER_USER]


def public_case(municipality, provider=None, **kwargs):
    data = {
        "subject": "Uteblivna besök",
        "description": "Ingen kom på tisdag eller onsdag.",
        "contact_name": "Anna Anhörig",
        "contact_email": "anna@example.se",
    }
    data.update(kwargs)
    return services.case_submit_public(municipality=municipality, provider=provider, **data)


def test_public_case_gets_a_number_history_and_audit(municipality, provider, contracted):
    case = public_case(municipality, provider)
    year = datetime.date.today().year
    assert case.reference == f"KL-{year}-0001"
    assert case.kind == CaseKind.COMPLAINT
    assert case.channel == CaseChannel.PUBLIC_FORM
    assert case.status == CaseStatus.RECEIVED
    assert list(case.history.values_list("from_status", "to_status")) == [("", "received")]
    event = AuditEvent.objects.get(object_type="followup.case", action="create")
    assert event.actor is None
    assert "Anna" not in event.message + event.object_repr
    assert "anna@example.se" not in event.message + event.object_repr + str(event.details)


def test_numbers_are_consecutive_per_series_and_year(municipality, provider, contracted):
    year = datetime.date.today().year
    first = public_case(municipality)
    second = public_case(municipality)
    assert (first.reference, second.reference) == (f"KL-{year}-0001", f"KL-{year}-0002")
    from django.db import transaction

    with transaction.atomic():
        assert services.case_reference_next(kind=CaseKind.COMPLAINT, year=year + 1) == (
            f"KL-{year + 1}-0001"
        )
        assert services.case_reference_next(kind=CaseKind.LEX_SARAH, year=year) == (
            f"LS-{year}-0001"
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reference_needs_a_transaction():
    with pytest.raises(RuntimeError):
        services.case_reference_next(kind=CaseKind.COMPLAINT, year=2026)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_are_unique_under_concurrency(municipality):
    """Cases sent at the same moment never share a number (threads, own connections)."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("threads cannot share an in-memory SQLite database")
    errors, refs = [], []

    def submit():
        try:
            refs.append(public_case(municipality).reference)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(refs)) == 8


def test_public_case_refuses_a_provider_outside_the_catalogue(municipality):
    stranger = ProviderFactory()
    with pytest.raises(ValidationError) as exc:
        public_case(municipality, stranger)
    assert "provider" in exc.value.error_dict
    assert not Case.objects.exists()


def test_future_date_is_refused(municipality):
    with pytest.raises(ValidationError) as exc:
        public_case(municipality, occurred_on=datetime.date.today() + datetime.timedelta(days=2))
    assert "occurred_on" in exc.value.error_dict


def test_new_case_mails_officers_and_provider_without_personal_data(
    municipality, provider, contracted, officer, provider_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = public_case(municipality, provider)
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {officer.email, provider_user.email}
    for message in mail.outbox:
        assert case.reference in message.subject + message.body
        assert f"/{case.pk}/" in message.body
        for secret in ("Anna", "anna@example.se", "tisdag", "Uteblivna"):
            assert secret not in message.subject + message.body


def test_other_municipalitys_officer_is_not_mailed(
    municipality, other_municipality, django_capture_on_commit_callbacks
):
    stranger = user_with_role(Role.QUALITY_OFFICER, municipality=other_municipality)
    with django_capture_on_commit_callbacks(execute=True):
        public_case(municipality)
    assert stranger.email not in {m.to[0] for m in mail.outbox}


def test_workflow_answer_needs_a_reply_and_mails_it(
    municipality, officer, django_capture_on_commit_callbacks
):
    case = public_case(municipality)
    services.case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=officer)
    case.refresh_from_db()
    assert case.handler == officer  # the first to act takes the case
    with pytest.raises(ValidationError) as exc:
        services.case_transition(case=case, to=CaseStatus.ANSWERED, actor=officer, reply="  ")
    assert "reply" in exc.value.error_dict
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            case=case,
            to=CaseStatus.ANSWERED,
            actor=officer,
            reply="Vi har talat med utföraren.",
            comment="Svar per e-post",
        )
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    assert "Vi har talat med utföraren." in mail.outbox[0].body
    services.case_transition(case=case, to=CaseStatus.CLOSED, actor=officer)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    assert list(case.history.values_list("to_status", flat=True)) == [
        "received",
        "investigating",
        "answered",
        "closed",
    ]
    assert case.history.get(to_status="answered").comment == "Svar per e-post"
    # The comment stays in the history; the audit log has only the move.
    transitions = AuditEvent.objects.filter(object_type="followup.case", action="transition")
    assert transitions.count() == 3
    assert not transitions.filter(message__contains="Svar per e-post").exists()


def test_closed_case_cannot_move(municipality, officer):
    case = public_case(municipality)
    services.case_transition(case=case, to=CaseStatus.CLOSED, actor=officer)
    with pytest.raises(ValidationError):
        services.case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=officer)


def test_wrong_actors_cannot_move_a_case(municipality, other_municipality, provider_user):
    case = public_case(municipality)
    stranger = user_with_role(Role.QUALITY_OFFICER, municipality=other_municipality)
    assessor = user_with_role(Role.NEEDS_ASSESSOR, municipality=municipality)
    for actor in (stranger, assessor, provider_user):
        with pytest.raises(PermissionDenied):
            services.case_transition(case=case, to=CaseStatus.INVESTIGATING, actor=actor)
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_assign_only_to_an_officer_of_the_municipality(
    municipality, other_municipality, officer, django_capture_on_commit_callbacks
):
    case = public_case(municipality)
    colleague = user_with_role(Role.QUALITY_OFFICER, municipality=municipality)
    stranger = user_with_role(Role.QUALITY_OFFICER, municipality=other_municipality)
    with pytest.raises(ValidationError):
        services.case_assign(case=case, handler=stranger, actor=officer)
    with pytest.raises(PermissionDenied):
        services.case_assign(case=case, handler=stranger, actor=stranger)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case=case, handler=colleague, actor=officer)
    case.refresh_from_db()
    assert case.handler == colleague
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert "Anna" not in mail.outbox[0].body


def test_staff_register_links_a_citizen_and_audits_the_lookup(municipality, officer, role_users):
    from assessments.services import citizen_register

    citizen = citizen_register(
        identity_number="19121212-1212",
        municipality=municipality,
        first_name="Tolvan",
        last_name="Tolvansson",
        actor=role_users[Role.NEEDS_ASSESSOR],
    )
    case = services.case_register(
        municipality=municipality,
        kind=CaseKind.COMPLAINT,
        subject="Bemötande",
        description="Samtal från anhörig.",
        identity_number="191212121212",
        actor=officer,
    )
    assert case.citizen == citizen
    assert case.channel == CaseChannel.STAFF
    assert AuditEvent.objects.filter(
        object_type="assessments.citizen", object_id=str(citizen.pk), action="read", actor=officer
    ).exists()


def test_staff_register_unknown_citizen_is_a_field_error(municipality, officer):
    with pytest.raises(ValidationError) as exc:
        services.case_register(
            municipality=municipality,
            kind=CaseKind.COMPLAINT,
            subject="Bemötande",
            description="Samtal.",
            identity_number="191212121212",
            actor=officer,
        )
    assert "identity_number" in exc.value.error_dict


def test_staff_register_only_in_own_municipality(municipality, other_municipality, officer):
    with pytest.raises(PermissionDenied):
        services.case_register(
            municipality=other_municipality,
            kind=CaseKind.COMPLAINT,
            subject="x",
            description="y",
            actor=officer,
        )


def test_provider_reports_a_lex_sarah_event(
    municipality, provider, contracted, provider_user, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_report_by_provider(
            provider=provider,
            municipality=municipality,
            kind=CaseKind.LEX_SARAH,
            severity=Severity.HIGH,
            subject="Fel läkemedel",
            description="En kund fick fel läkemedel.",
            actor=provider_user,
        )
    assert case.reference.startswith("LS-")
    assert case.channel == CaseChannel.PROVIDER
    assert case.reported_by == provider_user
    assert officer.email in {m.to[0] for m in mail.outbox}


def test_provider_cannot_report_without_a_contract_or_for_another_provider(
    municipality, other_municipality, provider, contracted, provider_user
):
    other = ProviderFactory()
    ContractFactory(provider=other, municipality=municipality)
    for target_provider, target_municipality in [
        (provider, other_municipality),
        (other, municipality),
    ]:
        with pytest.raises(PermissionDenied):
            services.case_report_by_provider(
                provider=target_provider,
                municipality=target_municipality,
                kind=CaseKind.DEVIATION,
                severity=Severity.LOW,
                subject="x",
                description="y",
                actor=provider_user,
            )


def test_provider_report_needs_severity_and_kind(municipality, provider, contracted, provider_user):
    with pytest.raises(ValidationError):
        services.case_report_by_provider(
            provider=provider,
            municipality=municipality,
            kind=CaseKind.DEVIATION,
            severity="",
            subject="x",
            description="y",
            actor=provider_user,
        )
    with pytest.raises(ValidationError):
        services.case_report_by_provider(
            provider=provider,
            municipality=municipality,
            kind=CaseKind.COMPLAINT,
            severity=Severity.LOW,
            subject="x",
            description="y",
            actor=provider_user,
        )


def test_statement_only_by_the_cases_provider(
    municipality, provider, contracted, provider_user, officer
):
    case = public_case(municipality, provider)
    other_user = user_with_role(Role.PROVIDER_USER)
    with pytest.raises(PermissionDenied):
        services.case_statement_submit(case=case, statement="Nej", actor=other_user)
    services.case_statement_submit(case=case, statement="Vi har bytt schema.", actor=provider_user)
    case.refresh_from_db()
    assert case.provider_statement == "Vi har bytt schema."
    services.case_transition(case=case, to=CaseStatus.CLOSED, actor=officer)
    with pytest.raises(ValidationError):
        services.case_statement_submit(case=case, statement="Sent", actor=provider_user)
