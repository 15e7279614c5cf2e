"""Models of the compensation app: rates and rules, performed time, invoice runs.

Money is Decimal to the öre (two decimals); time is whole minutes on visits and hours with two
decimals on invoice lines. A paid invoice basis is never edited: a correction is a new run
version whose bases carry the difference (see docs/adr/0008-invoice-runs.md).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lov_portal.core.models import StatusChange

from .constants import (
    DeviationKind,
    DisputeStatus,
    ProviderKind,
    RateUnit,
    RunStatus,
    TimeBand,
    VisitKind,
    VisitSource,
)

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class BillingRules(models.Model):
    """A municipality's compensation rules from a date on. The rules in force on the first day
    of a month apply to the whole month."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="billing_rules"
    )
    valid_from = models.DateField(_("valid from"))
    evening_starts = models.PositiveSmallIntegerField(
        _("evening starts (hour)"), default=18, validators=[MaxValueValidator(23)]
    )
    night_starts = models.PositiveSmallIntegerField(
        _("night starts (hour)"), default=22, validators=[MaxValueValidator(23)]
    )
    day_starts = models.PositiveSmallIntegerField(
        _("day starts (hour)"), default=7, validators=[MaxValueValidator(23)]
    )
    round_evening_night_to = models.PositiveSmallIntegerField(
        _("round evening and night visits up to (minutes)"),
        default=15,
        help_text=_("0 means no rounding."),
        validators=[MaxValueValidator(60)],
    )
    absence_first_day_percent = models.DecimalField(
        _("absence paid on the first day (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(75),
        validators=PERCENT,
    )
    absence_later_days_percent = models.DecimalField(
        _("absence paid on the following days (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(25),
        validators=PERCENT,
    )
    absence_paid_days = models.PositiveSmallIntegerField(
        _("absence paid for at most (days in a row)"), default=5
    )
    cap_at_granted = models.BooleanField(
        _("pay above the granted time only when the needs assessor approved it"), default=True
    )
    double_staffing_paid_twice = models.BooleanField(
        _("double staffing paid for each carer"), default=True
    )
    cutoff_day = models.PositiveSmallIntegerField(
        _("cut-off day of the following month"),
        default=5,
        help_text=_("Visits registered after this day of the following month are not paid."),
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    private_supplement_percent = models.DecimalField(
        _("VAT compensation for private providers (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=PERCENT,
    )
    low_performed_percent = models.DecimalField(
        _("flag performed time below this share of the granted (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=PERCENT,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compensation rules")
        verbose_name_plural = _("compensation rules")
        ordering = ["municipality__name", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "valid_from"], name="billingrules_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.valid_from:%Y-%m-%d}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class ServiceRule(models.Model):
    """Per service type: the share paid for a declined visit, and a standard time."""

    rules = models.ForeignKey(BillingRules, on_delete=models.CASCADE, related_name="service_rules")
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    declined_percent = models.DecimalField(
        _("declined visit paid (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(50),
        validators=PERCENT,
    )
    standard_minutes = models.PositiveSmallIntegerField(
        _("standard time (minutes)"),
        null=True,
        blank=True,
        help_text=_("When set, every performed visit counts this long, whatever was registered."),
    )

    class Meta:
        verbose_name = _("service rule")
        verbose_name_plural = _("service rules")
        constraints = [
            models.UniqueConstraint(fields=["rules", "service_type"], name="servicerule_unique")
        ]

    def __str__(self) -> str:
        return str(self.service_type)


class Rate(models.Model):
    """The compensation (ersättning) for one service, zone, time band and kind of provider
    over a period. A blank zone applies to every zone; a zone-specific rate wins."""

    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        related_name="rates",
        verbose_name=_("municipality"),
    )
    service_type = models.ForeignKey(
        "core.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    rate_zone = models.CharField(
        _("rate zone"),
        max_length=20,
        blank=True,
        help_text=_("Empty: every zone."),
    )
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    provider_kind = models.CharField(
        _("applies to"), max_length=20, choices=ProviderKind.choices, default=ProviderKind.ALL
    )
    unit = models.CharField(
        _("unit"), max_length=20, choices=RateUnit.choices, default=RateUnit.PER_HOUR
    )
    amount = models.DecimalField(
        _("amount (SEK)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["service_type__ordering", "time_band", "rate_zone", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="rate_valid_period",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_type} {self.get_time_band_display()}: {self.amount}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}


class ApiToken(models.Model):
    """A provider's token for the performed-time API. Only a hash is stored; the token is
    shown once when created."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class VisitImport(models.Model):
    """One delivery of visits (a CSV file or an API call) and what became of its rows."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="visit_imports"
    )
    source = models.CharField(_("source"), max_length=10, choices=VisitSource.choices)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new visits"), default=0)
    unchanged = models.PositiveIntegerField(_("already imported"), default=0)
    flagged = models.PositiveIntegerField(_("flagged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    accepted = models.BooleanField(_("imported"), default=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit import")
        verbose_name_plural = _("visit imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.created_at:%Y-%m-%d %H:%M}"


class Visit(models.Model):
    """A visit (besök) from the provider's time registration, idempotent by its own id."""

    # No index of their own: visit_unique_id and visit_provider_month_idx start with the
    # provider, visit_order_idx with the order.
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="visits", db_index=False
    )
    external_id = models.CharField(_("visit id"), max_length=64)
    order_reference = models.CharField(_("order reference"), max_length=30)
    order = models.ForeignKey(
        "assessments.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        db_index=False,
    )
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    minutes = models.PositiveIntegerField(_("minutes"))
    staff_count = models.PositiveSmallIntegerField(_("staff"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    approved_over_granted = models.BooleanField(_("approved above the granted time"), default=False)
    import_batch = models.ForeignKey(
        VisitImport, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    registered_at = models.DateTimeField(_("registered"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["date", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="visit_unique_id"),
            models.CheckConstraint(
                name="visit_ends_after_start", condition=models.Q(ends_at__gt=models.F("starts_at"))
            ),
        ]
        indexes = [
            # Covering on PostgreSQL (INCLUDE; a plain index elsewhere): the invoice run reads
            # a provider's month from this index alone (an index-only scan).
            models.Index(
                fields=["provider", "municipality", "date"],
                include=[
                    "order",
                    "time_band",
                    "kind",
                    "approved_over_granted",
                    "registered_at",
                    "minutes",
                    "staff_count",
                    "flags",
                ],
                name="visit_provider_month_idx",
            ),
            models.Index(fields=["order", "date"], name="visit_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.date:%Y-%m-%d}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id} if self.municipality_id else set()


class VisitChange(models.Model):
    """An edit of an imported visit: who, when, why, and the fields before and after."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="changes")
    reason = models.TextField(_("reason"))
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit}: {self.reason[:40]}"


class InvoiceRun(models.Model):
    """A monthly invoice run (fakturakörning) for one municipality. Version 1 is the month's
    first run; a correction after approval is the next version, billing the difference."""

    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        related_name="invoice_runs",
        verbose_name=_("municipality"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    providers_total = models.PositiveIntegerField(default=0)
    providers_done = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month", "version"], name="invoicerun_unique_version"
            ),
            # One open run per municipality and month: the database refuses a second.
            models.UniqueConstraint(
                fields=["municipality", "month"],
                condition=~models.Q(status="approved"),
                name="invoicerun_one_open_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.month:%Y-%m} v{self.version}"

    @property
    def municipality_ids(self) -> set[int]:
        return {self.municipality_id}

    @property
    def progress_percent(self) -> int:
        if not self.providers_total:
            return 100 if self.status == RunStatus.PRELIMINARY else 0
        return int(100 * self.providers_done / self.providers_total)


class InvoiceRunStatusChange(StatusChange):
    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="history")

    @property
    def to_label(self) -> str:
        return RunStatus(self.to_status).label


class InvoiceBasis(models.Model):
    """One provider's invoice basis (fakturaunderlag) in a run. Built whole in one
    transaction by one task; a rerun replaces it whole."""

    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="bases")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="invoice_bases"
    )
    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    payment_basis = models.CharField(_("payment basis"), max_length=20)
    is_in_house = models.BooleanField(default=False)
    granted_hours = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    performed_hours = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    paid_hours = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    supplement = models.DecimalField(
        _("VAT compensation"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal(0))
    previous_total = models.DecimalField(
        _("previously approved"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    to_pay = models.DecimalField(
        _("to pay"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("The total, or in a correction the difference to the approved version."),
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoice basis")
        verbose_name_plural = _("invoice bases")
        ordering = ["provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "provider"], name="invoicebasis_unique")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def municipality_ids(self) -> set[int]:
        return {self.run.municipality_id}


class InvoiceLine(models.Model):
    """One citizen's service in a time band, with the rule that set what is paid."""

    # A line belongs to its basis, and the database guards that with triggers, on PostgreSQL
    # by statement, not by row: they check the bases an INSERT's lines name once per
    # statement (and lock them as a foreign key would), and refuse to delete a basis that
    # lines still name (migration 0009, ADR 0008). A foreign key checked 135,000 lines one by
    # one: a tenth of the run.
    basis = models.ForeignKey(
        InvoiceBasis, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    # A line is the record of what was paid: its citizen, order and service are where it came
    # from, copied when it was written (with the customer reference, hours, rate and rule),
    # not rows it depends on. So they have no database constraint: checking 135,000 lines'
    # references cost a run about a sixth of its time (ADR 0008). The engine writes a line
    # only for an order it read in the same transaction, and Django's PROTECT refuses to
    # delete an order, citizen or service that lines name. Lines are read by their basis
    # only, so these have no index either (each cost a run about a third of a second).
    citizen = models.ForeignKey(
        "assessments.Citizen",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    citizen_ref = models.CharField(_("customer reference"), max_length=12)
    order = models.ForeignKey(
        "assessments.Order",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    service_type = models.ForeignKey(
        "core.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
        db_constraint=False,
        db_index=False,
    )
    time_band = models.CharField(_("time band"), max_length=20, choices=TimeBand.choices)
    granted_hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    performed_hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    paid_hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    visits = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, choices=RateUnit.choices, default=RateUnit.PER_HOUR)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    rate = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0))
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    rule = models.CharField(_("rule applied"), max_length=300, blank=True)

    class Meta:
        ordering = ["citizen_ref", "service_type__ordering", "time_band", "pk"]

    def __str__(self) -> str:
        return f"{self.citizen_ref} {self.service_type} {self.time_band}"

    @property
    def provider_id(self) -> int:
        return self.basis.provider_id

    @property
    def municipality_ids(self) -> set[int]:
        return self.basis.municipality_ids


class Deviation(models.Model):
    """Something in a basis that needs a look (avvikelse): low performed time, visits without
    an order, overlaps, time over the granted, late registrations."""

    basis = models.ForeignKey(InvoiceBasis, on_delete=models.CASCADE, related_name="deviations")
    kind = models.CharField(_("kind"), max_length=20, choices=DeviationKind.choices)
    citizen_ref = models.CharField(_("customer reference"), max_length=12, blank=True)
    detail = models.CharField(_("detail"), max_length=300)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "citizen_ref", "pk"]

    def __str__(self) -> str:
        return self.detail


class LineDispute(models.Model):
    """A provider's objection to a line of its preliminary basis, and finance's answer."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="disputes")
    comment = models.TextField(_("comment"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return self.comment[:60]

    @property
    def provider_id(self) -> int:
        return self.line.basis.provider_id

    @property
    def municipality_ids(self) -> set[int]:
        return self.line.basis.municipality_ids
