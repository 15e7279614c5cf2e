from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from lov_portal.permissions import is_system_admin

from .models import AuditEvent


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """The whole log, for system administrators only; everyone else gets nothing."""
    if not is_system_admin(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


def audit_event_get(*, user, pk: int) -> AuditEvent:
    return get_object_or_404(audit_event_list(user=user), pk=pk)
