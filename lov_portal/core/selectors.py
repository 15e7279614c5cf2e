"""Reads of municipalities, areas and service types. This vocabulary is public information."""

from django.db.models import QuerySet

from lov_portal.core.validators import normalise_postal_code

from .models import Area, Municipality, ServiceType


def municipality_list(*, active_only: bool = True) -> QuerySet[Municipality]:
    qs = Municipality.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def area_list(*, municipality: Municipality | None = None) -> QuerySet[Area]:
    qs = Area.objects.select_related("municipality").prefetch_related("postal_codes")
    return qs.filter(municipality=municipality) if municipality else qs


def area_list_for_postal_code(*, postal_code: str) -> QuerySet[Area]:
    return area_list().filter(postal_codes__postal_code=normalise_postal_code(postal_code))


def service_type_list() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(is_active=True)
