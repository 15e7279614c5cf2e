from celery import shared_task

from .services import audit_event_purge_expired


@shared_task(acks_late=True)
def purge_expired_audit_events() -> int:
    return audit_event_purge_expired()
