"""Writes of the needs assessment app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""

import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.constants import NoChoiceRule
from lov_portal.core.identity import parse_identity_number
from lov_portal.core.selectors import area_list_for_postal_code
from lov_portal.core.validators import normalise_postal_code
from lov_portal.core.workflow import status_history, transition
from providers.constants import CapacityUnit
from providers.selectors import (
    contract_get_locked,
    contract_ids_warned_since,
    contract_list_serving,
)

from .constants import (
    ACTIVE_ORDER_STATUSES,
    DECISION_TRANSITIONS,
    ORDER_TRANSITIONS,
    ChangeReason,
    DecisionStatus,
    GrantUnit,
    HelpedBy,
    LegalBasis,
    OrderStatus,
)
from .models import (
    Choice,
    Citizen,
    ContactPerson,
    Decision,
    DecisionStatusChange,
    GrantedService,
    Order,
    OrderStatusChange,
)
from .notifications import order_notify
from .selectors import order_list_active

CITIZEN_FIELDS = [
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "protected_identity",
]


def _require(actor, obj) -> None:
    if actor is not None and not actor.has_perm("assessments.manage_citizen", obj):
        raise PermissionDenied


def _area_for(citizen: Citizen):
    """The area of the municipality the postal code lies in (the first, where several do)."""
    if not citizen.postal_code:
        return None
    areas = area_list_for_postal_code(postal_code=citizen.postal_code)
    return areas.filter(municipality=citizen.municipality).first()


@transaction.atomic
def citizen_register(*, identity_number: str, municipality, actor, **fields) -> Citizen:
    """Register a citizen in the municipality's register. The identity number is validated and
    stored as 12 digits; it is unique across the installation."""
    number = parse_identity_number(identity_number)
    if Citizen.objects.filter(identity_number=number.digits).exists():
        raise ValidationError(
            {"identity_number": _("A citizen with this number is already registered.")},
            code="unique",
        )
    citizen = Citizen(
        identity_number=number.digits,
        is_coordination_number=number.is_coordination_number,
        municipality=municipality,
        **{k: v for k, v in fields.items() if k in CITIZEN_FIELDS},
    )
    _require(actor, citizen)
    if citizen.postal_code:
        citizen.postal_code = normalise_postal_code(citizen.postal_code)
    citizen.area = _area_for(citizen)
    citizen.full_clean()
    citizen.save()
    if citizen.protected_identity and actor is not None:
        # Whoever registers a protected identity may see the address they entered.
        citizen.protected_address_readers.add(actor)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=citizen)
    return citizen


@transaction.atomic
def citizen_update(*, citizen: Citizen, actor, **fields) -> Citizen:
    """Change the citizen's details; the audit log names the changed fields (not the values)."""
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    _require(actor, citizen)
    if citizen.protected_identity and not actor.has_perm(
        "assessments.view_protected_address", citizen
    ):
        # Who may not see the address may not change it either.
        for hidden in ("street_address", "postal_code", "city", "phone"):
            fields.pop(hidden, None)
    changed = []
    for name in CITIZEN_FIELDS:
        if name in fields and getattr(citizen, name) != fields[name]:
            setattr(citizen, name, fields[name])
            changed.append(name)
    if not changed:
        return citizen
    if citizen.postal_code:
        citizen.postal_code = normalise_postal_code(citizen.postal_code)
    citizen.area = _area_for(citizen)
    citizen.full_clean()
    citizen.save()
    if "protected_identity" in changed and citizen.protected_identity:
        citizen.protected_address_readers.add(actor)
    audit_event_record(
        actor=actor, action=AuditAction.UPDATE, obj=citizen, message=", ".join(changed)
    )
    return citizen


@transaction.atomic
def contact_person_add(*, citizen: Citizen, actor, **fields) -> ContactPerson:
    _require(actor, citizen)
    contact = ContactPerson(citizen=citizen, **fields)
    contact.full_clean()
    contact.save()
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=citizen, message="contact added")
    return contact


# --- Decisions (biståndsbeslut) ----------------------------------------------------------------


def decision_transition(decision: Decision, to: str, actor, **kwargs) -> Decision:
    """The one way a decision's status changes."""
    return transition(
        obj=decision,
        to=to,
        actor=actor,
        allowed=DECISION_TRANSITIONS,
        history=status_history(DecisionStatusChange, "decision", actor),
        may=lambda user, obj: user.has_perm("assessments.make_decision", obj),
        **kwargs,
    )


def _require_decision(actor, decision: Decision) -> None:
    if actor is not None and not actor.has_perm("assessments.make_decision", decision):
        raise PermissionDenied


