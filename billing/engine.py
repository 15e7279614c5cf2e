"""The invoice run's arithmetic: one provider's invoice basis for a municipality and month.

Per visit arithmetic runs in the database (one grouped query per provider); Python only sees
one row per order, time band and kind, and the absence visits (their day count needs the
sequence of days). On PostgreSQL the plain orders are priced and inserted by one statement
per provider (billing/engine_pg.py) and only the rare ones come through here.

See docs/compensation-rules.md for the rules and docs/adr/0008-invoice-runs.md for how runs
stay idempotent and atomic, and how they became fast.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.selectors import order_list_for_invoicing, order_rows_for_invoicing
from assessments.services import monthly_hours
from lov_portal.core.bulk import insert_rows
from providers.constants import PaymentBasis
from providers.selectors import payment_basis_for_requests, provider_ids_all

from . import engine_pg
from .constants import DeviationKind, ProviderKind, RateUnit, TimeBand, VisitFlag, VisitKind
from .models import BillingRules, Deviation, InvoiceBasis, InvoiceLine, InvoiceRun, Rate, Visit
from .rules import cutoff, month_bounds, rules_for

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SIXTY = Decimal(60)
_PAYABLE, _OUTSIDE, _LATE = 0, 1, 2
BAND_ORDER = [TimeBand.DAY, TimeBand.EVENING, TimeBand.NIGHT, TimeBand.WEEKEND]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def citizen_reference(citizen_id: int) -> str:
    """A stable pseudonymous customer reference for people who should not see names."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"citizen:{citizen_id}".encode(), hashlib.sha256
    ).hexdigest()
    return "K" + digest[:7].upper()


def invoice_number(run: InvoiceRun, provider_id: int) -> str:
    return f"{run.municipality.code}-{run.month:%Y%m}-{provider_id}-{run.version}"


class RateTable:
    """The rates of a municipality valid on a day; the most specific rate wins (a zone over
    every zone, in-house/private over all providers)."""

    def __init__(self, municipality_id: int, day: datetime.date):
        self._rates: dict[tuple, Rate] = {}
        rates = Rate.objects.filter(municipality_id=municipality_id, valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )
        for rate in rates:
            self._rates[
                (rate.service_type_id, rate.rate_zone, rate.time_band, rate.provider_kind)
            ] = rate

    def find(self, *, service_type_id: int, zone: str, band: str, in_house: bool) -> Rate | None:
        kind = ProviderKind.IN_HOUSE if in_house else ProviderKind.PRIVATE
        for key in (
            (service_type_id, zone, band, kind),
            (service_type_id, zone, band, ProviderKind.ALL),
            (service_type_id, "", band, kind),
            (service_type_id, "", band, ProviderKind.ALL),
        ):
            if key in self._rates:
                return self._rates[key]
        return None


@dataclass
class BandTime:
    """Paid minutes and visits of one order in one time band, and the rules that applied."""

    paid_minutes: Decimal = Decimal(0)
    performed_minutes: int = 0
    visits: int = 0
    paid_visits: Decimal = Decimal(0)
    approved_over: Decimal = Decimal(0)
    rules: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.rules:
            self.rules.append(text)


@dataclass(slots=True)
class OrderRow:
    """What the run needs of an order: assessments.selectors.ORDER_ROW_FIELDS, in order."""

    pk: int
    service_type_id: int
    service_name: str
    contract_id: int
    request_id: int | None
    granted_hours: Decimal
    unit: str
    starts_on: datetime.date | None
    requested_start: datetime.date
    ends_on: datetime.date | None
    citizen_id: int
    zone: str | None


@dataclass(slots=True)
class LineRow:
    """An invoice line before it is written (plain values, inserted in pages)."""

    citizen_id: int
    citizen_ref: str
    order_id: int
    service_type_id: int
    time_band: str
    granted_hours: Decimal
    performed_hours: Decimal
    paid_hours: Decimal
    visits: int
    unit: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    rule: str

    FIELDS = (
        "citizen",
        "citizen_ref",
        "order",
        "service_type",
        "time_band",
        "granted_hours",
        "performed_hours",
        "paid_hours",
        "visits",
        "unit",
        "quantity",
        "rate",
        "amount",
        "rule",
    )

    def values(self, basis_id: int) -> tuple:
        return (
            basis_id,
            self.citizen_id,
            self.citizen_ref,
            self.order_id,
            self.service_type_id,
            self.time_band,
            self.granted_hours,
            self.performed_hours,
            self.paid_hours,
            self.visits,
            self.unit,
            self.quantity,
            self.rate,
            self.amount,
            self.rule,
        )


