from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import AuditAction


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit event from the application."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    def _purge_older_than(self, cutoff):
        """The single deletion path, used only by audit.services.audit_event_purge_expired."""
        return models.QuerySet.delete(self.filter(timestamp__lt=cutoff))


class AuditEvent(models.Model):
    """One read or change of personal data, one decision, one security event.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses
    them at the database level too (see migration 0002). The actor is kept as a plain id and
    a text copy, so deleting a user never rewrites the log.
    """

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_repr = models.CharField(_("user (as logged)"), max_length=254, blank=True)
    roles = models.CharField(_("roles"), max_length=200, blank=True)
    municipality_code = models.CharField(_("municipality"), max_length=4, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    message = models.CharField(_("description"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address (URL)"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-timestamp", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "-timestamp"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")