def _set_services(decision: Decision, services) -> None:
    """services: [(service_type, hours, unit)]; at least one, each service once."""
    services = [s for s in services if s[0] is not None]
    if not services:
        raise ValidationError(_("Grant at least one service."), code="no_services")
    seen = set()
    for service_type, _hours, _unit in services:
        if service_type.pk in seen:
            raise ValidationError(
                _("%(service)s is granted twice. Grant each service once.")
                % {"service": service_type},
                code="duplicate_service",
            )
        seen.add(service_type.pk)
    decision.services.all().delete()
    for service_type, hours, unit in services:
        granted = GrantedService(
            decision=decision, service_type=service_type, granted_hours=hours, unit=unit
        )
        granted.full_clean()
        granted.save()


def _check_period(valid_from, valid_to) -> None:
    if valid_to and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": _("The end date must be on or after the start date.")}, code="period"
        )


@transaction.atomic
def decision_draft_create(
    *, citizen: Citizen, valid_from, services, actor, valid_to=None, legal_basis=None, reasons=""
) -> Decision:
    _check_period(valid_from, valid_to)
    decision = Decision(
        citizen=citizen,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_basis=legal_basis or LegalBasis.SOL_4_1,
        reasons=reasons,
    )
    _require_decision(actor, decision)
    decision.save()
    _set_services(decision, services)
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=decision)
    return decision


@transaction.atomic
def decision_draft_update(
    *, decision: Decision, valid_from, services, actor, valid_to=None, legal_basis, reasons=""
) -> Decision:
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require_decision(actor, decision)
    if decision.status != DecisionStatus.DRAFT:
        raise ValidationError(
            _("A decided decision is not changed. Make a new version instead."), code="decided"
        )
    _check_period(valid_from, valid_to)
    decision.valid_from, decision.valid_to = valid_from, valid_to
    decision.legal_basis, decision.reasons = legal_basis, reasons
    decision.save()
    _set_services(decision, services)
    audit_event_record(actor=actor, action=AuditAction.UPDATE, obj=decision)
    return decision


@transaction.atomic
def decision_decide(*, decision: Decision, decision_date, actor) -> Decision:
    """The assessor decides the draft; a new version replaces the one it was made from."""
    decided = decision_transition(
        decision,
        DecisionStatus.DECIDED,
        actor,
        changes={"decision_date": decision_date, "assessor": actor},
    )
    if decided.previous_id:
        decision_transition(decided.previous, DecisionStatus.SUPERSEDED, actor)
        _orders_follow_new_version(decided, actor)
    return decided


def _orders_follow_new_version(decision: Decision, actor) -> None:
    """A changed decision changes its orders: each active order of the previous version ends the
    day before the new version starts, and the same provider gets the new version's time for
    the services still granted. Nothing already ordered is rewritten."""
    granted = {g.service_type_id: g for g in decision.services.all()}
    previous_orders = Order.objects.filter(
        decision=decision.previous, status__in=ACTIVE_ORDER_STATUSES
    ).select_related("choice")
    for old in previous_orders:
        order_transition(
            old,
            OrderStatus.ENDED,
            actor,
            "assessments.make_decision",
            changes={"ends_on": decision.valid_from - timedelta(days=1)},
            comment="decision changed",
        )
        service = granted.get(old.service_type_id)
        if service is None:
            continue
        choice = Choice.objects.create(
            decision=decision,
            service_type=old.service_type,
            provider=old.provider,
            chosen_on=old.choice.chosen_on,
            helped_by=old.choice.helped_by,
            no_choice_rule=old.choice.no_choice_rule,
            recorded_by=actor,
        )
        new = Order.objects.create(
            choice=choice,
            decision=decision,
            service_type=old.service_type,
            provider=old.provider,
            contract=old.contract,
            granted_hours=service.granted_hours,
            unit=service.unit,
            requested_start=decision.valid_from,
        )
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=new, message="new version")
        transaction.on_commit(lambda pk=new.pk: order_notify(order_id=pk))