@dataclass
class Context:
    """What every provider of a run start shares (cached per worker: no run state here)."""

    municipality_id: int
    rules: BillingRules
    first: datetime.date
    last: datetime.date
    late_after: datetime.datetime  # registered from this moment on: after the cut-off
    rates: RateTable
    declined_percent: dict[int, Decimal]
    standard_minutes: dict[int, int]
    # Granted or performed time per request for applications, filled as providers need them.
    payment_bases: dict = field(default_factory=dict)

    def payment_basis_for(self, request_ids: set) -> dict:
        missing = request_ids.difference(self.payment_bases)
        if missing:
            self.payment_bases.update(payment_basis_for_requests(request_ids=missing))
        return self.payment_bases


# The contexts of the runs this process computed lately, by run and start: a worker computes
# a run's providers one after the other, and each would read the same rules and rates again
# (200 providers: about half a second). A run started again (recomputed, corrected, restarted
# after a failure) has a new start time and reads them afresh.
_CONTEXTS: dict[tuple[int, datetime.datetime], Context] = {}


def build_context(run: InvoiceRun) -> Context:
    if run.started_at is None:
        return _read_context(run)
    key = (run.pk, run.started_at)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        if len(_CONTEXTS) >= 8:
            _CONTEXTS.clear()
        ctx = _CONTEXTS[key] = _read_context(run)
    return ctx


def _read_context(run: InvoiceRun) -> Context:
    rules = rules_for(run.municipality_id, run.month)
    first, last = month_bounds(run.month)
    service_rules = list(rules.service_rules.all()) if rules.pk else []
    return Context(
        municipality_id=run.municipality_id,
        rules=rules,
        first=first,
        last=last,
        late_after=_late_after(first, rules),
        rates=RateTable(run.municipality_id, first),
        declined_percent={r.service_type_id: r.declined_percent for r in service_rules},
        standard_minutes={
            r.service_type_id: r.standard_minutes for r in service_rules if r.standard_minutes
        },
    )


def providers_in_run(run: InvoiceRun) -> list[int]:
    """Providers with an order active in the month, with visits in it, or with a basis in the
    version a correction replaces (a provider whose pay falls to nothing is credited)."""
    first, last = month_bounds(run.month)
    ids = set(
        order_list_for_invoicing(municipality_id=run.municipality_id, first=first, last=last)
        .values_list("provider_id", flat=True)
        .order_by()
        .distinct()
    )
    # The others with visits in the month (outside any order): asked provider by provider,
    # each a lookup in visit_provider_month_idx, where one DISTINCT over the month read every
    # visit (1.5 million: a third of a second before any provider could start).
    others = [pk for pk in provider_ids_all() if pk not in ids]
    ids |= set(
        Visit.objects.filter(
            provider_id__in=others,
            municipality_id=run.municipality_id,
            date__gte=first,
            date__lte=last,
        )
        .values_list("provider_id", flat=True)
        .order_by()
        .distinct()
    )
    if run.previous_id:
        ids |= set(run.previous.bases.values_list("provider_id", flat=True))
    return sorted(ids)


def _paid_minutes_expression(rules: BillingRules):
    """Minutes paid for one visit: evening and night rounded up, times the staff when double
    staffing is paid twice. Integer arithmetic, the same on PostgreSQL and SQLite."""
    step = rules.round_evening_night_to
    minutes = F("minutes")
    rounded = (
        Case(
            When(
                time_band__in=[TimeBand.EVENING, TimeBand.NIGHT],
                then=(minutes + Value(step - 1)) / Value(step) * Value(step),
            ),
            default=minutes,
            output_field=IntegerField(),
        )
        if step
        else minutes
    )
    if rules.double_staffing_paid_twice:
        return rounded * F("staff_count")
    return rounded


def _absence_percentages(dates: list[datetime.date], rules: BillingRules) -> list[Decimal]:
    """The share paid for each absence day: the first day of a run of days, the following
    days up to the limit, nothing after."""
    shares = []
    previous: datetime.date | None = None
    day_in_row = 0
    for day in dates:
        day_in_row = day_in_row + 1 if previous and (day - previous).days <= 1 else 1
        if day == previous:
            day_in_row -= 1  # two absence visits on one day are one day
        previous = day
        if day_in_row == 1:
            shares.append(rules.absence_first_day_percent)
        elif day_in_row <= rules.absence_paid_days:
            shares.append(rules.absence_later_days_percent)
        else:
            shares.append(Decimal(0))
    return shares


