"""Follow-up visits in the browser without JavaScript: plain forms and redirects. The officer
plans, records and reviews; the provider answers its own findings only; a cooperation reads a
shared visit; another municipality sees nothing."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup import services
from followup.constants import ChecklistResult, FindingStatus, Severity, VisitStatus
from followup.models import Finding, FollowUpVisit
from lov_portal.accounts.constants import Role
from tests.factories import (
    CooperationFactory,
    MunicipalityFactory,
    ProviderFactory,
    user_with_role,
)
from tests.followup.visit_fixtures import *  # noqa: F403 (fixtures)
from tests.followup.visit_fixtures import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """UI text is asserted in English (the msgids), whatever the Swedish translation says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def today():
    return timezone.localdate()


def carried_out(officer, munkedal, provider, *, deadline=None, **kwargs):
    visit = plan(officer, munkedal, provider, **kwargs)
    finding = services.finding_add(
        visit=visit,
        text="Genomförandeplaner saknas",
        severity=Severity.HIGH,
        plan_deadline=deadline or today() + datetime.timedelta(days=30),
        actor=officer,
        today=min(today(), deadline or today()),
    )
    services.visit_carry_out(
        visit=visit, carried_out_on=today(), summary="Besöket gick bra.", actor=officer
    )
    return visit, finding


