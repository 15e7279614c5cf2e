from django.db import models
from django.utils.translation import gettext_lazy as _


class RateZone(models.TextChoices):
    """Zone of an area, used by compensation rates (ersättningszon)."""

    URBAN = "urban", _("Urban area")
    SUBURBAN = "suburban", _("Suburban area")
    RURAL = "rural", _("Rural area")
    SPARSE = "sparse", _("Sparsely populated area")
    ISLANDS = "islands", _("Islands")


class ServiceCategory(models.TextChoices):
    """Groups service types the way the law and the rates do."""

    HOME_HELP = "home_help", _("Home help")
    HEALTH = "health", _("Health care")
    DISABILITY = "disability", _("Support for people with disabilities")
    OTHER = "other", _("Other service")