def _visit_time(ctx: Context, provider_id: int, orders: dict[int, object], *, only=None):
    """Paid time per (order, band), from the visits of the month that may be paid. `only`:
    look at the visits of these orders alone (the counts of unpaid visits are then partial)."""
    rules = ctx.rules
    visits = Visit.objects.filter(
        provider_id=provider_id,
        municipality_id=ctx.municipality_id,
        date__gte=ctx.first,
        date__lte=ctx.last,
    )
    if only is not None:
        visits = visits.filter(order_id__in=only)
    late_after = ctx.late_after
    in_period = Q(order__isnull=False) & Q(
        date__gte=Coalesce(F("order__starts_on"), F("order__requested_start"))
    )
    in_period &= Q(order__ends_on__isnull=True) | Q(date__lte=F("order__ends_on"))
    payable = visits.filter(in_period, registered_at__lt=late_after)
    # One grouped pass: what may be paid, what lies outside an order, what came too late.
    status = Case(
        When(registered_at__gte=late_after, then=Value(_LATE)),
        When(in_period, then=Value(_PAYABLE)),
        default=Value(_OUTSIDE),
        output_field=IntegerField(),
    )
    time: dict[tuple[int, str], BandTime] = defaultdict(BandTime)
    unpaid = {_OUTSIDE: 0, _LATE: 0}
    has_absence = False
    rows = (
        visits.annotate(status=status)
        .values("order_id", "time_band", "kind", "approved_over_granted", "status")
        .annotate(
            visits=Count("id"),
            staff=Sum("staff_count"),
            raw=Sum("minutes"),
            paid=Sum(_paid_minutes_expression(rules)),
        )
        # Sorted, so a band's notes always come in one order (declined, rounding, staffing),
        # the order the database path writes them in.
        .order_by("order_id", "time_band", "kind", "approved_over_granted", "status")
    )
    for row in rows:
        if row["status"] != _PAYABLE:
            unpaid[row["status"]] += row["visits"]
            continue
        if row["kind"] == VisitKind.ABSENCE:
            has_absence = True  # paid by the day, below
            continue
        order = orders.get(row["order_id"])
        if order is None:
            continue
        band = time[(row["order_id"], row["time_band"])]
        paid = Decimal(row["paid"])
        standard = ctx.standard_minutes.get(order.service_type_id)
        if standard:
            multiplier = row["staff"] if rules.double_staffing_paid_twice else row["visits"]
            paid = Decimal(standard * multiplier)
            band.note(f"standardtid {standard} min")
        visit_count = Decimal(row["staff"] if rules.double_staffing_paid_twice else row["visits"])
        if row["kind"] == VisitKind.DECLINED:
            share = ctx.declined_percent.get(order.service_type_id, Decimal(50))
            paid = paid * share / HUNDRED
            visit_count = visit_count * share / HUNDRED
            band.note(f"avböjda besök {share.normalize():f} %")
        else:
            band.performed_minutes += row["raw"]
        if row["time_band"] in (TimeBand.EVENING, TimeBand.NIGHT) and rules.round_evening_night_to:
            band.note(f"avrundat uppåt till {rules.round_evening_night_to} min")
        if rules.double_staffing_paid_twice and row["staff"] > row["visits"]:
            band.note("dubbelbemanning")
        band.visits += row["visits"]
        band.paid_minutes += paid
        band.paid_visits += visit_count
        if row["approved_over_granted"]:
            band.approved_over += paid
    absences = (
        payable.filter(kind=VisitKind.ABSENCE).order_by("order_id", "date", "starts_at")
        if has_absence
        else Visit.objects.none()
    )
    by_order: dict[int, list] = defaultdict(list)
    for visit in absences.only("order_id", "date", "minutes", "time_band", "staff_count"):
        by_order[visit.order_id].append(visit)
    for order_id, absent in by_order.items():
        if order_id not in orders:
            continue
        shares = _absence_percentages([v.date for v in absent], rules)
        for visit, share in zip(absent, shares, strict=True):
            band = time[(order_id, visit.time_band)]
            band.visits += 1
            band.paid_minutes += Decimal(visit.minutes) * share / HUNDRED
            band.paid_visits += share / HUNDRED
            band.note("frånvaro")
    return time, visits, unpaid[_OUTSIDE], unpaid[_LATE]


