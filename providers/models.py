from django.db import models
from django.utils.translation import gettext_lazy as _

from lov_portal.core.validators import validate_organisation_number, validate_postal_code

from .constants import LegalForm


class Provider(models.Model):
    """A provider (utförare): a company, association or the municipality's own in-house unit.

    The in-house provider is a provider like any other, flagged `is_in_house`, bound by the
    same requirements and followed up the same way.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        unique=True,
        validators=[validate_organisation_number],
    )
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    has_f_tax = models.BooleanField(_("approved for F-tax"), default=False)
    is_in_house = models.BooleanField(_("in-house provider"), default=False)
    in_house_municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="in_house_providers",
        verbose_name=_("in-house provider of"),
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="provider_in_house_has_municipality",
                condition=models.Q(is_in_house=False, in_house_municipality__isnull=True)
                | models.Q(is_in_house=True, in_house_municipality__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_id(self) -> int:
        return self.pk

    @property
    def municipality_ids(self) -> set[int]:
        return {self.in_house_municipality_id} if self.in_house_municipality_id else set()
