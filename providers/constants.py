from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalForm(models.TextChoices):
    """Legal forms a provider may have (from the municipalities' requests for applications)."""

    SOLE_TRADER = "sole_trader", _("Sole trader")
    LIMITED_COMPANY = "limited_company", _("Limited company (AB)")
    TRADING_PARTNERSHIP = "trading_partnership", _("Trading partnership (HB/KB)")
    FOUNDATION = "foundation", _("Foundation")
    ASSOCIATION = "association", _("Non-profit association")
    COOPERATIVE = "cooperative", _("Economic association / cooperative")
    MUNICIPALITY = "municipality", _("Municipality (in-house provider)")