def _granted_this_month(order, first: datetime.date, last: datetime.date) -> Decimal:
    """The order's granted hours for the month, prorated by its days in the month."""
    starts = order.starts_on or order.requested_start
    active_from = max(starts, first)
    active_to = min(order.ends_on or last, last)
    days = (active_to - active_from).days + 1
    if days <= 0:
        return Decimal(0)
    month_days = (last - first).days + 1
    hours = monthly_hours(order.granted_hours, order.unit)
    return money(hours * days / month_days)


def _cap(bands: dict[str, BandTime], granted: Decimal) -> tuple[dict[str, Decimal], bool]:
    """Paid hours per band, capped at the granted time unless the assessor approved more."""
    hours = {band: money(time.paid_minutes / SIXTY) for band, time in bands.items()}
    approved = sum((money(t.approved_over / SIXTY) for t in bands.values()), Decimal(0))
    capped_total = sum(hours.values(), Decimal(0)) - approved
    if capped_total <= granted or capped_total <= 0:
        return hours, False
    scale = granted / capped_total
    result = {}
    for band, value in hours.items():
        own_approved = money(bands[band].approved_over / SIXTY)
        result[band] = money((value - own_approved) * scale) + own_approved
    # Give the rounding remainder to the largest band so the capped total is exact.
    remainder = granted + approved - sum(result.values(), Decimal(0))
    largest = max(result, key=lambda b: result[b])
    result[largest] += remainder
    return result, True


def _priced_line(
    band: str,
    hours: Decimal,
    rule: str,
    band_time: BandTime | None,
    *,
    ctx: Context,
    basis: InvoiceBasis,
    order: OrderRow,
    ref: str,
    zone: str,
    deviations: list[Deviation],
) -> LineRow:
    """One line of an order: the band's paid time priced at the most specific rate (per hour,
    or per visit). A missing rate gives a zero line and a deviation, never a guess."""
    rate = ctx.rates.find(
        service_type_id=order.service_type_id,
        zone=zone,
        band=band,
        in_house=basis.is_in_house,
    )
    per_visit = rate is not None and rate.unit == RateUnit.PER_VISIT
    quantity = money(band_time.paid_visits) if per_visit and band_time else hours
    if rate is None:
        rule = f"{rule}; ersättning saknas"
        deviations.append(
            Deviation(
                basis=basis,
                kind=DeviationKind.NO_RATE,
                citizen_ref=ref,
                detail=f"Ingen ersättning för {order.service_name}, {band}",
            )
        )
    return LineRow(
        citizen_id=order.citizen_id,
        citizen_ref=ref,
        order_id=order.pk,
        service_type_id=order.service_type_id,
        time_band=band,
        granted_hours=Decimal(0),
        performed_hours=(
            money(Decimal(band_time.performed_minutes) / SIXTY) if band_time else Decimal(0)
        ),
        paid_hours=hours,
        visits=band_time.visits if band_time else 0,
        unit=rate.unit if rate else RateUnit.PER_HOUR,
        quantity=quantity,
        rate=rate.amount if rate else Decimal(0),
        amount=money(quantity * rate.amount) if rate else Decimal(0),
        rule=rule[:300],
    )


# Price the plain orders in PostgreSQL (billing/engine_pg.py); tests switch it off to compare
# with the Python path.
PRICE_IN_DATABASE = True


def _late_after(first: datetime.date, rules: BillingRules) -> datetime.datetime:
    """Visits registered from this moment on came after the cut-off."""
    moment = datetime.datetime.combine(
        cutoff(first, rules) + datetime.timedelta(days=1), datetime.time.min
    )
    return timezone.make_aware(moment)