def test_the_officer_plans_records_and_closes_without_javascript(
    client, officer, munkedal, provider, provider_user, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    page = client.get(reverse("followup:visit_plan"))
    assert page.status_code == 200
    assert provider.name in page.content.decode()

    response = client.post(
        reverse("followup:visit_plan"),
        {
            "municipality": munkedal.pk,
            "provider": provider.pk,
            "kind": "routine",
            "planned_on": today().isoformat(),
            "purpose": "Årlig uppföljning",
        },
    )
    visit = FollowUpVisit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("followup:visit_detail", args=[visit.pk])
    detail = client.get(response.url).content.decode()
    assert "Företaget har F-skatt" in detail
    assert "Save the checklist" in detail

    items = list(visit.checklist.all())
    data = {f"result_{i.pk}": ChecklistResult.MET for i in items}
    data |= {f"comment_{i.pk}": "" for i in items}
    data[f"result_{items[1].pk}"] = ChecklistResult.NOT_MET
    data[f"comment_{items[1].pk}"] = "Saknas"
    response = client.post(reverse("followup:checklist_save", args=[visit.pk]), data)
    assert response.status_code == 302
    assert visit.checklist.filter(result=ChecklistResult.NOT_MET).count() == 1

    client.post(
        reverse("followup:checklist_item_add", args=[visit.pk]), {"text": "Nyckelhantering"}
    )
    assert visit.checklist.count() == 4

    # A plan requested without a deadline is shown again with the error.
    response = client.post(
        reverse("followup:finding_add", args=[visit.pk]),
        {"text": "Planer saknas", "severity": Severity.HIGH, "requires_plan": "on"},
    )
    assert response.status_code == 200
    assert "Give the date the action plan is due." in response.content.decode()

    deadline = today() + datetime.timedelta(days=30)
    client.post(
        reverse("followup:finding_add", args=[visit.pk]),
        {
            "text": "Planer saknas",
            "severity": Severity.HIGH,
            "checklist_item": items[1].pk,
            "requires_plan": "on",
            "plan_deadline": deadline.isoformat(),
        },
    )
    client.post(
        reverse("followup:finding_add", args=[visit.pk]),
        {"text": "Bra bemötande", "severity": Severity.LOW, "plan_deadline": deadline.isoformat()},
    )
    awaiting, noted = visit.findings.order_by("pk")
    assert (awaiting.status, awaiting.checklist_item_id) == (
        FindingStatus.AWAITING_PLAN,
        items[1].pk,
    )
    assert (noted.status, noted.plan_deadline) == (FindingStatus.NOTED, None)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("followup:visit_carry_out", args=[visit.pk]),
            {"carried_out_on": today().isoformat(), "summary": "Två fynd."},
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    assert [m.to for m in mail.outbox] == [[provider_user.email]]

    # Not closed while a plan is awaited.
    client.post(reverse("followup:visit_close", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE

    services.action_plan_submit(finding=awaiting, text="Planer skrivs", actor=provider_user)
    page = client.get(reverse("followup:finding_detail", args=[awaiting.pk])).content.decode()
    assert "Planer skrivs" in page and "Accept the action plan" in page
    response = client.post(reverse("followup:plan_accept", args=[awaiting.pk]), {"comment": ""})
    assert response.status_code == 302
    client.post(reverse("followup:visit_close", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED


def test_the_officer_returns_a_plan_with_a_comment(
    client, officer, munkedal, provider, provider_user
):
    _visit, finding = carried_out(officer, munkedal, provider)
    services.action_plan_submit(finding=finding, text="Vi ska", actor=provider_user)
    client.force_login(officer)
    response = client.post(reverse("followup:plan_return", args=[finding.pk]), {"comment": ""})
    assert response.status_code == 200
    new_deadline = today() + datetime.timedelta(days=60)
    response = client.post(
        reverse("followup:plan_return", args=[finding.pk]),
        {"comment": "Ange ansvarig", "new_deadline": new_deadline.isoformat()},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.plan_deadline) == (FindingStatus.AWAITING_PLAN, new_deadline)

    # The provider sees the municipality's comment and answers again.
    client.force_login(provider_user)
    page = client.get(reverse("provider_followup:finding_detail", args=[finding.pk]))
    assert "Ange ansvarig" in page.content.decode()
    assert "Send the action plan" in page.content.decode()


def test_the_provider_answers_its_own_finding(client, officer, munkedal, provider, provider_user):
    visit, finding = carried_out(officer, munkedal, provider)
    client.force_login(provider_user)
    listing = client.get(reverse("provider_followup:finding_list")).content.decode()
    assert "Besöket gick bra." in listing
    assert "Genomförandeplaner saknas" in listing

    response = client.post(
        reverse("provider_followup:finding_detail", args=[finding.pk]),
        {"text": "", "done_by": ""},
    )
    assert response.status_code == 200
    response = client.post(
        reverse("provider_followup:finding_detail", args=[finding.pk]),
        {"text": "Enhetschefen skriver planerna", "done_by": today().isoformat()},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PLAN_SUBMITTED
    assert finding.action_plans.get().submitted_by == provider_user


def test_a_provider_sees_only_its_own_carried_out_visits(
    client, officer, munkedal, provider, provider_user
):
    _visit, finding = carried_out(officer, munkedal, provider)
    other = ProviderFactory(name="Annan Omsorg AB")
    from tests.followup.factories import contract_with_requirements

    contract_with_requirements(municipality=munkedal, provider=other, reference="LOV-2")
    _other_visit, other_finding = carried_out(officer, munkedal, other)
    planned = plan(officer, munkedal, provider)
    hidden = services.finding_add(
        visit=planned, text="Ej klar", severity=Severity.LOW, actor=officer
    )

    client.force_login(provider_user)
    listing = client.get(reverse("provider_followup:finding_list")).content.decode()
    assert "Annan Omsorg AB" not in listing
    assert "Ej klar" not in listing
    for pk in (other_finding.pk, hidden.pk):
        assert client.get(reverse("provider_followup:finding_detail", args=[pk])).status_code == 404
        response = client.post(
            reverse("provider_followup:finding_detail", args=[pk]), {"text": "Plan"}
        )
        assert response.status_code == 404
    # Nor does a provider user open the officer's pages.
    assert client.get(reverse("followup:finding_detail", args=[finding.pk])).status_code in (
        403,
        404,
    )
    assert Finding.objects.get(pk=other_finding.pk).status == FindingStatus.AWAITING_PLAN


def test_a_shared_visit_is_read_by_the_cooperation_and_changed_only_by_its_owner(
    client, officer, munkedal, provider, provider_user
):
    sotenas = MunicipalityFactory(code="1427", name="Sotenäs")
    cooperation = CooperationFactory(municipalities=[munkedal, sotenas])
    visit, finding = carried_out(officer, munkedal, provider, cooperation=cooperation)
    services.action_plan_submit(finding=finding, text="Planen", actor=provider_user)
    unshared, unshared_finding = carried_out(officer, munkedal, provider)
    neighbour = user_with_role(Role.QUALITY_OFFICER, municipality=sotenas)

    client.force_login(neighbour)
    listing = client.get(reverse("followup:visit_list")).content.decode()
    assert reverse("followup:visit_detail", args=[visit.pk]) in listing
    assert reverse("followup:visit_detail", args=[unshared.pk]) not in listing
    page = client.get(reverse("followup:visit_detail", args=[visit.pk])).content.decode()
    assert "Genomförandeplaner saknas" in page
    assert "Record the finding" not in page
    page = client.get(reverse("followup:finding_detail", args=[finding.pk])).content.decode()
    assert "Planen" in page
    assert "Accept the action plan" not in page

    # Reading is not changing.
    assert client.post(reverse("followup:plan_accept", args=[finding.pk])).status_code == 403
    response = client.post(
        reverse("followup:finding_add", args=[visit.pk]), {"text": "x", "severity": "low"}
    )
    assert response.status_code == 403
    assert client.post(reverse("followup:visit_close", args=[visit.pk])).status_code == 403
    # The unshared visit does not exist for the neighbour.
    assert client.get(reverse("followup:visit_detail", args=[unshared.pk])).status_code == 404
    assert (
        client.get(reverse("followup:finding_detail", args=[unshared_finding.pk])).status_code
        == 404
    )

    # A municipality outside the cooperation sees nothing.
    outsider = user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory())
    client.force_login(outsider)
    assert (
        reverse("followup:visit_detail", args=[visit.pk])
        not in client.get(reverse("followup:visit_list")).content.decode()
    )
    for name, pk in [
        ("followup:visit_detail", visit.pk),
        ("followup:finding_detail", finding.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404
    assert client.post(reverse("followup:plan_accept", args=[finding.pk])).status_code == 404


OFFICER_POSTS = [
    "followup:checklist_save",
    "followup:checklist_item_add",
    "followup:finding_add",
    "followup:visit_carry_out",
    "followup:visit_close",
    "followup:visit_cancel",
]
FINDING_POSTS = ["followup:plan_accept", "followup:plan_return"]


@pytest.mark.parametrize("name", OFFICER_POSTS + FINDING_POSTS)
def test_post_only_urls_refuse_everyone_but_the_owning_officer(
    client, officer, munkedal, provider, provider_user, name
):
    visit, finding = carried_out(officer, munkedal, provider)
    pk = finding.pk if name in FINDING_POSTS else visit.pk
    url = reverse(name, args=[pk])

    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))

    others = [
        provider_user,
        user_with_role(Role.PROVIDER_USER, provider=ProviderFactory()),
        user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory()),
        *(
            user_with_role(role, municipality=munkedal)
            for role in Role
            if role not in (Role.QUALITY_OFFICER, Role.PROVIDER_USER, Role.SYSTEM_ADMIN)
        ),
        user_with_role(Role.SYSTEM_ADMIN),
    ]
    for user in others:
        client.force_login(user)
        assert client.post(url).status_code in (403, 404), (name, user)
    client.force_login(officer)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code in (200, 302)


def test_the_list_filters_and_flags_overdue_plans(client, officer, munkedal, provider):
    late_visit, late = carried_out(officer, munkedal, provider)
    Finding.objects.filter(pk=late.pk).update(plan_deadline=today() - datetime.timedelta(days=1))
    on_time_visit, _on_time = carried_out(officer, munkedal, provider)
    planned = plan(officer, munkedal, provider)

    client.force_login(officer)
    url = reverse("followup:visit_list")
    listing = client.get(url).content.decode()
    for visit in (late_visit, on_time_visit, planned):
        assert reverse("followup:visit_detail", args=[visit.pk]) in listing
    assert listing.count("Overdue") == 1

    overdue_only = client.get(url, {"overdue": "on"}).content.decode()
    assert reverse("followup:visit_detail", args=[late_visit.pk]) in overdue_only
    assert reverse("followup:visit_detail", args=[on_time_visit.pk]) not in overdue_only

    planned_only = client.get(url, {"status": "planned"}).content.decode()
    assert reverse("followup:visit_detail", args=[planned.pk]) in planned_only
    assert reverse("followup:visit_detail", args=[late_visit.pk]) not in planned_only

    other = ProviderFactory(name="Annan AB")
    from tests.followup.factories import contract_with_requirements

    contract_with_requirements(municipality=munkedal, provider=other, reference="LOV-2")
    other_visit = plan(officer, munkedal, other)
    by_provider = client.get(url, {"provider": other.pk}).content.decode()
    assert reverse("followup:visit_detail", args=[other_visit.pk]) in by_provider
    assert reverse("followup:visit_detail", args=[late_visit.pk]) not in by_provider

    # The finding's page flags it too.
    page = client.get(reverse("followup:finding_detail", args=[late.pk])).content.decode()
    assert "Overdue" in page


def test_the_provider_list_flags_overdue(client, officer, munkedal, provider, provider_user):
    _visit, late = carried_out(officer, munkedal, provider)
    Finding.objects.filter(pk=late.pk).update(plan_deadline=today() - datetime.timedelta(days=1))
    client.force_login(provider_user)
    assert "Overdue" in client.get(reverse("provider_followup:finding_list")).content.decode()


def test_home_and_portal_link_to_the_visits(client, officer, provider_user):
    client.force_login(officer)
    assert reverse("followup:visit_list") in client.get(reverse("followup:home")).content.decode()
    client.force_login(provider_user)
    page = client.get(reverse("providers:portal")).content.decode()
    assert reverse("provider_followup:finding_list") in page
