"""Follow-up visits through the services: planning with a checklist from the contract, the
visit and finding workflows (right actor, allowed moves, history), action plans and e-mails."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from followup import services
from followup.constants import ChecklistResult, FindingStatus, Severity, VisitKind, VisitStatus
from followup.models import FindingStatusChange, FollowUpVisitStatusChange
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from lov_portal.core.workflow import TransitionNotAllowed
from tests.factories import (
    CooperationFactory,
    MunicipalityFactory,
    ProviderFactory,
    user_with_role,
)
from tests.followup.factories import CaseFactory
from tests.followup.visit_fixtures import *  # noqa: F403 (fixtures and helpers)
from tests.followup.visit_fixtures import TODAY, done_visit_with_finding, plan

pytestmark = pytest.mark.django_db


def test_planning_copies_the_contracts_requirements_into_the_checklist(officer, munkedal, provider):
    visit = plan(officer, munkedal, provider)

    assert visit.status == VisitStatus.PLANNED
    assert visit.officer == officer
    items = list(visit.checklist.all())
    assert [i.text for i in items] == [
        "Företaget har F-skatt",
        "Beskriv verksamheten",
        "SKV 4820, högst två månader gammalt",
    ]
    assert all(i.requirement_id and i.result == ChecklistResult.NOT_CHECKED for i in items)
    assert AuditEvent.objects.filter(object_type="followup.followupvisit", action="create").exists()

    services.checklist_item_add(visit=visit, text="Nyckelhantering", actor=officer)
    assert visit.checklist.count() == 4
    assert visit.checklist.last().requirement is None


def test_a_provider_without_an_active_contract_cannot_be_planned(officer, munkedal):
    with pytest.raises(ValidationError) as exc:
        plan(officer, munkedal, ProviderFactory())
    assert "provider" in exc.value.message_dict


def test_only_the_municipalitys_quality_officers_plan(munkedal, provider, provider_user):
    other = user_with_role(Role.QUALITY_OFFICER, municipality=MunicipalityFactory())
    assessor = user_with_role(Role.NEEDS_ASSESSOR, municipality=munkedal)
    for actor in (other, assessor, provider_user):
        with pytest.raises(PermissionDenied):
            plan(actor, munkedal, provider)


def test_a_complaint_visit_links_a_case_of_the_same_provider_and_municipality(
    officer, munkedal, provider
):
    case = CaseFactory(municipality=munkedal, provider=provider)
    visit = plan(officer, munkedal, provider, kind=VisitKind.COMPLAINT, case=case)
    assert visit.case == case

    with pytest.raises(ValidationError):
        plan(officer, munkedal, provider, case=case)  # routine visit
    with pytest.raises(ValidationError):
        plan(
            officer,
            munkedal,
            provider,
            kind=VisitKind.COMPLAINT,
            case=CaseFactory(municipality=munkedal, provider=ProviderFactory()),
        )


def test_sharing_needs_a_cooperation_the_municipality_belongs_to(officer, munkedal, provider):
    cooperation = CooperationFactory(municipalities=[munkedal, MunicipalityFactory()])
    assert plan(officer, munkedal, provider, cooperation=cooperation).cooperation == cooperation
    with pytest.raises(ValidationError):
        plan(officer, munkedal, provider, cooperation=CooperationFactory(municipalities=[]))


def test_findings_are_noted_or_await_a_plan(officer, munkedal, provider):
    visit = plan(officer, munkedal, provider)
    item = visit.checklist.first()
    noted = services.finding_add(
        visit=visit, text="Bra rutiner", severity=Severity.LOW, actor=officer, today=TODAY
    )
    awaiting = services.finding_add(
        visit=visit,
        text="Saknar F-skatt",
        severity=Severity.HIGH,
        checklist_item=item,
        plan_deadline=datetime.date(2026, 12, 1),
        actor=officer,
        today=TODAY,
    )
    assert noted.status == FindingStatus.NOTED
    assert awaiting.status == FindingStatus.AWAITING_PLAN
    assert awaiting.checklist_item == item
    with pytest.raises(ValidationError):
        services.finding_add(
            visit=visit,
            text="x",
            severity=Severity.LOW,
            plan_deadline=datetime.date(2026, 1, 1),
            actor=officer,
            today=TODAY,
        )


def test_checklist_results_are_recorded(officer, munkedal, provider):
    visit = plan(officer, munkedal, provider)
    first, second, _third = visit.checklist.all()
    changed = services.checklist_record(
        visit=visit,
        entries={
            first.pk: (ChecklistResult.MET, ""),
            second.pk: (ChecklistResult.NOT_MET, "Beskrivning saknas"),
        },
        actor=officer,
    )
    assert changed == 2
    second.refresh_from_db()
    assert (second.result, second.comment) == (ChecklistResult.NOT_MET, "Beskrivning saknas")


def test_the_visit_workflow_and_its_history(officer, munkedal, provider, provider_user):
    visit, finding = done_visit_with_finding(officer, munkedal, provider)
    assert visit.status == VisitStatus.DONE
    assert visit.carried_out_on == datetime.date(2026, 10, 20)

    # Wrong moves: a carried-out visit is not cancelled or carried out again.
    with pytest.raises(TransitionNotAllowed):
        services.visit_cancel(visit=visit, actor=officer)
    # Not closed while a plan is awaited.
    with pytest.raises(ValidationError):
        services.visit_close(visit=visit, actor=officer)

    services.action_plan_submit(finding=finding, text="Planer skrivs", actor=provider_user)
    services.action_plan_accept(finding=finding, actor=officer)
    services.visit_close(visit=visit, actor=officer)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.CLOSED
    assert list(
        FollowUpVisitStatusChange.objects.filter(visit=visit).values_list(
            "from_status", "to_status"
        )
    ) == [(VisitStatus.PLANNED, VisitStatus.DONE), (VisitStatus.DONE, VisitStatus.CLOSED)]
    with pytest.raises(ValidationError):
        services.finding_add(visit=visit, text="x", severity=Severity.LOW, actor=officer)


def test_a_carried_out_visit_is_not_dated_in_the_future(officer, munkedal, provider):
    visit = plan(officer, munkedal, provider)
    with pytest.raises(ValidationError):
        services.visit_carry_out(
            visit=visit,
            carried_out_on=TODAY + datetime.timedelta(days=1),
            summary="x",
            actor=officer,
            today=TODAY,
        )


def test_the_provider_answers_only_its_own_findings(officer, munkedal, provider, provider_user):
    _visit, finding = done_visit_with_finding(officer, munkedal, provider)
    stranger = user_with_role(Role.PROVIDER_USER, provider=ProviderFactory())
    with pytest.raises(PermissionDenied):
        services.action_plan_submit(finding=finding, text="Plan", actor=stranger)
    # The officer does not answer for the provider.
    with pytest.raises(PermissionDenied):
        services.action_plan_submit(finding=finding, text="Plan", actor=officer)
    # Nor does the provider accept its own plan.
    services.action_plan_submit(finding=finding, text="Plan", actor=provider_user)
    with pytest.raises(PermissionDenied):
        services.action_plan_accept(finding=finding, actor=provider_user)


def test_a_finding_of_a_visit_not_carried_out_is_not_answered_yet(
    officer, munkedal, provider, provider_user
):
    visit = plan(officer, munkedal, provider)
    finding = services.finding_add(
        visit=visit,
        text="x",
        severity=Severity.LOW,
        plan_deadline=datetime.date(2026, 12, 1),
        actor=officer,
        today=TODAY,
    )
    with pytest.raises(PermissionDenied):
        services.action_plan_submit(finding=finding, text="Plan", actor=provider_user)


def test_wrong_finding_moves(officer, munkedal, provider, provider_user):
    visit, finding = done_visit_with_finding(officer, munkedal, provider)
    noted = services.finding_add(visit=visit, text="Noterat", severity=Severity.LOW, actor=officer)
    with pytest.raises(TransitionNotAllowed):
        services.action_plan_submit(finding=noted, text="Plan", actor=provider_user)
    with pytest.raises(TransitionNotAllowed):
        services.action_plan_accept(finding=finding, actor=officer)  # nothing submitted
    services.action_plan_submit(finding=finding, text="Plan", actor=provider_user)
    with pytest.raises(TransitionNotAllowed):
        services.action_plan_submit(finding=finding, text="Plan igen", actor=provider_user)
    with pytest.raises(ValidationError):
        services.action_plan_return(finding=finding, comment=" ", actor=officer)


def test_request_return_and_accept_are_e_mailed_and_kept_in_history(
    officer, munkedal, provider, provider_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _visit, finding = done_visit_with_finding(officer, munkedal, provider)
    assert [m.to for m in mail.outbox] == [[provider_user.email]]
    assert "Genomförandeplaner saknas" in mail.outbox[0].body
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.action_plan_submit(
            finding=finding,
            text="Vi skriver planerna",
            done_by=datetime.date(2026, 12, 15),
            actor=provider_user,
        )
    assert [m.to for m in mail.outbox] == [[officer.email]]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.action_plan_return(
            finding=finding,
            comment="Ange ansvarig",
            new_deadline=datetime.date(2027, 1, 15),
            actor=officer,
            today=TODAY,
        )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AWAITING_PLAN
    assert finding.plan_deadline == datetime.date(2027, 1, 15)
    assert finding.action_plans.get().review_comment == "Ange ansvarig"
    assert [m.to for m in mail.outbox] == [[provider_user.email]]
    assert "2027-01-15" in mail.outbox[0].body

    services.action_plan_submit(finding=finding, text="Enhetschefen ansvarar", actor=provider_user)
    services.action_plan_accept(finding=finding, actor=officer)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PLAN_ACCEPTED
    assert finding.action_plans.count() == 2
    assert list(
        FindingStatusChange.objects.filter(finding=finding).values_list("to_status", "comment")
    ) == [
        (FindingStatus.PLAN_SUBMITTED, ""),
        (FindingStatus.AWAITING_PLAN, "Ange ansvarig"),
        (FindingStatus.PLAN_SUBMITTED, ""),
        (FindingStatus.PLAN_ACCEPTED, ""),
    ]


def test_cooperation_officers_read_but_only_the_owner_changes(officer, munkedal, provider):
    neighbour = MunicipalityFactory(code="1427", name="Sotenäs")
    cooperation = CooperationFactory(municipalities=[munkedal, neighbour])
    neighbour_officer = user_with_role(Role.QUALITY_OFFICER, municipality=neighbour)
    visit = plan(officer, munkedal, provider, cooperation=cooperation)

    assert neighbour_officer.has_perm("followup.manage_visits", visit)  # may read
    assert not services.visit_may_change(neighbour_officer, visit)
    with pytest.raises(PermissionDenied):
        services.finding_add(visit=visit, text="x", severity=Severity.LOW, actor=neighbour_officer)
    with pytest.raises(PermissionDenied):
        services.visit_cancel(visit=visit, actor=neighbour_officer)