def _plain_orders(ctx: Context, basis: InvoiceBasis, orders: dict, basis_kinds: dict) -> list:
    """The orders the database can price alone: paid on performed time, no standard time for
    the service, a rate per hour for every band."""
    rates: dict[tuple[int, str], tuple | None] = {}
    declined_notes: dict[int, tuple[Decimal, str]] = {}
    plain = []
    for order in orders.values():
        if basis_kinds[order.request_id] != PaymentBasis.PERFORMED_TIME:
            continue
        if ctx.standard_minutes.get(order.service_type_id):
            continue
        key = (order.service_type_id, order.zone or "")
        if key not in rates:
            found = [
                ctx.rates.find(
                    service_type_id=order.service_type_id,
                    zone=key[1],
                    band=band,
                    in_house=basis.is_in_house,
                )
                for band in BAND_ORDER
            ]
            rates[key] = (
                tuple(r.amount for r in found)
                if all(r is not None and r.unit == RateUnit.PER_HOUR for r in found)
                else None
            )
        if rates[key] is None:
            continue
        if order.service_type_id not in declined_notes:
            share = ctx.declined_percent.get(order.service_type_id, Decimal(50))
            declined_notes[order.service_type_id] = (
                share,
                f"avböjda besök {share.normalize():f} %",
            )
        share, note = declined_notes[order.service_type_id]
        plain.append(
            engine_pg.PlainOrder(
                pk=order.pk,
                ref=citizen_reference(order.citizen_id),
                citizen_id=order.citizen_id,
                service_type_id=order.service_type_id,
                granted=_granted_this_month(order, ctx.first, ctx.last),
                share=share,
                share_note=note,
                rates=rates[key],
            )
        )
    return plain