@transaction.atomic
def decision_revise(*, decision: Decision, actor) -> Decision:
    """A change to a decided decision: a new draft version, copied; the decided one stays as it
    is until the new one is decided."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require_decision(actor, decision)
    if decision.status != DecisionStatus.DECIDED:
        raise ValidationError(_("Only a decided decision can be changed."), code="not_decided")
    if Decision.objects.filter(previous=decision).exists():
        raise ValidationError(_("A new version is already being drafted."), code="draft_exists")
    new = Decision.objects.create(
        citizen=decision.citizen,
        previous=decision,
        version=decision.version + 1,
        legal_basis=decision.legal_basis,
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
        reasons=decision.reasons,
    )
    _set_services(new, [(s.service_type, s.granted_hours, s.unit) for s in decision.services.all()])
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=new, message="new version")
    return new


@transaction.atomic
def decision_end(*, decision: Decision, ended_on, actor) -> Decision:
    if ended_on < decision.valid_from:
        raise ValidationError(
            {"ended_on": _("A decision cannot end before it starts.")}, code="period"
        )
    ended = decision_transition(
        decision, DecisionStatus.ENDED, actor, changes={"ended_on": ended_on}
    )
    # Its orders end with it.
    for order in Order.objects.filter(decision=ended, status__in=ACTIVE_ORDER_STATUSES):
        order_transition(
            order,
            OrderStatus.ENDED,
            actor,
            "assessments.make_decision",
            changes={"ends_on": ended_on},
            comment="decision ended",
        )
    return ended


# --- Choice and orders -------------------------------------------------------------------------


def order_transition(order: Order, to: str, actor, permission: str, **kwargs) -> Order:
    """The one way an order's status changes."""
    return transition(
        obj=order,
        to=to,
        actor=actor,
        allowed=ORDER_TRANSITIONS,
        history=status_history(OrderStatusChange, "order", actor),
        may=lambda user, obj: user.has_perm(permission, obj),
        **kwargs,
    )


