"""Reads of the compensation app, scoped by the user's role and municipality."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from lov_portal.accounts.constants import Role
from lov_portal.core.constants import RateZone
from lov_portal.core.selectors import municipality_list
from lov_portal.permissions import user_scope

from .constants import DisputeStatus, ProviderKind, RunStatus, TimeBand
from .models import (
    ApiToken,
    BillingRules,
    InvoiceBasis,
    InvoiceLine,
    InvoiceRun,
    LineDispute,
    Rate,
    Visit,
    VisitImport,
)
from .rules import month_bounds

# --- Invoice runs -------------------------------------------------------------------------


def _finance_municipality_ids(user) -> set[int]:
    return user_scope(user).municipality_ids(Role.FINANCE_OFFICER)


def run_list_for_user(*, user) -> QuerySet[InvoiceRun]:
    return InvoiceRun.objects.filter(
        municipality_id__in=_finance_municipality_ids(user)
    ).select_related("municipality")


def run_get_for_user(*, user, pk: int) -> InvoiceRun:
    return get_object_or_404(run_list_for_user(user=user), pk=pk)


def run_bases(*, run: InvoiceRun) -> QuerySet[InvoiceBasis]:
    return run.bases.select_related("provider").annotate(
        deviation_count=Count("deviations", distinct=True),
        open_disputes=Count(
            "lines__disputes",
            filter=Q(lines__disputes__status=DisputeStatus.OPEN),
            distinct=True,
        ),
    )


def basis_list_for_user(*, user) -> QuerySet[InvoiceBasis]:
    """Finance officers: the bases of their municipalities' runs; provider users: their own
    organisation's bases."""
    scope = user_scope(user)
    return (
        InvoiceBasis.objects.filter(
            Q(run__municipality_id__in=_finance_municipality_ids(user))
            | Q(provider_id__in=scope.provider_ids)
        )
        .select_related("run__municipality", "provider")
        .order_by("-run__month", "-run__version", "provider__name")
    )


def basis_get_for_user(*, user, pk: int) -> InvoiceBasis:
    return get_object_or_404(basis_list_for_user(user=user), pk=pk)


def basis_lines(*, basis: InvoiceBasis) -> QuerySet[InvoiceLine]:
    return basis.lines.select_related("service_type", "citizen").prefetch_related("disputes")


def line_get_for_user(*, user, pk: int) -> InvoiceLine:
    bases = basis_list_for_user(user=user)
    return get_object_or_404(InvoiceLine.objects.filter(basis__in=bases), pk=pk)


def dispute_get_for_user(*, user, pk: int) -> LineDispute:
    runs = run_list_for_user(user=user)
    return get_object_or_404(
        LineDispute.objects.filter(line__basis__run__in=runs).select_related("line__basis"), pk=pk
    )


# --- Rates and rules ---------------------------------------------------------------------------


def finance_municipality_list(*, user) -> QuerySet:
    """The municipalities the user is a finance officer of."""
    return municipality_list(active_only=False).filter(pk__in=_finance_municipality_ids(user))


def finance_municipality_get(*, user, pk=None):
    """One of the user's finance municipalities (the first when `pk` is empty); 404 when the
    user is not a finance officer there, as when it does not exist."""
    municipalities = finance_municipality_list(user=user)
    if pk in (None, ""):
        first = municipalities.order_by("name").first()
        if first is None:
            raise Http404
        return first
    return get_object_or_404(municipalities, pk=pk)


def _require_finance_municipality(user, municipality):
    """`municipality` when the user is a finance officer there, else 404 (as when it does not
    exist). No query: the user's scope is read once per request."""
    if municipality.pk not in _finance_municipality_ids(user):
        raise Http404
    return municipality


def rate_list_for_user(
    *, user, municipality, service_type=None, valid_on: datetime.date | None = None
) -> QuerySet[Rate]:
    """The municipality's rates (the user must be a finance officer there), optionally for
    one service and valid on one date."""
    municipality = _require_finance_municipality(user, municipality)
    rates = Rate.objects.filter(municipality=municipality).select_related("service_type")
    if service_type is not None:
        rates = rates.filter(service_type=service_type)
    if valid_on is not None:
        rates = rates.filter(valid_from__lte=valid_on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_on)
        )
    return rates.order_by(
        "service_type__ordering", "service_type__name", "time_band", "rate_zone", "valid_from"
    )


