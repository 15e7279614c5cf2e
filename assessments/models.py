"""Models of the needs assessment app: citizens (brukare) and their contact persons."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lov_portal.core.constants import NoChoiceRule
from lov_portal.core.identity import parse_identity_number
from lov_portal.core.models import StatusChange
from lov_portal.core.validators import validate_postal_code

from .constants import (
    ChangeReason,
    ContactRelation,
    DecisionStatus,
    GrantUnit,
    HelpedBy,
    LegalBasis,
    OrderStatus,
)


class Citizen(models.Model):
    """A person who applies for or receives services, in one municipality's register.

    Personal data: every read and change goes to the audit log (views and services). With
    protected identity (skyddad identitet) the address and contact persons are shown only to
    users explicitly allowed (`protected_address_readers`)."""

    identity_number = models.CharField(
        _("personal identity number"),
        max_length=12,
        unique=True,
        help_text=_("Personnummer or samordningsnummer, 12 digits."),
    )
    is_coordination_number = models.BooleanField(_("coordination number"), default=False)
    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        related_name="citizens",
        verbose_name=_("municipality"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    area = models.ForeignKey(
        "core.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citizens",
        verbose_name=_("area"),
    )
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    protected_identity = models.BooleanField(_("protected identity"), default=False)
    protected_address_readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("may see the protected address"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        # No identity number here: this string goes into the audit log and lists.
        return f"{self.first_name} {self.last_name}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}

    @property
    def formatted_identity_number(self) -> str:
        return str(parse_identity_number(self.identity_number))


class ContactPerson(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(
        _("relation"),
        max_length=20,
        choices=ContactRelation.choices,
        default=ContactRelation.RELATIVE,
    )
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def municipality_ids(self) -> set[int]:
        return self.citizen.municipality_ids


class Decision(models.Model):
    """A needs-assessment decision (biståndsbeslut) granting services with time.

    A decided decision is never edited: a change is a new version (`previous`), and deciding it
    marks the previous version superseded. Orders and invoices keep pointing at the version
    they were made from."""

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="decisions")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.SOL_4_1
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("needs assessor"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-valid_from", "-version"]
        constraints = [
            models.CheckConstraint(
                name="decision_valid_period",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.citizen} – {self.valid_from:%Y-%m-%d} (v{self.version})"

    @property
    def municipality_ids(self) -> set[int]:
        return self.citizen.municipality_ids


class GrantedService(models.Model):
    """One service (insats) of a decision with its granted time."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="services")
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    granted_hours = models.DecimalField(_("granted time (hours)"), max_digits=6, decimal_places=2)
    unit = models.CharField(
        _("per"), max_length=30, choices=GrantUnit.choices, default=GrantUnit.HOURS_PER_MONTH
    )

    class Meta:
        verbose_name = _("granted service")
        verbose_name_plural = _("granted services")
        ordering = ["service_type__ordering", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "service_type"], name="grantedservice_once_per_decision"
            ),
            models.CheckConstraint(
                name="grantedservice_positive_hours", condition=models.Q(granted_hours__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type}: {self.granted_hours} {self.get_unit_display()}"


class DecisionStatusChange(StatusChange):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="history")


class Choice(models.Model):
    """The citizen's choice of provider for one granted service (or the no-choice alternative,
    with the rule that picked the provider)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="choices")
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="choices",
        verbose_name=_("provider"),
    )
    chosen_on = models.DateField(_("chosen on"))
    helped_by = models.CharField(
        _("who helped choose"), max_length=20, choices=HelpedBy.choices, default=HelpedBy.SELF
    )
    no_choice_rule = models.CharField(
        _("no-choice alternative"),
        max_length=20,
        choices=NoChoiceRule.choices,
        blank=True,
        help_text=_("Set when the citizen did not choose and the rule picked the provider."),
    )
    # Asked only when the choice changes the citizen's provider for the service.
    change_reason = models.CharField(
        _("reason for the change"), max_length=20, choices=ChangeReason.choices, blank=True
    )
    change_reason_text = models.CharField(
        _("reason for the change, in the citizen's words"), max_length=500, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.service_type}: {self.provider}"

    @property
    def municipality_ids(self) -> set[int]:
        return self.decision.municipality_ids


class Order(models.Model):
    """The order (beställning) to the provider: one granted service of a decision."""

    choice = models.OneToOneField(Choice, on_delete=models.PROTECT, related_name="order")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="orders")
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="orders"
    )
    contract = models.ForeignKey(
        "providers.Contract", on_delete=models.PROTECT, related_name="orders"
    )
    granted_hours = models.DecimalField(_("granted time (hours)"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("per"), max_length=30, choices=GrantUnit.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.SENT
    )
    requested_start = models.DateField(_("requested start"))
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.service_type} – {self.provider}"

    @property
    def reference(self) -> str:
        """The order reference providers put on their visits (billing matches on it)."""
        return f"B{self.pk}"

    @property
    def municipality_ids(self) -> set[int]:
        return self.decision.municipality_ids


class OrderStatusChange(StatusChange):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
