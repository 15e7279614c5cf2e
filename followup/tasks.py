"""Celery tasks of the quality follow-up app: thin, by id, idempotent, acks_late."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


# --- Follow-up visits: overdue action plan reminders ----------------------------------------


@shared_task(acks_late=True)
def notify_findings(finding_ids: list[int], event: str) -> int:
    """E-mail about findings: an action plan requested, submitted, accepted, returned or
    overdue."""
    from .visit_notifications import findings_notify

    return findings_notify(finding_ids=finding_ids, event=event)


@shared_task(acks_late=True)
def send_overdue_plan_reminders() -> int:
    """Daily (Celery beat). Idempotent: each overdue plan is reminded at most once a week."""
    from django.utils import timezone

    from .services import overdue_plan_reminders_send

    return overdue_plan_reminders_send(today=timezone.localdate())


# --- Quality reports --------------------------------------------------------------------------


@shared_task(acks_late=True, soft_time_limit=600)
def render_quality_report(report_id: int) -> None:
    """Render one quality report. An error fails the report with its message (shown to the
    officer, who may start again); it is logged, not raised, so an eager run in development
    does not turn into an error page. A worker lost mid-way gets the task again (acks_late)."""
    from .services import quality_report_fail, quality_report_render

    try:
        quality_report_render(report_id=report_id)
    except Exception as exc:
        logger.exception("Quality report %s failed", report_id)
        quality_report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")


# --- Complaints, deviations and Lex Sarah (cases) ---------------------------------------------


@shared_task(acks_late=True)
def notify_case(case_id: int, event: str) -> int:
    """E-mail about a case: received, assigned, statement, answered (see case_notifications)."""
    from .case_notifications import case_notify

    return case_notify(case_id=case_id, event=event)
