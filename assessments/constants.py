"""Choices (TextChoices) of the needs assessment app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactRelation(models.TextChoices):
    """Who a contact person is to the citizen; relatives, a guardian or a proxy may help the
    citizen choose."""

    RELATIVE = "relative", _("Relative")
    GUARDIAN = "guardian", _("Guardian (god man)")
    ADMINISTRATOR = "administrator", _("Administrator (förvaltare)")
    PROXY = "proxy", _("Proxy")
    OTHER = "other", _("Other")
