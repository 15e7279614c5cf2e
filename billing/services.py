"""Writes of the compensation app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.selectors import order_map_for_provider
from assessments.services import monthly_hours
from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.bulk import insert_rows
from lov_portal.core.models import Municipality
from lov_portal.core.workflow import status_history, transition
from providers.selectors import provider_list_by_ids

from . import engine, imports
from .constants import (
    DISPUTE_TRANSITIONS,
    RUN_TRANSITIONS,
    DisputeStatus,
    RunStatus,
    VisitFlag,
    VisitKind,
    VisitSource,
)
from .models import (
    ApiToken,
    BillingRules,
    InvoiceBasis,
    InvoiceLine,
    InvoiceRun,
    InvoiceRunStatusChange,
    LineDispute,
    Rate,
    ServiceRule,
    Visit,
    VisitChange,
    VisitImport,
)
from .rules import cutoff, month_bounds, rules_for, time_band

# --- Invoice runs -------------------------------------------------------------------------


def _may_run(actor, run: InvoiceRun) -> bool:
    return actor.has_perm("billing.manage_runs", run)


def invoice_run_transition(*, run: InvoiceRun, to: str, actor, changes=None, on_commit=None):
    """The one place an invoice run's status changes. `actor` None is the system (a task)."""
    return transition(
        obj=run,
        to=to,
        actor=actor,
        allowed=RUN_TRANSITIONS,
        history=status_history(InvoiceRunStatusChange, "run", actor),
        may=_may_run,
        changes=changes,
        on_commit=on_commit,
    )


def _enqueue(run: InvoiceRun, provider_ids: list[int]) -> None:
    from .tasks import compute_invoice_basis

    for provider_id in provider_ids:
        compute_invoice_basis.delay(run.pk, provider_id)


def _begin(run: InvoiceRun, actor) -> InvoiceRun:
    """Queued → running: count the providers, then compute each in its own task after commit.
    A run with no provider is done at once."""
    providers = engine.providers_in_run(run)
    run = invoice_run_transition(
        run=run,
        to=RunStatus.RUNNING,
        actor=actor,
        changes={
            "providers_total": len(providers),
            "providers_done": 0,
            "started_at": timezone.now(),
            "error": "",
        },
        # The providers counted are the providers computed (read once, in this transaction).
        on_commit=(lambda locked: _enqueue(locked, providers)) if providers else None,
    )
    if not providers:
        _finish(run)
    return run


@transaction.atomic
def invoice_run_start(*, municipality, month: datetime.date, actor) -> tuple[InvoiceRun, bool]:
    """Start the month's invoice run, or return the one that exists (created False).

    Idempotent: a month with an open or approved run gets nothing new; a failed run is
    restarted. Serialised per municipality by the municipality's row lock, and the database
    allows one open run per municipality and month."""
    month = month.replace(day=1)
    if actor is not None and not actor.has_perm("billing.manage_runs", municipality):
        raise PermissionDenied
    type(municipality).objects.select_for_update().get(pk=municipality.pk)
    latest = (
        InvoiceRun.objects.filter(municipality=municipality, month=month)
        .order_by("-version")
        .first()
    )
    if latest is not None:
        if latest.status == RunStatus.FAILED:
            run = invoice_run_transition(run=latest, to=RunStatus.QUEUED, actor=actor)
            return _begin(run, actor), False
        return latest, False
    if month > timezone.localdate().replace(day=1):
        raise ValidationError(
            {"month": _("A month can be invoiced once it has begun.")}, code="future_month"
        )
    run = InvoiceRun.objects.create(municipality=municipality, month=month, started_by=actor)
    status_history(InvoiceRunStatusChange, "run", actor)(run, "", RunStatus.QUEUED)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=run, message="invoice run")
    return _begin(run, actor), True


@transaction.atomic
def invoice_run_correct(*, run: InvoiceRun, actor) -> InvoiceRun:
    """A correction of an approved month: the next version, whose bases bill the difference
    to what was approved. What was approved is never changed."""
    locked = InvoiceRun.objects.select_for_update().get(pk=run.pk)
    if actor is not None and not _may_run(actor, locked):
        raise PermissionDenied
    if locked.status != RunStatus.APPROVED or hasattr(locked, "correction"):
        raise ValidationError(
            _("Only the latest approved version of a month can be corrected."), code="not_latest"
        )
    correction = InvoiceRun.objects.create(
        municipality=locked.municipality,
        month=locked.month,
        version=locked.version + 1,
        previous=locked,
        started_by=actor,
    )
    status_history(InvoiceRunStatusChange, "run", actor)(correction, "", RunStatus.QUEUED)
    audit_event_record(
        actor=actor, action=AuditAction.CREATE, obj=correction, message="invoice run correction"
    )
    return _begin(correction, actor)


