from django.db.models import QuerySet

from .models import RoleAssignment, User


def role_assignment_list_for_user(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("municipality", "provider")