def rate_get_for_user(*, user, pk) -> Rate:
    return get_object_or_404(
        Rate.objects.filter(municipality_id__in=_finance_municipality_ids(user)).select_related(
            "municipality", "service_type"
        ),
        pk=pk,
    )


@dataclass
class RateRow:
    """One line of the rates table: a service, time band and zone with its rates for all,
    in-house and private providers (each a list: several periods when no date is chosen)."""

    service_type: object
    time_band: str
    rate_zone: str
    cells: dict = field(default_factory=dict)

    @property
    def band_label(self) -> str:
        return TimeBand(self.time_band).label

    @property
    def zone_label(self) -> str:
        return RateZone(self.rate_zone).label if self.rate_zone else _("All zones")

    @property
    def all(self):
        return self.cells.get(ProviderKind.ALL, [])

    @property
    def in_house(self):
        return self.cells.get(ProviderKind.IN_HOUSE, [])

    @property
    def private(self):
        return self.cells.get(ProviderKind.PRIVATE, [])


BAND_ORDER = {band: position for position, band in enumerate(TimeBand.values)}


def rate_table(rates) -> list[RateRow]:
    """Group rates by service × time band × zone, with a column per kind of provider."""
    rows: dict[tuple, RateRow] = {}
    for rate in rates:
        key = (rate.service_type_id, rate.time_band, rate.rate_zone)
        row = rows.get(key)
        if row is None:
            row = rows[key] = RateRow(rate.service_type, rate.time_band, rate.rate_zone)
        row.cells.setdefault(rate.provider_kind, []).append(rate)
    return sorted(
        rows.values(),
        key=lambda r: (
            r.service_type.ordering,
            r.service_type.name,
            BAND_ORDER.get(r.time_band, 9),
            r.rate_zone,
        ),
    )


def billing_rules_list_for_user(*, user, municipality) -> QuerySet[BillingRules]:
    """All rules of the municipality, newest first (the history)."""
    municipality = _require_finance_municipality(user, municipality)
    return (
        BillingRules.objects.filter(municipality=municipality)
        .prefetch_related("service_rules__service_type")
        .order_by("-valid_from")
    )


def billing_rules_in_force(*, rules_list, day: datetime.date):
    """From a municipality's rules (newest first), the ones in force on `day`."""
    return next((rules for rules in rules_list if rules.valid_from <= day), None)


def billing_rules_get_for_user(*, user, pk) -> BillingRules:
    return get_object_or_404(
        BillingRules.objects.filter(municipality_id__in=_finance_municipality_ids(user))
        .select_related("municipality")
        .prefetch_related("service_rules__service_type"),
        pk=pk,
    )


# --- Reconciliation (avstämning) -------------------------------------------------------------

ZERO = Decimal("0.00")


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Hours:
    granted: Decimal = ZERO
    performed: Decimal = ZERO
    paid: Decimal = ZERO

    def add(self, other: Hours) -> None:
        self.granted += other.granted
        self.performed += other.performed
        self.paid += other.paid

    @property
    def performed_ratio(self) -> Decimal | None:
        """Performed as a share of granted, in per cent (one decimal); None without granted."""
        return _ratio(self.performed, self.granted)

    @property
    def paid_ratio(self) -> Decimal | None:
        return _ratio(self.paid, self.granted)

    @property
    def is_empty(self) -> bool:
        return not (self.granted or self.performed or self.paid)


@dataclass
class ReconciliationMonth:
    month: datetime.date
    run: InvoiceRun | None = None

    @property
    def preliminary(self) -> bool:
        return self.run is not None and self.run.status != RunStatus.APPROVED


@dataclass
class ReconciliationRow:
    label: str
    months: list[Hours]
    total: Hours = field(default_factory=Hours)


@dataclass
class ReconciliationProvider(ReconciliationRow):
    provider_id: int = 0
    citizens: list[ReconciliationRow] = field(default_factory=list)


@dataclass
class Reconciliation:
    municipality: object
    months: list[ReconciliationMonth]
    providers: list[ReconciliationProvider]
    total: ReconciliationRow