@transaction.atomic
def invoice_run_recompute(*, run: InvoiceRun, actor) -> InvoiceRun:
    """Compute a preliminary run again (e.g. after providers corrected visits). Refused while
    a provider's dispute is open: its lines would go."""
    if LineDispute.objects.filter(line__basis__run=run).exists():
        raise ValidationError(
            _("The run has disputed lines: answer them and approve, or correct after approval."),
            code="disputed",
        )
    run = invoice_run_transition(run=run, to=RunStatus.QUEUED, actor=actor)
    return _begin(run, actor)


@transaction.atomic
def invoice_run_approve(*, run: InvoiceRun, actor) -> InvoiceRun:
    """Attest a preliminary run: it becomes final and its documents can be sent."""
    open_disputes = LineDispute.objects.filter(line__basis__run=run, status=DisputeStatus.OPEN)
    if open_disputes.exists():
        raise ValidationError(
            _("Answer the providers' open disputes before approving."), code="open_disputes"
        )
    return invoice_run_transition(
        run=run,
        to=RunStatus.APPROVED,
        actor=actor,
        changes={"approved_by": actor, "approved_at": timezone.now()},
    )


def _finish(run: InvoiceRun) -> None:
    """Running → preliminary once every provider's basis is there (caller holds the lock)."""
    totals = run.bases.aggregate(total=Sum("to_pay"))
    invoice_run_transition(
        run=run,
        to=RunStatus.PRELIMINARY,
        actor=None,
        changes={"total_amount": totals["total"] or Decimal(0), "finished_at": timezone.now()},
    )


@transaction.atomic
def invoice_basis_compute(*, run_id: int, provider_id: int) -> InvoiceBasis | None:
    """Compute one provider's basis in one transaction (a killed worker leaves nothing), then
    count it. Idempotent: a run that is no longer running is left alone, and a basis computed
    again replaces the earlier one whole."""
    run = (
        InvoiceRun.objects.select_related("municipality", "previous")
        .filter(pk=run_id, status=RunStatus.RUNNING)
        .first()
    )
    if run is None:
        return None
    (provider,) = provider_list_by_ids(ids=[provider_id])
    basis = engine.compute_basis(run, provider)
    if connection.vendor == "postgresql":
        # The basis's and its deviations' foreign keys are checked now, not at commit (the
        # lines' basis was checked by their statement, migration 0009): the commit then holds
        # the run's row lock below only for a moment, and the other workers' bases go on. The
        # lock leaves the run's key alone (FOR NO KEY UPDATE), so it does not wait for the
        # key share the other workers' bases hold on the run through their foreign key.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    locked = InvoiceRun.objects.select_for_update(no_key=True).get(pk=run_id)
    if locked.status != RunStatus.RUNNING:
        # Another worker failed the run meanwhile: roll this basis back with it.
        transaction.set_rollback(True)
        return None
    # Counted in a statement of its own, after the lock: a count in the locking statement
    # would read the bases as they were before it waited for another worker's commit, miss
    # that worker's basis and leave the run running (test_two_workers_finish_...).
    locked.providers_done = _count_bases(run_id)
    if locked.providers_done >= locked.providers_total:
        _finish(locked)
    return basis


def _count_bases(run_id: int) -> int:
    """Store and return the run's number of bases, in one statement (each of a run's 200
    tasks runs it; the ORM's count, save and their SQL cost about a millisecond a task)."""
    run_table = InvoiceRun._meta.db_table
    basis_table = InvoiceBasis._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {run_table} SET providers_done = "  # noqa: S608 - table names from models
            f"(SELECT count(*) FROM {basis_table} WHERE run_id = %s) "
            "WHERE id = %s RETURNING providers_done",
            [run_id, run_id],
        )
        return cursor.fetchone()[0]


@transaction.atomic
def invoice_run_fail(*, run_id: int, error: str) -> None:
    """A provider's computation raised: the run fails whole and its bases go, so that a new
    start computes everything again from the same rows."""
    run = InvoiceRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return
    run.bases.all().delete()
    invoice_run_transition(
        run=run,
        to=RunStatus.FAILED,
        actor=None,
        changes={"error": error[:2000], "providers_done": 0},
    )


@transaction.atomic
def line_dispute_raise(*, line: InvoiceLine, comment: str, actor) -> LineDispute:
    """A provider objects to a line of its preliminary basis."""
    if not actor.has_perm("billing.dispute_line", line):
        raise PermissionDenied
    if line.basis.run.status != RunStatus.PRELIMINARY:
        raise ValidationError(
            _("Lines can be disputed only while the basis is preliminary."), code="not_open"
        )
    if not comment.strip():
        raise ValidationError({"comment": _("Write what is wrong with the line.")})
    dispute = LineDispute.objects.create(line=line, comment=comment.strip(), raised_by=actor)
    audit_event_record(
        actor=actor, action=AuditAction.CREATE, obj=line.basis, message="line disputed"
    )
    return dispute


