from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    DECISION = "decision", _("Decision")
    TRANSITION = "transition", _("Status change")
    EXPORT = "export", _("Export or print")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    SECURITY = "security", _("Security setting")
    PURGE = "purge", _("Audit log purge")
