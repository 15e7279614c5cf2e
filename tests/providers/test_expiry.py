from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from lov_portal.accounts.constants import Role
from providers import services
from providers.constants import ContractStatus
from providers.models import Answer, Contract, ExpiryReminder
from tests.factories import MunicipalityFactory, user_with_role
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


@pytest.fixture
def contracted(nobo, django_capture_on_commit_callbacks):
    """Approved in Sotenäs; the text answer stands in for evidence valid until TODAY + 10."""
    application = complete_application(nobo)
    services.application_submit(application=application, actor=nobo["provider_user"])
    services.application_review_start(application=application, actor=nobo["reviewer_sotenas"])
    services.application_decide(
        application_municipality=application.municipalities.get(municipality=nobo["sotenas"]),
        approve=True,
        decision_date=TODAY,
        board_reference="ON 1",
        reasons="",
        actor=nobo["reviewer_sotenas"],
    )
    answer = application.answers.get(requirement__evidence_kind="date")
    Answer.objects.filter(pk=answer.pk).update(expires_on=TODAY + timedelta(days=10))
    mail.outbox.clear()
    return application


def _send(today, capture):
    with capture(execute=True):
        return services.expiry_reminders_send(today=today)


def test_provider_is_reminded_once_a_day(nobo, contracted, django_capture_on_commit_callbacks):
    assert _send(TODAY, django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [nobo["provider_user"].email]
    assert "SKV 4820" in message.body and "2026-12-02" in message.body

    assert _send(TODAY, django_capture_on_commit_callbacks) == 0  # a repeated run
    assert len(mail.outbox) == 1
    assert _send(TODAY + timedelta(days=1), django_capture_on_commit_callbacks) == 1
    assert ExpiryReminder.objects.count() == 2


def test_far_expiry_and_terminated_contracts_are_left_alone(
    nobo, contracted, django_capture_on_commit_callbacks
):
    assert _send(TODAY - timedelta(days=30), django_capture_on_commit_callbacks) == 0
    services.contract_change_status(
        contract=Contract.objects.get(),
        to=ContractStatus.TERMINATED,
        reason="Avslutat på egen begäran",
        actor=nobo["procurement"],
    )
    assert _send(TODAY, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_reviewers_see_the_list_for_their_own_municipalities_only(client, nobo, contracted):
    client.force_login(nobo["reviewer_sotenas"])
    response = client.get(reverse("providers:expiring_evidence"))
    assert response.status_code == 200
    assert [a.application for a in response.context["answers"]] == [contracted]

    client.force_login(user_with_role(Role.BOARD_REVIEWER, municipality=MunicipalityFactory()))
    assert list(client.get(reverse("providers:expiring_evidence")).context["answers"]) == []