def month_range(*, last: datetime.date, count: int) -> list[datetime.date]:
    """`count` first-of-month dates ending with the month `last` lies in, oldest first."""
    months = []
    month = last.replace(day=1)
    for _i in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _runs_shown(municipality, months: list[datetime.date]) -> dict[datetime.date, InvoiceRun]:
    """Per month, the latest approved version of the run, or when none is approved the latest
    preliminary one. One query."""
    runs = InvoiceRun.objects.filter(
        municipality=municipality,
        month__in=months,
        status__in=[RunStatus.APPROVED, RunStatus.PRELIMINARY],
    ).order_by("month", "version")
    chosen: dict[datetime.date, InvoiceRun] = {}
    for run in runs:  # a month's versions oldest first (a version is unique in its month)
        current = chosen.get(run.month)
        # A later version takes the place, unless it is preliminary and the chosen approved.
        if not (
            current is not None
            and current.status == RunStatus.APPROVED
            and run.status != RunStatus.APPROVED
        ):
            chosen[run.month] = run
    return chosen


def reconciliation_for(user, municipality, months) -> Reconciliation:
    """Granted, performed and paid hours per provider and per customer (by pseudonymous
    reference only) over `months` (first-of-month dates), read from the invoice lines of each
    month's latest approved run version, or its latest preliminary one when none is approved.
    Two queries whatever the size: the runs, and one aggregate over their lines."""
    municipality = _require_finance_municipality(user, municipality)
    months = sorted({m.replace(day=1) for m in months})
    index = {m: i for i, m in enumerate(months)}
    runs = _runs_shown(municipality, months)
    run_month = {run.pk: month for month, run in runs.items()}
    sums = (
        InvoiceLine.objects.filter(basis__run_id__in=run_month.keys())
        .values("basis__run_id", "basis__provider_id", "basis__provider__name", "citizen_ref")
        .annotate(
            granted=Sum("granted_hours"), performed=Sum("performed_hours"), paid=Sum("paid_hours")
        )
        .order_by()
    )
    providers: dict[int, ReconciliationProvider] = {}
    citizens: dict[tuple[int, str], ReconciliationRow] = {}
    total = ReconciliationRow(label="", months=[Hours() for _m in months])
    for row in sums:
        hours = Hours(row["granted"] or ZERO, row["performed"] or ZERO, row["paid"] or ZERO)
        i = index[run_month[row["basis__run_id"]]]
        provider_id = row["basis__provider_id"]
        provider = providers.get(provider_id)
        if provider is None:
            provider = providers[provider_id] = ReconciliationProvider(
                label=row["basis__provider__name"],
                months=[Hours() for _m in months],
                provider_id=provider_id,
            )
        key = (provider_id, row["citizen_ref"])
        citizen = citizens.get(key)
        if citizen is None:
            citizen = citizens[key] = ReconciliationRow(
                label=row["citizen_ref"], months=[Hours() for _m in months]
            )
            provider.citizens.append(citizen)
        for target in (citizen, provider, total):
            target.months[i].add(hours)
            target.total.add(hours)
    ordered = sorted(providers.values(), key=lambda p: p.label.lower())
    for provider in ordered:
        provider.citizens.sort(key=lambda c: c.label)
    return Reconciliation(
        municipality=municipality,
        months=[ReconciliationMonth(m, runs.get(m)) for m in months],
        providers=ordered,
        total=total,
    )


# --- Performed time: the provider's own visits, deliveries and tokens ---------------------


def visit_import_list_for_provider_user(*, user):
    """The deliveries of the providers the user works for, newest first."""
    return VisitImport.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "provider"
    )


def visit_import_get_for_provider_user(*, user, pk: int) -> VisitImport:
    return get_object_or_404(visit_import_list_for_provider_user(user=user), pk=pk)


def visit_list_for_provider_user(*, user, month: datetime.date | None = None):
    """The visits of the user's providers, of one month when given."""
    visits = Visit.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "provider", "order__service_type"
    )
    if month is not None:
        first, last = month_bounds(month)
        visits = visits.filter(date__gte=first, date__lte=last)
    return visits.order_by("date", "starts_at", "pk")


def visit_get_for_provider_user(*, user, pk: int) -> Visit:
    return get_object_or_404(visit_list_for_provider_user(user=user), pk=pk)


def api_token_list_for_provider_user(*, user):
    return ApiToken.objects.filter(provider__in=user_scope(user).provider_ids).select_related(
        "provider"
    )


def api_token_get_for_provider_user(*, user, pk: int) -> ApiToken:
    return get_object_or_404(api_token_list_for_provider_user(user=user), pk=pk)
