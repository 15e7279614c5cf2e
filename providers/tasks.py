"""Celery tasks of the providers app: thin, take ids, idempotent, acks_late."""

from celery import shared_task


@shared_task(acks_late=True)
def notify_application(application_id: int, event: str) -> None:
    from .notifications import application_notify

    application_notify(application_id=application_id, event=event)


@shared_task(acks_late=True)
def render_decision_letter(application_municipality_id: int) -> None:
    from .letters import decision_letter_render

    decision_letter_render(application_municipality_id=application_municipality_id)


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    """Daily (Celery beat). Idempotent: a provider is reminded at most once a day."""
    from django.utils import timezone

    from .services import expiry_reminders_send

    return expiry_reminders_send(today=timezone.localdate())
