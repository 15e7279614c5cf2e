"""Writes for users and roles. Each keeps the user's groups equal to the roles they hold."""

from django.contrib.auth.models import Group
from django.db import transaction

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.permissions import ADMIN_ROLES, forget_scope

from .models import RoleAssignment, User


def user_sync_groups(*, user: User) -> None:
    """Groups (and admin access) follow role assignments; nothing else sets them."""
    roles = set(user.role_assignments.values_list("role", flat=True))
    user.groups.set(Group.objects.filter(name__in=roles))
    is_staff = bool(roles & ADMIN_ROLES) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    forget_scope(user)


@transaction.atomic
def user_create(*, email: str, full_name: str, password: str | None, actor) -> User:
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=user)
    return user


@transaction.atomic
def role_assign(
    *, user: User, role: str, municipality=None, provider=None, actor
) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, municipality=municipality, provider=provider)
    assignment.full_clean()
    assignment.save()
    user_sync_groups(user=user)
    audit_event_record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        message=f"role {role} granted in {municipality or provider or 'all'}",
        municipality_code=getattr(municipality, "code", ""),
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor) -> None:
    user = assignment.user
    scope = assignment.municipality or assignment.provider or "all"
    message = f"role {assignment.role} revoked in {scope}"
    assignment.delete()
    user_sync_groups(user=user)
    audit_event_record(actor=actor, action=AuditAction.SECURITY, obj=user, message=message)