@transaction.atomic
def line_dispute_answer(*, dispute: LineDispute, answer: str, actor) -> LineDispute:
    """Finance answers a dispute (and corrects the visits or rates before recomputing, or
    explains why the line stands)."""
    if not answer.strip():
        raise ValidationError({"answer": _("Write an answer to the provider.")})
    # One move only: the answer, who gave it and when are the dispute's history.
    return transition(
        obj=dispute,
        to=DisputeStatus.ANSWERED,
        actor=actor,
        allowed=DISPUTE_TRANSITIONS,
        history=lambda locked, old, new: None,
        may=lambda user, locked: user.has_perm("billing.manage_runs", locked),
        changes={"answer": answer.strip(), "answered_by": actor, "answered_at": timezone.now()},
    )


# --- Rates and rules ---------------------------------------------------------------------------
#
# Correct money: a rate is never changed once its period has started. A rate that starts in the
# future may be edited; a running one is superseded from a date (the old one closes the day
# before, a new one starts). Rules are never edited either: new rules apply from a date.


RATE_FIELDS = [
    "service_type",
    "rate_zone",
    "time_band",
    "provider_kind",
    "unit",
    "amount",
    "valid_from",
    "valid_to",
]
RULES_FIELDS = [
    "day_starts",
    "evening_starts",
    "night_starts",
    "round_evening_night_to",
    "absence_first_day_percent",
    "absence_later_days_percent",
    "absence_paid_days",
    "cap_at_granted",
    "double_staffing_paid_twice",
    "cutoff_day",
    "private_supplement_percent",
    "low_performed_percent",
]


def _require_rates(actor, obj) -> None:
    if actor is not None and not actor.has_perm("billing.manage_rates", obj):
        raise PermissionDenied


def _lock_municipality_rates(municipality_id: int) -> None:
    """Serialise writes of one municipality's rates and rules: two officers saving at once
    must not both pass the overlap check. The municipality's row is the lock (it exists even
    before the first rate does)."""
    list(
        Municipality.objects.select_for_update()
        .filter(pk=municipality_id)
        .values_list("pk", flat=True)
    )


def _date(value: datetime.date) -> str:
    return date_format(value, "Y-m-d")


def _check_amount(amount, field: str = "amount") -> Decimal:
    if amount is None:
        raise ValidationError({field: _("Enter an amount.")}, code="required")
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({field: _("The amount may not be negative.")}, code="min_value")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            {field: _("Give the amount in whole öre: at most two decimals.")}, code="decimals"
        )
    return amount.quantize(Decimal("0.01"))


def _check_no_approved_run(municipality_id: int, from_date: datetime.date, field: str) -> None:
    """Money already attested is not changed behind its back: a month uses the rates and rules
    valid on its first day, so a change from `from_date` affects the months starting on or
    after it (and the month it starts on the first of)."""
    first_affected = (
        from_date if from_date.day == 1 else month_bounds(from_date)[1] + datetime.timedelta(days=1)
    )
    approved = (
        InvoiceRun.objects.filter(
            municipality_id=municipality_id,
            status=RunStatus.APPROVED,
            month__gte=first_affected,
        )
        .order_by("month")
        .first()
    )
    if approved is not None:
        raise ValidationError(
            {
                field: _(
                    "The invoice run for %(month)s is already approved. Change from a later "
                    "month; the approved month is corrected by a new run version."
                )
                % {"month": date_format(approved.month, "F Y")}
            },
            code="approved_run",
        )


def _check_rate(rate: Rate) -> None:
    """Field-level checks of a rate before it is saved; raises ValidationError."""
    rate.amount = _check_amount(rate.amount)
    if rate.valid_to is not None and rate.valid_to < rate.valid_from:
        raise ValidationError(
            {"valid_to": _("The end date may not be before the start date.")}, code="period"
        )
    overlapping = Rate.objects.filter(
        municipality_id=rate.municipality_id,
        service_type_id=rate.service_type_id,
        rate_zone=rate.rate_zone,
        time_band=rate.time_band,
        provider_kind=rate.provider_kind,
    ).exclude(pk=rate.pk)
    overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rate.valid_from))
    if rate.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=rate.valid_to)
    other = overlapping.order_by("valid_from").first()
    if other is not None:
        raise ValidationError(
            {
                "valid_from": _(
                    "Another rate for the same service, zone, time band and providers is "
                    "valid %(period)s. Periods may not overlap: end that rate first or change "
                    "it from a date."
                )
                % {
                    "period": (
                        _("from %(start)s to %(end)s")
                        % {"start": _date(other.valid_from), "end": _date(other.valid_to)}
                        if other.valid_to
                        else _("from %(start)s on") % {"start": _date(other.valid_from)}
                    )
                }
            },
            code="overlap",
        )
    rate.full_clean()


