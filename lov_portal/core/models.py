from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .constants import NoChoiceRule, RateZone, ServiceCategory
from .validators import (
    validate_municipality_code,
    validate_organisation_number,
    validate_postal_code,
)


class Municipality(models.Model):
    """A kommun, identified by its SCB municipality code."""

    code = models.CharField(
        _("municipality code"), max_length=4, unique=True, validators=[validate_municipality_code]
    )
    name = models.CharField(_("name"), max_length=100)
    organisation_name = models.CharField(
        _("name of the organisation"),
        max_length=100,
        blank=True,
        help_text=_("As in letters, e.g. Lysekils kommun."),
    )
    board_name = models.CharField(
        _("board"),
        max_length=200,
        blank=True,
        help_text=_("The board that approves providers, e.g. Omsorgsnämnden."),
    )
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[validate_organisation_number],
        help_text=_("NNNNNN-NNNN, e.g. for e-invoices (Peppol) and the ledger."),
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    no_choice_rule = models.CharField(
        _("no-choice alternative"),
        max_length=20,
        choices=NoChoiceRule.choices,
        default=NoChoiceRule.IN_HOUSE,
        help_text=_("Who provides the service when the citizen does not choose."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.pk}

    @property
    def organisation(self) -> str:
        return self.organisation_name or f"{self.name} kommun"


class Cooperation(models.Model):
    """Municipalities that share requests for applications and review together."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    municipalities = models.ManyToManyField(
        Municipality, related_name="cooperations", verbose_name=_("municipalities")
    )

    class Meta:
        verbose_name = _("cooperation")
        verbose_name_plural = _("cooperations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A geographic area of a municipality that providers apply for."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="areas", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=100)
    rate_zone = models.CharField(
        _("rate zone"), max_length=20, choices=RateZone.choices, default=RateZone.URBAN
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="area_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality.name})"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class AreaPostalCode(models.Model):
    """A postal code lying (at least partly) in an area; one code may lie in several areas."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="postal_codes")
    postal_code = models.CharField(
        _("postal code"), max_length=5, validators=[validate_postal_code], db_index=True
    )

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        ordering = ["postal_code"]
        constraints = [
            models.UniqueConstraint(fields=["area", "postal_code"], name="areapostalcode_unique")
        ]

    def __str__(self) -> str:
        return f"{self.postal_code[:3]} {self.postal_code[3:]}"


class ServiceType(models.Model):
    """A service (insats) that can be run under LOV, e.g. hemtjänst omvårdnad."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (Swedish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=ServiceCategory.choices, default=ServiceCategory.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "sv").startswith("en"):
            return self.name_en
        return self.name


class StatusChange(models.Model):
    """One row of a workflow's history: who moved it, when, from what to what. A concrete
    history adds the object it belongs to (and may give the statuses their choices)."""

    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
