"""Overdue action plans: flagged, and reminded by the daily beat task at most once a week per
finding (the task run directly; e-mails in django.core.mail.outbox)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from followup import services, tasks
from followup.constants import FindingStatus, Severity
from followup.selectors import finding_list_overdue
from lov_portal.accounts.constants import Role
from tests.factories import ProviderFactory, user_with_role
from tests.followup.visit_fixtures import *  # noqa: F403 (fixtures)
from tests.followup.visit_fixtures import TODAY, done_visit_with_finding, plan

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 11, 10)


@pytest.fixture
def overdue(officer, munkedal, provider, provider_user):
    _visit, finding = done_visit_with_finding(officer, munkedal, provider, deadline=DEADLINE)
    return finding


def remind(day, captured):
    with captured(execute=True):
        return services.overdue_plan_reminders_send(today=day)


def test_the_beat_schedule_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["followup-overdue-plan-reminders"]
    assert entry["task"] == "followup.tasks.send_overdue_plan_reminders"
    assert entry["schedule"] == 24 * 60 * 60


def test_not_overdue_on_the_deadline(overdue, django_capture_on_commit_callbacks):
    assert remind(DEADLINE, django_capture_on_commit_callbacks) == 0
    assert not finding_list_overdue(today=DEADLINE).exists()
    assert mail.outbox == []


def test_an_overdue_plan_is_reminded_once_a_week(
    overdue, officer, provider_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    day = DEADLINE + datetime.timedelta(days=1)
    assert remind(day, django_capture_on_commit_callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([provider_user.email, officer.email])
    overdue.refresh_from_db()
    assert overdue.last_reminded_on == day

    # Run again the same day, and every day of the week: nothing more.
    for offset in range(0, 7):
        assert (
            remind(day + datetime.timedelta(days=offset), django_capture_on_commit_callbacks) == 0
        )
    assert len(mail.outbox) == 2

    # A week later: once more.
    assert remind(day + datetime.timedelta(days=7), django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 4


def test_the_task_itself_is_idempotent(overdue, django_capture_on_commit_callbacks, monkeypatch):
    from django.utils import timezone

    mail.outbox.clear()
    monkeypatch.setattr(timezone, "localdate", lambda: DEADLINE + datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_overdue_plan_reminders() == 1
        assert tasks.send_overdue_plan_reminders() == 0
    assert len(mail.outbox) == 2


def test_submitted_and_noted_findings_are_not_reminded(
    overdue,
    officer,
    munkedal,
    provider,
    provider_user,
    django_capture_on_commit_callbacks,
):
    services.action_plan_submit(finding=overdue, text="Plan", actor=provider_user)
    mail.outbox.clear()
    assert remind(DEADLINE + datetime.timedelta(days=5), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_returned_plan_with_a_new_deadline_starts_over(
    overdue,
    officer,
    provider_user,
    django_capture_on_commit_callbacks,
):
    day = DEADLINE + datetime.timedelta(days=1)
    remind(day, django_capture_on_commit_callbacks)
    services.action_plan_submit(finding=overdue, text="Plan", actor=provider_user)
    services.action_plan_return(
        finding=overdue,
        comment="Ofullständig",
        new_deadline=day + datetime.timedelta(days=2),
        actor=officer,
        today=day,
    )
    overdue.refresh_from_db()
    assert overdue.status == FindingStatus.AWAITING_PLAN
    assert overdue.last_reminded_on is None
    assert remind(day + datetime.timedelta(days=3), django_capture_on_commit_callbacks) == 1


def test_only_the_providers_own_users_are_e_mailed(
    overdue, provider_user, django_capture_on_commit_callbacks
):
    user_with_role(Role.PROVIDER_USER, provider=ProviderFactory(), email="annan@example.com")
    mail.outbox.clear()
    remind(DEADLINE + datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    recipients = {m.to[0] for m in mail.outbox}
    assert "annan@example.com" not in recipients
    assert provider_user.email in recipients


def test_a_planned_visits_findings_are_not_reminded(
    officer,
    munkedal,
    provider,
    django_capture_on_commit_callbacks,
):
    visit = plan(officer, munkedal, provider)
    services.finding_add(
        visit=visit,
        text="x",
        severity=Severity.LOW,
        plan_deadline=DEADLINE,
        actor=officer,
        today=TODAY,
    )
    assert remind(DEADLINE + datetime.timedelta(days=30), django_capture_on_commit_callbacks) == 0
