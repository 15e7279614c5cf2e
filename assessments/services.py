"""Writes of the needs assessment app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.identity import parse_identity_number
from lov_portal.core.selectors import area_list_for_postal_code
from lov_portal.core.validators import normalise_postal_code
from lov_portal.core.workflow import transition

from .constants import DECISION_TRANSITIONS, DecisionStatus, LegalBasis
from .models import Citizen, ContactPerson, Decision, DecisionStatusChange, GrantedService

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


def _history(actor):
    def record(decision, from_status, to_status):
        return DecisionStatusChange.objects.create(
            decision=decision,
            from_status=from_status,
            to_status=to_status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )

    return record


def decision_transition(decision: Decision, to: str, actor, **kwargs) -> Decision:
    """The one way a decision's status changes."""
    return transition(
        obj=decision,
        to=to,
        actor=actor,
        allowed=DECISION_TRANSITIONS,
        history=_history(actor),
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
    return decided


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
    return decision_transition(
        decision, DecisionStatus.ENDED, actor, changes={"ended_on": ended_on}
    )
