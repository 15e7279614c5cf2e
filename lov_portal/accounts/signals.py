"""Logins, logouts and failed logins go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_event_record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(actor=user, action=AuditAction.LOGOUT, obj=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_event_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:200],
        request=request,
    )
