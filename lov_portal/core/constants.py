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


class NoChoiceRule(models.TextChoices):
    """How a municipality picks the provider for a citizen who does not choose
    (icke-valsalternativ). The catalogue states it; assessments apply it."""

    IN_HOUSE = "in_house", _("The municipality's own provider")
    ROTATION = "rotation", _("Monthly rotation among the providers of the area")
    TURN_ORDER = "turn_order", _("Fixed turn order among the providers")
    RANDOM = "random", _("Random among providers serving the address with free capacity")
