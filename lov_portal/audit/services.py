"""Writing to the audit log. The one-line helper for views is `audit_log(request, ...)`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from lov_portal.core.http import client_ip

from .constants import AuditAction
from .models import AuditEvent


def _municipality_code(obj: Model | None) -> str:
    municipality = getattr(obj, "municipality", None)
    if municipality is not None and hasattr(municipality, "code"):
        return municipality.code
    if obj is not None and obj.__class__.__name__ == "Municipality":
        return obj.code
    return ""


def audit_event_record(
    *,
    actor,
    action: AuditAction | str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    message: str = "",
    request: HttpRequest | None = None,
    details: dict | None = None,
    municipality_code: str = "",
) -> AuditEvent:
    """Append one event. Runs in the caller's transaction, so a rolled back change leaves no
    event claiming it happened."""
    from lov_portal.permissions import user_scope

    is_user = getattr(actor, "is_authenticated", False)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_repr=(actor.email if is_user else "")[:254],
        roles=",".join(sorted(user_scope(actor).roles)) if is_user else "",
        municipality_code=municipality_code or _municipality_code(obj),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        message=message[:500],
        ip_address=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        details=details or {},
    )


def audit_log(
    request: HttpRequest, action: AuditAction | str, obj: Model | None = None, **kwargs
) -> AuditEvent:
    """One line in a view: `audit_log(request, AuditAction.READ, citizen)`."""
    return audit_event_record(actor=request.user, action=action, obj=obj, request=request, **kwargs)


@transaction.atomic
def audit_event_purge_expired(*, now=None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS. The only path that deletes events.

    On PostgreSQL the trigger allows the delete only inside a transaction that has set
    lov_portal.audit_purge, and only for rows older than the retention period.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lov_portal.audit_purge', %s, true)", [cutoff.isoformat()]
            )
    deleted, _ = AuditEvent.objects.all()._purge_older_than(cutoff)
    if deleted:
        audit_event_record(
            actor=None,
            action=AuditAction.PURGE,
            message=f"{deleted} events older than {cutoff:%Y-%m-%d} purged",
            details={"deleted": deleted, "cutoff": cutoff.isoformat()},
        )
    return deleted
