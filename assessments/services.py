"""Writes of the needs assessment app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.identity import parse_identity_number
from lov_portal.core.selectors import area_list_for_postal_code
from lov_portal.core.validators import normalise_postal_code

from .models import Citizen, ContactPerson

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
