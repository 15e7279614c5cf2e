"""Invoice runs in the browser's terms: finance starts, follows and approves a month;
providers see only their own basis and dispute lines before approval."""

import pytest
from django.urls import reverse

from billing.constants import DisputeStatus, RunStatus
from billing.models import InvoiceRun, LineDispute
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.billing.run_factories import build_month, order_for, visit
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(db):
    s = build_month()
    s["order_a"] = order_for(s, s["performed"], n=1, hours=20)
    visit(s["order_a"], 2, "08:00", 60)
    s["order_b"] = order_for(s, s["granted"], n=2, hours=30)
    return s


def start(client, s, commit, month="2026-11"):
    client.force_login(s["finance"])
    with commit(execute=True):
        response = client.post(
            reverse("billing:run_list"),
            {"municipality": s["municipality"].pk, "month": month},
        )
    return response


def test_finance_starts_a_month_and_starting_it_again_shows_the_same_run(
    client, s, django_capture_on_commit_callbacks
):
    response = start(client, s, django_capture_on_commit_callbacks)
    run = InvoiceRun.objects.get()
    assert response.url == reverse("billing:run_detail", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "Preliminär, väntar på attest" in page
    assert "Utförd Omsorg 1435 AB" in page and "Beviljad Omsorg 1435 AB" in page
    # 1 h × 450 + 1.5 % and 30 h × 450 + 1.5 %: 456.75 + 13 702.50
    assert "14159,25" in page  # Swedish decimal comma
    response = start(client, s, django_capture_on_commit_callbacks)
    assert InvoiceRun.objects.count() == 1 and response.url.endswith(f"/{run.pk}/")
    assert "Månaden har redan en körning" in client.get(response.url).content.decode()


def test_bad_month_gets_a_swedish_field_error(client, s, django_capture_on_commit_callbacks):
    response = start(client, s, django_capture_on_commit_callbacks, month="november")
    assert response.status_code == 200
    assert "Ange månaden som år och månad" in response.content.decode()
    assert not InvoiceRun.objects.exists()


def test_progress_fragment_reloads_the_page_when_done(
    client, s, django_capture_on_commit_callbacks
):
    start(client, s, django_capture_on_commit_callbacks)
    run = InvoiceRun.objects.get()
    response = client.get(reverse("billing:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert 'aria-valuenow="100"' in response.content.decode()


def test_provider_sees_its_own_basis_with_names_and_disputes_a_line(
    client, s, django_capture_on_commit_callbacks
):
    start(client, s, django_capture_on_commit_callbacks)
    run = InvoiceRun.objects.get()
    own = run.bases.get(provider=s["performed"])
    other = run.bases.get(provider=s["granted"])

    client.force_login(s["performed_user"])
    listing = client.get(reverse("billing:basis_list")).content.decode()
    assert own.number in listing and other.number not in listing
    assert client.get(reverse("billing:basis_detail", args=[other.pk])).status_code == 404
    page = client.get(reverse("billing:basis_detail", args=[own.pk])).content.decode()
    assert "Kund1 Testsson" in page  # the provider's own customer, by name
    assert AuditEvent.objects.filter(action="read", object_repr="Kund1 Testsson").exists()

    line = own.lines.get()
    client.post(reverse("billing:line_dispute", args=[line.pk]), {"comment": "Besöket var 90 min"})
    dispute = LineDispute.objects.get()
    assert (dispute.line, dispute.raised_by) == (line, s["performed_user"])
    # The other provider cannot dispute it.
    client.force_login(s["granted_user"])
    response = client.post(reverse("billing:line_dispute", args=[line.pk]), {"comment": "x"})
    assert response.status_code == 404 and LineDispute.objects.count() == 1

    # Finance sees the reference, not the name; approval waits for the answer.
    client.force_login(s["finance"])
    page = client.get(reverse("billing:basis_detail", args=[own.pk])).content.decode()
    assert line.citizen_ref in page and "Kund1" not in page
    assert "Besöket var 90 min" in page
    response = client.post(reverse("billing:run_approve", args=[run.pk]), follow=True)
    assert "Besvara utförarnas öppna invändningar" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.PRELIMINARY
    client.post(reverse("billing:dispute_answer", args=[dispute.pk]), {"answer": "Rättas"})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ANSWERED and dispute.answered_by == s["finance"]
    client.post(reverse("billing:run_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.approved_by == s["finance"]

    # After approval the provider can no longer dispute.
    client.force_login(s["performed_user"])
    client.post(reverse("billing:line_dispute", args=[line.pk]), {"comment": "Sent"})
    assert LineDispute.objects.count() == 1


def test_correction_from_the_run_page(client, s, django_capture_on_commit_callbacks):
    start(client, s, django_capture_on_commit_callbacks)
    run = InvoiceRun.objects.get()
    client.post(reverse("billing:run_approve", args=[run.pk]))
    visit(s["order_a"], 3, "08:00", 60)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing:run_correct", args=[run.pk]))
    correction = InvoiceRun.objects.get(version=2)
    assert response.url == reverse("billing:run_detail", args=[correction.pk])
    # 1 h more at 450 kr + 1.5 %: 456.75 to pay.
    assert str(correction.total_amount) == "456.75"


def test_finance_of_another_municipality_sees_nothing(
    client, s, django_capture_on_commit_callbacks
):
    start(client, s, django_capture_on_commit_callbacks)
    run = InvoiceRun.objects.get()
    outsider = user_with_role(Role.FINANCE_OFFICER)
    client.force_login(outsider)
    assert client.get(reverse("billing:run_detail", args=[run.pk])).status_code == 404
    basis = run.bases.first()
    assert client.get(reverse("billing:basis_detail", args=[basis.pk])).status_code == 404
    assert client.post(reverse("billing:run_approve", args=[run.pk])).status_code == 404