def monthly_hours(hours: Decimal, unit: str) -> Decimal:
    """A weekly frame counted per month (52 weeks / 12 months), to the hundredth of an hour."""
    if unit == GrantUnit.FRAME_HOURS_PER_WEEK:
        return (hours * Decimal(52) / Decimal(12)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return hours


def _check_capacity(contract, *, citizen_id: int, hours: Decimal, replacing=None) -> None:
    """Raise if this order would take the provider over its capacity ceiling. The caller holds
    the contract's row lock."""
    if contract.capacity_value is None:
        return
    active = Order.objects.filter(contract=contract, status__in=ACTIVE_ORDER_STATUSES)
    if replacing is not None:
        active = active.exclude(pk=replacing.pk)
    full = _("%(provider)s has no room for more customers right now. Choose another provider.")
    if contract.capacity_unit == CapacityUnit.CUSTOMERS:
        citizens = set(active.values_list("decision__citizen_id", flat=True))
        if citizen_id not in citizens and len(citizens) >= contract.capacity_value:
            raise ValidationError(full % {"provider": contract.provider}, code="capacity")
    else:
        used = sum((monthly_hours(o.granted_hours, o.unit) for o in active), Decimal(0))
        if used + hours > contract.capacity_value:
            raise ValidationError(full % {"provider": contract.provider}, code="capacity")


@transaction.atomic
def choice_record(
    *,
    decision: Decision,
    service_type,
    provider,
    chosen_on,
    actor,
    helped_by: str = HelpedBy.SELF,
    no_choice_rule: str = "",
    change_reason: str = "",
    change_reason_text: str = "",
) -> Order:
    """Record the citizen's choice of provider for a granted service and order it. A provider
    already ordered for the service is changed: its order ends CHANGE_OF_PROVIDER_DAYS after the
    choice and the new one starts the day after. The reason for a change (optional: none is
    needed) is kept only on a change."""
    if change_reason and change_reason not in ChangeReason.values:
        raise ValidationError({"change_reason": _("Choose a reason from the list.")}, code="reason")
    decision = Decision.objects.select_for_update().select_related("citizen").get(pk=decision.pk)
    _require_decision(actor, decision)
    if decision.status != DecisionStatus.DECIDED:
        raise ValidationError(_("Only a decided decision can be ordered."), code="not_decided")
    granted = decision.services.filter(service_type=service_type).first()
    if granted is None:
        raise ValidationError(_("The decision does not grant this service."), code="not_granted")
    citizen = decision.citizen
    serving = contract_list_serving(
        municipality=citizen.municipality, service_type=service_type, area=citizen.area
    ).filter(provider=provider)
    if not serving:
        raise ValidationError(
            {"provider": _("This provider does not perform the service at the citizen's address.")},
            code="not_serving",
        )
    contract = contract_get_locked(pk=serving[0].pk)
    current = (
        order_list_active(citizen=citizen, service_type=service_type).select_for_update().first()
    )
    if current is not None and current.provider_id == provider.pk:
        raise ValidationError(
            {"provider": _("The citizen already has this provider for the service.")},
            code="same_provider",
        )
    _check_capacity(
        contract,
        citizen_id=citizen.pk,
        hours=monthly_hours(granted.granted_hours, granted.unit),
    )
    start = max(decision.valid_from, chosen_on)
    if current is not None:
        ends_on = chosen_on + timedelta(days=settings.CHANGE_OF_PROVIDER_DAYS)
        order_transition(
            current,
            OrderStatus.ENDED,
            actor,
            "assessments.make_decision",
            changes={"ends_on": ends_on},
            comment="change of provider",
        )
        start = ends_on + timedelta(days=1)
    else:
        change_reason = change_reason_text = ""
    choice = Choice.objects.create(
        decision=decision,
        service_type=service_type,
        provider=provider,
        chosen_on=chosen_on,
        helped_by=helped_by,
        no_choice_rule=no_choice_rule,
        change_reason=change_reason,
        change_reason_text=change_reason_text.strip(),
        recorded_by=actor,
    )
    order = Order.objects.create(
        choice=choice,
        decision=decision,
        service_type=service_type,
        provider=provider,
        contract=contract,
        granted_hours=granted.granted_hours,
        unit=granted.unit,
        requested_start=start,
    )
    audit_event_record(actor=actor, action=AuditAction.CREATE, obj=order)
    transaction.on_commit(lambda: order_notify(order_id=order.pk))
    return order


@transaction.atomic
def order_confirm(*, order: Order, starts_on, actor) -> Order:
    """The provider confirms the order and sets the start date agreed with the citizen."""
    if starts_on < order.requested_start:
        raise ValidationError(
            {"starts_on": _("The start can be no earlier than the requested start.")},
            code="too_early",
        )
    return order_transition(
        order,
        OrderStatus.CONFIRMED,
        actor,
        "assessments.handle_order",
        changes={"starts_on": starts_on},
    )


# --- The no-choice alternative (icke-valsalternativ) -------------------------------------------

WARNING_MONTHS = 12


def _has_room(contract, *, citizen_id: int, hours: Decimal) -> bool:
    try:
        _check_capacity(contract, citizen_id=citizen_id, hours=hours)
    except ValidationError:
        return False
    return True


def no_choice_provider(*, decision: Decision, service_type, on) -> object:
    """The provider the municipality's no-choice rule picks for this citizen and service.

    - in_house: the municipality's own provider;
    - rotation: the providers serving the area take turns month by month (by name);
    - turn_order: a fixed order (by contract date); each no-choice goes to the next one;
    - random: random among providers serving the address with free capacity, excluding those
      warned in the last 12 months.
    Providers without room are passed over (the in-house provider never is: it must take the
    citizen). Raises ValidationError when no provider can be picked."""
    citizen = decision.citizen
    municipality = citizen.municipality
    granted = decision.services.get(service_type=service_type)
    hours = monthly_hours(granted.granted_hours, granted.unit)
    contracts = list(
        contract_list_serving(
            municipality=municipality, service_type=service_type, area=citizen.area
        ).order_by("valid_from", "pk")
    )
    rule = municipality.no_choice_rule
    nobody = ValidationError(
        _("No provider can be picked by the no-choice alternative (%(rule)s) for this address.")
        % {"rule": municipality.get_no_choice_rule_display()},
        code="no_provider",
    )
    if rule == NoChoiceRule.IN_HOUSE:
        own = [c for c in contracts if c.provider.in_house_municipality_id == municipality.pk]
        if not own:
            raise nobody
        return own[0].provider
    with_room = [c for c in contracts if _has_room(c, citizen_id=citizen.pk, hours=hours)]
    if not with_room:
        raise nobody
    if rule == NoChoiceRule.ROTATION:
        ordered = sorted(with_room, key=lambda c: (c.provider.name.casefold(), c.pk))
        return ordered[(on.year * 12 + on.month) % len(ordered)].provider
    if rule == NoChoiceRule.TURN_ORDER:
        last = (
            Choice.objects.filter(
                decision__citizen__municipality=municipality,
                service_type=service_type,
                no_choice_rule=NoChoiceRule.TURN_ORDER,
            )
            .order_by("-created_at", "-pk")
            .values_list("provider_id", flat=True)
            .first()
        )
        order = [c.provider for c in contracts]
        if last in [p.pk for p in order]:
            position = [p.pk for p in order].index(last)
            order = order[position + 1 :] + order[: position + 1]
        allowed = {c.provider_id for c in with_room}
        return next(p for p in order if p.pk in allowed)
    warned = contract_ids_warned_since(since=on - timedelta(days=30 * WARNING_MONTHS))
    pool = [c for c in with_room if c.pk not in warned]
    if not pool:
        raise nobody
    return secrets.SystemRandom().choice(pool).provider


@transaction.atomic
def no_choice_apply(*, decision: Decision, service_type, on, actor) -> Order:
    """The citizen does not choose: the municipality's rule picks the provider, and the choice
    records that it was the no-choice alternative and which rule."""
    decision = Decision.objects.select_related("citizen__municipality").get(pk=decision.pk)
    _require_decision(actor, decision)
    provider = no_choice_provider(decision=decision, service_type=service_type, on=on)
    return choice_record(
        decision=decision,
        service_type=service_type,
        provider=provider,
        chosen_on=on,
        actor=actor,
        no_choice_rule=decision.citizen.municipality.no_choice_rule,
    )