@transaction.atomic
def rate_create(*, municipality, actor, **fields) -> Rate:
    """A new rate for the municipality. Validated field by field; no overlapping period for the
    same service, zone, time band and kind of provider."""
    rate = Rate(municipality=municipality, **{k: v for k, v in fields.items() if k in RATE_FIELDS})
    _require_rates(actor, rate)
    _lock_municipality_rates(municipality.pk)
    _check_rate(rate)
    _check_no_approved_run(municipality.pk, rate.valid_from, "valid_from")
    rate.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=rate,
        message=f"{rate.amount} {rate.unit} from {rate.valid_from}",
        municipality_code=municipality.code,
    )
    return rate


def rate_is_editable(rate: Rate, today: datetime.date | None = None) -> bool:
    """Only a rate whose period has not started may be changed in place."""
    return rate.valid_from > (today or timezone.localdate())


@transaction.atomic
def rate_update(*, rate: Rate, actor, **fields) -> Rate:
    """Change a rate that has not started yet. A started rate is superseded instead."""
    _require_rates(actor, rate)
    _lock_municipality_rates(rate.municipality_id)
    rate = Rate.objects.select_related("municipality").get(pk=rate.pk)
    if not rate_is_editable(rate):
        raise ValidationError(
            _(
                "This rate has been in force since %(start)s and cannot be changed. Change it "
                "from a date instead."
            )
            % {"start": _date(rate.valid_from)},
            code="started",
        )
    changed = []
    for name in RATE_FIELDS:
        if name in fields and getattr(rate, name) != fields[name]:
            setattr(rate, name, fields[name])
            changed.append(name)
    if not changed:
        return rate
    if "valid_from" in changed and not rate_is_editable(rate):
        raise ValidationError(
            {"valid_from": _("A rate changed in place must still start after today.")},
            code="started",
        )
    _check_rate(rate)
    _check_no_approved_run(rate.municipality_id, rate.valid_from, "valid_from")
    rate.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=rate,
        message=", ".join(changed),
        municipality_code=rate.municipality.code,
    )
    return rate


@transaction.atomic
def rate_supersede(*, rate: Rate, new_amount, from_date: datetime.date, actor) -> Rate:
    """Change a rate from a date: the old rate ends the day before, a new one with
    `new_amount` starts on `from_date` and keeps the old end date. Returns the new rate."""
    _require_rates(actor, rate)
    _lock_municipality_rates(rate.municipality_id)
    old = Rate.objects.select_related("municipality").get(pk=rate.pk)
    new_amount = _check_amount(new_amount, field="new_amount")
    if from_date <= old.valid_from:
        raise ValidationError(
            {
                "from_date": _(
                    "The new amount must start after the rate's start (%(start)s). A rate "
                    "that has not started yet can be edited directly."
                )
                % {"start": _date(old.valid_from)}
            },
            code="before_start",
        )
    if old.valid_to is not None and from_date > old.valid_to:
        raise ValidationError(
            {
                "from_date": _("The rate ends on %(end)s; choose a date up to then.")
                % {"end": _date(old.valid_to)}
            },
            code="after_end",
        )
    _check_no_approved_run(old.municipality_id, from_date, "from_date")
    new = Rate(
        municipality=old.municipality,
        service_type_id=old.service_type_id,
        rate_zone=old.rate_zone,
        time_band=old.time_band,
        provider_kind=old.provider_kind,
        unit=old.unit,
        amount=new_amount,
        valid_from=from_date,
        valid_to=old.valid_to,
    )
    old.valid_to = from_date - datetime.timedelta(days=1)
    old.full_clean()
    old.save(update_fields=["valid_to"])
    _check_rate(new)
    new.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=old,
        message=f"ends {old.valid_to}; superseded by rate {new.pk}",
        municipality_code=old.municipality.code,
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=new,
        message=f"{old.amount} -> {new.amount} from {from_date} (supersedes rate {old.pk})",
        municipality_code=old.municipality.code,
    )
    return new


@transaction.atomic
def billing_rules_create(
    *, municipality, valid_from: datetime.date, actor, service_rules=(), **fields
) -> BillingRules:
    """New compensation rules for the municipality from `valid_from`. `service_rules`:
    [(service_type, declined_percent, standard_minutes or None)], one per service at most.
    Fields not given are taken from the rules in force before, so nothing is lost silently."""
    rules = BillingRules(municipality=municipality, valid_from=valid_from)
    _require_rates(actor, rules)
    _lock_municipality_rates(municipality.pk)
    if valid_from is None:
        raise ValidationError({"valid_from": _("Enter a date.")}, code="required")
    if BillingRules.objects.filter(municipality=municipality, valid_from=valid_from).exists():
        raise ValidationError(
            {
                "valid_from": _("Rules from %(date)s already exist. Choose another date.")
                % {"date": _date(valid_from)}
            },
            code="unique",
        )
    previous = (
        BillingRules.objects.filter(municipality=municipality, valid_from__lt=valid_from)
        .order_by("-valid_from")
        .first()
    )
    for name in RULES_FIELDS:
        if name in fields:
            setattr(rules, name, fields[name])
        elif previous is not None:
            setattr(rules, name, getattr(previous, name))
    if not rules.day_starts < rules.evening_starts < rules.night_starts:
        raise ValidationError(
            {
                "evening_starts": _(
                    "The day must start before the evening, and the evening before the night."
                )
            },
            code="bands",
        )
    _check_no_approved_run(municipality.pk, valid_from, "valid_from")
    rules.full_clean()
    rules.save()
    seen = set()
    for service_type, declined_percent, standard_minutes in service_rules:
        if service_type.pk in seen:
            raise ValidationError(
                _("%(service)s has two rules. Give each service one.") % {"service": service_type},
                code="duplicate_service",
            )
        seen.add(service_type.pk)
        service_rule = ServiceRule(
            rules=rules,
            service_type=service_type,
            declined_percent=declined_percent,
            standard_minutes=standard_minutes,
        )
        service_rule.full_clean()
        service_rule.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=rules,
        message=f"from {valid_from}; {len(seen)} service rules",
        municipality_code=municipality.code,
    )
    return rules


