"""Writes of the providers app: `<entity>_<verb>(*, ..., actor)`, atomic, audited."""

from django.db import transaction

from lov_portal.audit.constants import AuditAction
from lov_portal.audit.services import audit_event_record
from lov_portal.core.validators import normalise_organisation_number

from .models import Provider


@transaction.atomic
def provider_upsert(*, organisation_number: str, actor, **fields) -> Provider:
    """Create or update a provider keyed on its organisation number."""
    provider = Provider(organisation_number=organisation_number, **fields)
    provider.full_clean(validate_unique=False)
    provider, created = Provider.objects.update_or_create(
        organisation_number=normalise_organisation_number(organisation_number), defaults=fields
    )
    if created:
        audit_event_record(actor=actor, action=AuditAction.CREATE, obj=provider)
    return provider
