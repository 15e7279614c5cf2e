"""Writes of the shared vocabulary: municipalities, cooperations, areas, service types.

Day-to-day these are managed in the admin; the services are used by seeding and imports and
are idempotent (keyed on the natural key).
"""

from django.db import transaction

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record

from .constants import NoChoiceRule
from .models import Area, AreaPostalCode, Cooperation, Municipality, ServiceType
from .validators import normalise_postal_code

MUNICIPALITY_DETAILS = {"organisation_number", "street_address", "postal_code", "city"}


@transaction.atomic
def municipality_upsert(
    *,
    code: str,
    name: str,
    board_name: str = "",
    organisation_name: str = "",
    no_choice_rule: str = NoChoiceRule.IN_HOUSE,
    actor,
    **details,
) -> Municipality:
    """Create or update a municipality by its code. `details` may set organisation_number,
    street_address, postal_code and city (for invoices); fields not given are left as they are."""
    unknown = set(details) - MUNICIPALITY_DETAILS
    if unknown:
        raise TypeError(f"Unknown municipality fields: {sorted(unknown)}")
    municipality, created = Municipality.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "board_name": board_name,
            "organisation_name": organisation_name,
            "no_choice_rule": no_choice_rule,
            **details,
        },
    )
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=municipality)
    return municipality


@transaction.atomic
def cooperation_upsert(*, name: str, municipalities: list[Municipality], actor) -> Cooperation:
    cooperation, created = Cooperation.objects.get_or_create(name=name)
    cooperation.municipalities.set(municipalities)
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=cooperation)
    return cooperation


@transaction.atomic
def area_upsert(
    *, municipality: Municipality, name: str, rate_zone: str, postal_codes: list[str], actor
) -> Area:
    area, created = Area.objects.update_or_create(
        municipality=municipality, name=name, defaults={"rate_zone": rate_zone}
    )
    wanted = {normalise_postal_code(code) for code in postal_codes}
    area.postal_codes.exclude(postal_code__in=wanted).delete()
    existing = set(area.postal_codes.values_list("postal_code", flat=True))
    AreaPostalCode.objects.bulk_create(
        [AreaPostalCode(area=area, postal_code=code) for code in sorted(wanted - existing)]
    )
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=area)
    return area


@transaction.atomic
def service_type_upsert(
    *, code: str, name: str, name_en: str, category: str, ordering: int, actor
) -> ServiceType:
    service_type, created = ServiceType.objects.update_or_create(
        code=code,
        defaults={"name": name, "name_en": name_en, "category": category, "ordering": ordering},
    )
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=service_type)
    return service_type