# --- Performed time -----------------------------------------------------------------------
#
# Visits (besök) come from the provider's time registration as a CSV file or through the
# API (docs/api/performed-time.md). POLICY: a delivery is imported all or nothing. If any row
# is bad, no row is imported; the delivery is saved, not accepted, with every bad row's line
# and reason, and the provider fixes the file and sends it again. Visits are idempotent by
# (provider, visit id): a row already imported with the same values counts as unchanged; the
# same id with other values is an error (the visit is edited in the portal instead).
# Questionable visits are kept with flags (VisitFlag), never dropped; the invoice run decides
# what a flag means for the payment.

_CHUNK = 900  # ids per `__in` query, below SQLite's variable limit


def _require_reporter(actor, provider_id: int) -> None:
    """A user must report for a provider they work for; the API (actor None) is
    authenticated by its token, which belongs to the provider."""
    if actor is not None and not actor.has_perm(
        "billing.report_visits", SimpleNamespace(provider_id=provider_id)
    ):
        raise PermissionDenied


def _local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _interval(day: datetime.date, start: datetime.time, end: datetime.time, tz):
    """Aware start and end; an end before the start is on the next day (past midnight)."""
    starts_at = datetime.datetime.combine(day, start, tzinfo=tz)
    end_day = day if end > start else day + datetime.timedelta(days=1)
    ends_at = datetime.datetime.combine(end_day, end, tzinfo=tz)
    # Through UTC and back: a time in the spring-forward gap becomes a real local time, so
    # equal instants compare equal (PEP 495 makes gap times unequal to everything else).
    # Minutes between the UTC instants: aware datetimes of one zone subtract as wall clocks.
    starts_utc = starts_at.astimezone(datetime.UTC)
    ends_utc = ends_at.astimezone(datetime.UTC)
    minutes = int((ends_utc - starts_utc).total_seconds() // 60)
    return starts_utc.astimezone(tz), ends_utc.astimezone(tz), minutes


class _RulesCache:
    """The rules in force on the first day of each month (they apply to the whole month) and
    the month's cut-off, fetched once per municipality and month."""

    def __init__(self):
        self._rules = {}

    def get(self, municipality_id: int, day: datetime.date):
        key = (municipality_id, day.year, day.month)
        if key not in self._rules:
            rules = rules_for(municipality_id, day.replace(day=1))
            self._rules[key] = (rules, cutoff(day, rules))
        return self._rules[key]


def _order_active_on(order, day: datetime.date) -> bool:
    first = order.starts_on or order.requested_start
    if day < first:
        return False
    return order.ends_on is None or day <= order.ends_on


def _granted_minutes(order) -> int:
    return int(monthly_hours(order.granted_hours, order.unit) * 60)


_FLAG_ORDER = tuple(flag.value for flag in VisitFlag)


def _set_flag(flags: list, flag: str, on: bool) -> list:
    """The flags with `flag` set or cleared, in VisitFlag's order."""
    if (flag in flags) == on:
        return flags
    wanted = set(flags) | {flag} if on else set(flags) - {flag}
    return [f for f in _FLAG_ORDER if f in wanted]


def _base_flags(visit, order, last_day: datetime.date, registered_on: datetime.date) -> list:
    """NO_ORDER and AFTER_CUTOFF (`last_day`: the month's cut-off)."""
    flags = []
    if not _order_active_on(order, visit.date):
        flags.append(VisitFlag.NO_ORDER.value)
    if registered_on > last_day:
        flags.append(VisitFlag.AFTER_CUTOFF.value)
    return flags


def _fill(visit, row_date, interval, order, rules_cache, registered_on) -> None:
    """Set the derived fields of a visit (a Visit or a _NewVisit) from its date and its
    `interval` (the caller's `_interval`, already checked for a length)."""
    visit.date = row_date
    visit.starts_at, visit.ends_at, visit.minutes = interval
    rules, last_day = rules_cache.get(order.decision.citizen.municipality_id, row_date)
    visit.time_band = time_band(visit.starts_at, rules)
    visit.flags = _base_flags(visit, order, last_day, registered_on)


@dataclass(slots=True)
class _NewVisit:
    """A visit of a delivery before it is inserted: lighter than a model instance."""

    external_id: str
    order_reference: str
    order_id: int
    municipality_id: int
    staff_count: int
    kind: str
    date: datetime.date = None
    starts_at: datetime.datetime = None
    ends_at: datetime.datetime = None
    minutes: int = 0
    time_band: str = ""
    flags: list = field(default_factory=list)


_INSERT_FIELDS = (
    "provider",
    "external_id",
    "order_reference",
    "order",
    "municipality",
    "date",
    "starts_at",
    "ends_at",
    "minutes",
    "staff_count",
    "kind",
    "time_band",
    "flags",
    "approved_over_granted",
    "import_batch",
    "registered_at",
    "updated_at",
)


def _insert_visits(visits: list[_NewVisit], *, provider_id: int, batch_id: int, now) -> None:
    """Insert a delivery's visits as plain rows (lov_portal.core.bulk): bulk_create's
    per-value preparation is most of an import's time, and these values are already clean.
    Values are adapted with the database backend's own adapters."""
    ops = connection.ops
    flags_field = Visit._meta.get_field("flags")
    prepared_flags = {}  # few distinct flag lists: prepare each once
    stamp = ops.adapt_datetimefield_value(now)
    adapt_datetime = ops.adapt_datetimefield_value
    adapt_date = ops.adapt_datefield_value
    rows = []
    for v in visits:
        key = tuple(v.flags)
        if key not in prepared_flags:
            prepared_flags[key] = flags_field.get_db_prep_save(list(key), connection)
        rows.append(
            (
                provider_id,
                v.external_id,
                v.order_reference,
                v.order_id,
                v.municipality_id,
                adapt_date(v.date),
                adapt_datetime(v.starts_at),
                adapt_datetime(v.ends_at),
                v.minutes,
                v.staff_count,
                v.kind,
                v.time_band,
                prepared_flags[key],
                False,
                batch_id,
                stamp,
                stamp,
            )
        )
    insert_rows(Visit, list(_INSERT_FIELDS), rows, page_size=5000)


@dataclass(slots=True)
class _SavedVisit:
    """What the flags of a saved visit depend on (see _refresh_order_flags)."""

    id: int
    order_id: int
    date: datetime.date
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    minutes: int
    kind: str
    flags: list


def _refresh_order_flags(orders: dict, months: set, extra: list[Visit] = ()) -> list[Visit]:
    """Recompute OVERLAP and OVER_GRANTED for every visit of the given orders in the given
    months (first days), together with the unsaved visits in `extra`. Returns the saved
    visits whose flags changed (the caller saves them).

    OVERLAP: the visit's time overlaps another visit of the same order. OVER_GRANTED: the
    performed visits of the order's month, counted in time order, from the one that takes the
    month over the granted time on."""
    if not orders or not months:
        return []
    first = min(months)
    last = month_bounds(max(months))[1]
    # A visit past midnight of the day before or after can overlap: load one day around.
    # Plain rows, not model instances: a large provider's delivery touches hundreds of
    # thousands of saved visits, and only the few whose flags change are written back.
    saved = [
        _SavedVisit(*row)
        for row in Visit.objects.filter(
            order_id__in=list(orders),
            date__gte=first - datetime.timedelta(days=1),
            date__lte=last + datetime.timedelta(days=1),
        )
        .order_by()
        .values_list("id", "order_id", "date", "starts_at", "ends_at", "minutes", "kind", "flags")
    ]
    extra_ids = {id(v) for v in extra}
    by_order = defaultdict(list)
    for visit in [*saved, *extra]:
        by_order[visit.order_id].append(visit)
    new_flags = {id(v): list(v.flags) for v in [*saved, *extra]}
    for order_id, visits in by_order.items():
        visits.sort(key=lambda v: (v.starts_at, v.ends_at))
        overlapping = set()
        count = len(visits)
        for i, visit in enumerate(visits):
            j = i + 1
            while j < count and visits[j].starts_at < visit.ends_at:
                overlapping.add(id(visit))
                overlapping.add(id(visits[j]))
                j += 1
        granted = _granted_minutes(orders[order_id])
        used = defaultdict(int)
        for visit in visits:
            if visit.date.replace(day=1) not in months:
                continue
            over = False
            if visit.kind == VisitKind.PERFORMED:
                month = visit.date.replace(day=1)
                used[month] += visit.minutes
                over = used[month] > granted
            flags = _set_flag(new_flags[id(visit)], VisitFlag.OVERLAP, id(visit) in overlapping)
            new_flags[id(visit)] = _set_flag(flags, VisitFlag.OVER_GRANTED, over)
    changed = []
    for visit in [*saved, *extra]:
        if new_flags[id(visit)] != list(visit.flags):
            visit.flags = new_flags[id(visit)]
            if id(visit) not in extra_ids:
                changed.append(Visit(pk=visit.id, flags=visit.flags))
    return changed


def _existing_visits(provider, visit_ids: list[str]) -> dict[str, Visit]:
    found = {}
    for i in range(0, len(visit_ids), _CHUNK):
        for visit in Visit.objects.filter(
            provider=provider, external_id__in=visit_ids[i : i + _CHUNK]
        ):
            found[visit.external_id] = visit
    return found


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """Aware datetimes compared in one zone: across zones, PEP 495 makes times in the autumn's
    repeated hour unequal to everything."""
    return moment.astimezone(datetime.UTC)


def _same(visit: Visit, row: imports.VisitRow, tz) -> bool:
    starts_at, ends_at, _minutes = _interval(row.date, row.start, row.end, tz)
    return (
        visit.order_reference == row.order_reference
        and visit.date == row.date
        and _utc(visit.starts_at) == _utc(starts_at)
        and _utc(visit.ends_at) == _utc(ends_at)
        and visit.staff_count == row.staff_count
        and visit.kind == row.kind
    )


@transaction.atomic
def visit_import_rows(
    *, provider, rows: list[dict], source: str, actor, file_name: str = ""
) -> VisitImport:
    """Import one delivery of visits, all or nothing (see the policy above).

    Each row is a dict with the keys of `imports.FIELDS` and optionally "line" (its line in
    the file; else its position + 1). Returns the saved VisitImport: accepted with counts, or
    not accepted with `errors` [{"line": n, "message": "..."}] and no visit imported."""
    _require_reporter(actor, provider.pk)
    tz = _local_tz()
    now = timezone.now()
    errors: list[tuple[int, str]] = []
    cleaned: list[imports.VisitRow] = []
    first_line: dict[str, int] = {}
    for position, raw in enumerate(rows):
        line = raw.get("line", position + 1) if isinstance(raw, dict) else position + 1
        row, problems = imports.clean_row(raw, line)
        errors.extend((line, problem) for problem in problems)
        if row is None:
            continue
        if row.visit_id in first_line:
            errors.append(
                (
                    line,
                    _("The visit id %(id)s appears more than once (first on line %(first)s).")
                    % {"id": row.visit_id, "first": first_line[row.visit_id]},
                )
            )
            continue
        first_line[row.visit_id] = line
        cleaned.append(row)

    order_pks = sorted({row.order_pk for row in cleaned})
    orders = {}
    for i in range(0, len(order_pks), _CHUNK):
        orders.update(order_map_for_provider(provider=provider, pks=order_pks[i : i + _CHUNK]))
    existing = _existing_visits(provider, [row.visit_id for row in cleaned])
    unchanged = 0
    to_create: list[tuple[imports.VisitRow, tuple]] = []  # each row with its interval
    for row in cleaned:
        order = orders.get(row.order_pk)
        if order is None:
            errors.append(
                (
                    row.line,
                    _("Unknown order for your organisation: %(ref)s.")
                    % {"ref": row.order_reference},
                )
            )
            continue
        visit = existing.get(row.visit_id)
        if visit is not None:
            if _same(visit, row, tz):
                unchanged += 1
            else:
                errors.append(
                    (
                        row.line,
                        _(
                            "The visit id %(id)s is already imported with other values; "
                            "edit the visit instead."
                        )
                        % {"id": row.visit_id},
                    )
                )
            continue
        interval = _interval(row.date, row.start, row.end, tz)
        if interval[2] <= 0:
            errors.append((row.line, _("The visit has no length (a change to summer time).")))
            continue
        to_create.append((row, interval))

    batch = VisitImport.objects.create(
        provider=provider,
        source=source,
        file_name=file_name[:200],
        rows=len(rows),
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if errors:
        errors.sort(key=lambda error: error[0])
        batch.errors = [{"line": line, "message": str(message)} for line, message in errors]
        batch.save(update_fields=["errors"])
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=batch,
            message=f"visit import refused: {len(rows)} rows, {len(errors)} errors",
        )
        return batch

    rules_cache = _RulesCache()
    registered_on = timezone.localdate(now)
    new_visits = []
    months_by_order = defaultdict(set)
    for row, interval in to_create:
        order = orders[row.order_pk]
        visit = _NewVisit(
            external_id=row.visit_id,
            order_reference=row.order_reference,
            order_id=order.pk,
            municipality_id=order.decision.citizen.municipality_id,
            staff_count=row.staff_count,
            kind=row.kind,
        )
        _fill(visit, row.date, interval, order, rules_cache, registered_on)
        new_visits.append(visit)
        months_by_order[order.pk].add(row.date.replace(day=1))
    months = set().union(*months_by_order.values()) if months_by_order else set()
    changed = _refresh_order_flags(
        {pk: orders[pk] for pk in months_by_order}, months, extra=new_visits
    )
    _insert_visits(new_visits, provider_id=provider.pk, batch_id=batch.pk, now=now)
    if changed:
        Visit.objects.bulk_update(changed, ["flags"], batch_size=2000)
    batch.created = len(new_visits)
    batch.unchanged = unchanged
    batch.flagged = sum(1 for visit in new_visits if visit.flags)
    batch.accepted = True
    batch.save(update_fields=["created", "unchanged", "flagged", "accepted"])
    audit_event_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=batch,
        message=(
            f"visit import: {len(rows)} rows, {batch.created} new, {unchanged} unchanged, "
            f"{batch.flagged} flagged"
        ),
    )
    return batch


