from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in the portal. Each role is a Django group holding its permissions;
    a RoleAssignment says where (which municipality or provider) the user holds it."""

    NEEDS_ASSESSOR = "needs_assessor", _("Needs assessor")
    BOARD_REVIEWER = "board_reviewer", _("Board reviewer")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    QUALITY_OFFICER = "quality_officer", _("Quality officer")
    MUNICIPAL_ADMIN = "municipal_admin", _("Municipal administrator")
    PROVIDER_USER = "provider_user", _("Provider user")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


MUNICIPAL_ROLES = frozenset(
    {
        Role.NEEDS_ASSESSOR,
        Role.BOARD_REVIEWER,
        Role.PROCUREMENT_OFFICER,
        Role.FINANCE_OFFICER,
        Role.QUALITY_OFFICER,
        Role.MUNICIPAL_ADMIN,
    }
)
PROVIDER_ROLES = frozenset({Role.PROVIDER_USER})
GLOBAL_ROLES = frozenset({Role.SYSTEM_ADMIN})
# Roles whose users work with personal data or money: they may (and in production must)
# use a second factor.
STAFF_ROLES = MUNICIPAL_ROLES | GLOBAL_ROLES