def compute_basis(run: InvoiceRun, provider) -> InvoiceBasis:
    """Build (or rebuild) one provider's basis. The caller holds a transaction: the basis,
    its lines and deviations are written whole or not at all.

    On PostgreSQL the plain orders are priced by one statement (billing/engine_pg.py) and
    Python prices the rest; elsewhere Python prices every order."""
    ctx = build_context(run)
    rules = ctx.rules
    InvoiceBasis.objects.filter(run=run, provider=provider).delete()
    orders = {
        row[0]: OrderRow(*row)
        for row in order_rows_for_invoicing(
            municipality_id=run.municipality_id,
            first=ctx.first,
            last=ctx.last,
            provider_id=provider.pk,
        )
    }
    basis_kinds = ctx.payment_basis_for({o.request_id for o in orders.values()})
    basis = InvoiceBasis(
        run=run,
        provider=provider,
        number=invoice_number(run, provider.pk),
        payment_basis=(
            basis_kinds[next(iter(orders.values())).request_id]
            if orders
            else PaymentBasis.PERFORMED_TIME
        ),
        is_in_house=provider.is_in_house,
    )
    basis.save()
    lines: list[LineRow] = []
    deviations: list[Deviation] = []

    done = None
    if PRICE_IN_DATABASE and engine_pg.available():
        plain = _plain_orders(ctx, basis, orders, basis_kinds)
        done = engine_pg.price_lines(
            basis_id=basis.pk,
            provider_id=provider.pk,
            municipality_id=run.municipality_id,
            first=ctx.first,
            last=ctx.last,
            late_after=ctx.late_after,
            rules=rules,
            orders=plain,
        )
        granted_of = {o.pk: o.granted for o in plain}
        priced = set(granted_of).difference(done.rest)
        python_orders = {pk: order for pk, order in orders.items() if pk not in priced}
        for order_id, performed in done.low_performed:
            granted = granted_of[order_id]
            deviations.append(
                Deviation(
                    basis=basis,
                    kind=DeviationKind.LOW_PERFORMED,
                    citizen_ref=citizen_reference(orders[order_id].citizen_id),
                    detail=f"Utfört {performed} h av beviljat {granted} h",
                )
            )
    else:
        python_orders = orders

    if python_orders or done is None:
        only = list(python_orders) if done is not None and len(python_orders) < 2000 else None
        time, visits, outside, late = _visit_time(ctx, provider.pk, python_orders, only=only)
    else:
        time, visits, outside, late = {}, None, 0, 0
    bands_by_order: dict[int, dict[str, BandTime]] = defaultdict(dict)
    for (order_id, band), band_time in time.items():
        bands_by_order[order_id][band] = band_time

    for order in python_orders.values():
        ref = citizen_reference(order.citizen_id)
        zone = order.zone or ""
        granted = _granted_this_month(order, ctx.first, ctx.last)
        bands = bands_by_order.get(order.pk, {})
        performed_minutes = sum(t.performed_minutes for t in bands.values())
        performed = money(Decimal(performed_minutes) / SIXTY)

        line = partial(
            _priced_line,
            ctx=ctx,
            basis=basis,
            order=order,
            ref=ref,
            zone=zone,
            deviations=deviations,
        )
        if basis_kinds[order.request_id] == PaymentBasis.GRANTED_TIME:
            # Paid on granted time: one line; performed time is shown, not paid.
            full = granted == monthly_hours(order.granted_hours, order.unit)
            order_lines = [
                line(
                    TimeBand.DAY,
                    granted,
                    "beviljad tid" + ("" if full else ", dagar i månaden"),
                    None,
                )
            ]
            order_lines[0].performed_hours = performed
            order_lines[0].visits = sum(t.visits for t in bands.values())
        else:
            if rules.cap_at_granted:
                paid, capped = _cap(bands, granted)
            else:
                paid, capped = {b: money(t.paid_minutes / SIXTY) for b, t in bands.items()}, False
            if capped:
                deviations.append(
                    Deviation(
                        basis=basis,
                        kind=DeviationKind.OVER_GRANTED,
                        citizen_ref=ref,
                        detail=f"Utförd tid över beviljad tid ({granted} h), ej godkänd",
                    )
                )
            order_lines = []
            for band in BAND_ORDER:
                if band in bands:
                    notes = ["utförd tid", *bands[band].rules]
                    if capped:
                        notes.append("begränsad till beviljad tid")
                    order_lines.append(line(band, paid[band], ", ".join(notes), bands[band]))
            if not order_lines:
                order_lines = [line(TimeBand.DAY, Decimal(0), "utförd tid: inga besök", None)]
        # The order's granted time stands on its first line only, so sums stay right.
        order_lines[0].granted_hours = granted
        lines.extend(order_lines)
        if granted and performed * HUNDRED < granted * rules.low_performed_percent:
            deviations.append(
                Deviation(
                    basis=basis,
                    kind=DeviationKind.LOW_PERFORMED,
                    citizen_ref=ref,
                    detail=f"Utfört {performed} h av beviljat {granted} h",
                )
            )
    if done is None:
        overlapping = _overlapping(visits)
    else:
        outside, late, overlapping = done.outside, done.late, done.overlapping
    _visit_deviations(basis, outside, late, overlapping, deviations)
    insert_rows(
        InvoiceLine, ["basis", *LineRow.FIELDS], [ln.values(basis.pk) for ln in lines], plain=True
    )
    Deviation.objects.bulk_create(deviations, batch_size=2000)

    zero = Decimal(0)
    basis.granted_hours = sum(
        (ln.granted_hours for ln in lines), done.granted_hours if done else zero
    )
    basis.performed_hours = sum(
        (ln.performed_hours for ln in lines), done.performed_hours if done else zero
    )
    basis.paid_hours = sum((ln.paid_hours for ln in lines), done.paid_hours if done else zero)
    basis.amount = sum((ln.amount for ln in lines), done.amount if done else zero)
    basis.supplement = (
        Decimal(0)
        if provider.is_in_house
        else money(basis.amount * rules.private_supplement_percent / HUNDRED)
    )
    basis.total = basis.amount + basis.supplement
    if run.previous_id:
        before = run.previous.bases.filter(provider=provider).values_list("total", flat=True)
        basis.previous_total = before[0] if before else Decimal(0)
    basis.to_pay = basis.total - basis.previous_total
    basis.save()
    return basis


def _overlapping(visits) -> int:
    """Visits of the month flagged as overlapping another at import."""
    return sum(
        1
        for flags in visits.exclude(flags=[]).values_list("flags", flat=True)
        if VisitFlag.OVERLAP in flags
    )


def _visit_deviations(basis, outside: int, late: int, overlapping: int, deviations) -> None:
    """Visits that were not paid (outside an active order, registered after the cut-off)
    and visits flagged at import."""
    if outside:
        deviations.append(
            Deviation(
                basis=basis,
                kind=DeviationKind.NO_ORDER,
                detail=f"{outside} besök utanför en aktiv beställning, ej betalda",
                visits=outside,
            )
        )
    if late:
        deviations.append(
            Deviation(
                basis=basis,
                kind=DeviationKind.AFTER_CUTOFF,
                detail=f"{late} besök registrerade efter brytdagen, ej betalda",
                visits=late,
            )
        )
    if overlapping:
        deviations.append(
            Deviation(
                basis=basis,
                kind=DeviationKind.OVERLAP,
                detail=f"{overlapping} besök överlappar andra besök",
                visits=overlapping,
            )
        )