def visit_import_csv(*, provider, uploaded_file, actor) -> VisitImport:
    """Read a CSV file (billing/imports.py) and import it. A file that cannot be read at all
    (too large, not text, wrong header) raises ValidationError and saves nothing."""
    if uploaded_file.size is not None and uploaded_file.size > imports.MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB. Split it into smaller files."))
    data = uploaded_file.read(imports.MAX_BYTES + 1)
    rows = imports.read_csv(data)
    return visit_import_rows(
        provider=provider,
        rows=rows,
        source=VisitSource.CSV,
        actor=actor,
        file_name=getattr(uploaded_file, "name", "") or "",
    )


VISIT_EDIT_FIELDS = ("date", "start", "end", "staff_count", "kind")


def _visit_values(visit: Visit) -> dict:
    tz = _local_tz()
    return {
        "date": visit.date.isoformat(),
        "start": visit.starts_at.astimezone(tz).strftime("%H:%M"),
        "end": visit.ends_at.astimezone(tz).strftime("%H:%M"),
        "staff_count": visit.staff_count,
        "kind": visit.kind,
    }


@transaction.atomic
def visit_update(*, visit: Visit, actor, reason: str, **changes) -> Visit:
    """Edit the date, start, end, staff count or kind of an imported visit. A reason is
    required; the change is kept with the values before and after. Minutes, time band and
    flags are recomputed, for the other visits of the order's month too.

    An edit counts as a new registration: `registered_at` becomes now, so a visit changed
    after the month's cut-off is flagged AFTER_CUTOFF. A month whose invoice run is approved
    can still be edited; the next correction run picks the change up."""
    _require_reporter(actor, visit.provider_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the change.")}, code="required")
    unknown = set(changes) - set(VISIT_EDIT_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    # Lock the visit row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # order join.
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("order__decision__citizen")
        .get(pk=visit.pk)
    )
    before = _visit_values(visit)
    tz = _local_tz()
    day = changes.get("date", visit.date)
    start = changes.get("start", visit.starts_at.astimezone(tz).time())
    end = changes.get("end", visit.ends_at.astimezone(tz).time())
    if start == end:
        raise ValidationError({"end": _("The end must differ from the start.")}, code="length")
    staff = changes.get("staff_count", visit.staff_count)
    if not 1 <= staff <= imports.MAX_STAFF:
        raise ValidationError(
            {"staff_count": _("The staff count must be a whole number from 1 to 4.")}
        )
    old_month = visit.date.replace(day=1)
    visit.staff_count = staff
    visit.kind = changes.get("kind", visit.kind)
    interval = _interval(day, start, end, tz)
    if interval[2] <= 0:
        raise ValidationError({"end": _("The visit has no length (a change to summer time).")})
    after_probe = {
        "date": day.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "staff_count": staff,
        "kind": visit.kind,
    }
    if after_probe == before:
        raise ValidationError(_("Nothing is changed."), code="unchanged")
    visit.registered_at = timezone.now()
    registered_on = timezone.localdate(visit.registered_at)
    _fill(visit, day, interval, visit.order, _RulesCache(), registered_on)
    visit.save()
    order = visit.order
    changed = _refresh_order_flags({order.pk: order}, {old_month, day.replace(day=1)})
    if changed:
        Visit.objects.bulk_update(changed, ["flags"])
    visit.refresh_from_db()
    after = _visit_values(visit)
    VisitChange.objects.create(
        visit=visit, reason=reason, before=before, after=after, changed_by=actor
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=visit,
        message="visit changed: " + ", ".join(k for k in after if after[k] != before[k]),
    )
    return visit


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, provider, name: str, actor) -> tuple[ApiToken, str]:
    """A new API token for the provider. Only its hash is stored: the raw token is returned
    here, to be shown once."""
    _require_reporter(actor, provider.pk)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")}, code="required")
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        provider=provider,
        name=name[:100],
        prefix=raw[:8],
        token_hash=_token_hash(raw),
        created_by=actor,
    )
    audit_event_record(
        actor=actor, action=AuditAction.SECURITY, obj=token, message="API token created"
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    _require_reporter(actor, token.provider_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_event_record(
            actor=actor, action=AuditAction.SECURITY, obj=token, message="API token revoked"
        )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token matching `raw`, its last use recorded; None for an unknown or revoked
    token."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("provider")
        .filter(token_hash=_token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        token.last_used_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token
