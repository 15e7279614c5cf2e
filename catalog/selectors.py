"""Reads of the customer-choice catalogue. Everything here is public information about
providers with an active contract; no personal data."""

import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404

from lov_portal.core.models import Municipality
from lov_portal.core.selectors import municipality_list, service_type_list
from providers.models import Provider
from providers.selectors import (
    contract_list_active,
    contract_takes_new_customers,
    provider_list_contracted,
)

from .filters import CatalogueFilter, Order

# Swedish alphabetical order: å, ä, ö after z (and æ, ø, ü, é as in Swedish dictionaries).
_SWEDISH = str.maketrans(
    {"å": "z~1", "ä": "z~2", "æ": "z~2", "ö": "z~3", "ø": "z~3", "ü": "y", "é": "e", "è": "e"}
)


def swedish_sort_key(text: str) -> str:
    return text.casefold().translate(_SWEDISH)


def catalogue_municipality_get(*, code: str) -> Municipality:
    return get_object_or_404(municipality_list(), code=code)


@dataclass
class CatalogueEntry:
    """One provider as the catalogue shows it in one municipality: the same fields for all."""

    provider: Provider
    services: list = field(default_factory=list)
    areas: list = field(default_factory=list)
    contract_since: date | None = None
    takes_new_customers: bool = False

    @property
    def pk(self) -> int:
        return self.provider.pk

    @property
    def is_in_house(self) -> bool:
        return self.provider.is_in_house


def _entry(provider: Provider) -> CatalogueEntry:
    services, areas = {}, {}
    for contract in provider.active_contracts:
        for service in contract.service_types.all():
            services[service.pk] = service
        for area in contract.areas.all():
            areas[area.pk] = area
    return CatalogueEntry(
        provider=provider,
        services=sorted(services.values(), key=lambda s: (s.ordering, s.name)),
        areas=sorted(areas.values(), key=lambda a: swedish_sort_key(a.name)),
        contract_since=min((c.valid_from for c in provider.active_contracts), default=None),
        takes_new_customers=any(contract_takes_new_customers(c) for c in provider.active_contracts),
    )


def catalogue_search(*, municipality: Municipality, params) -> tuple[CatalogueFilter, list[int]]:
    """The filter (with its form and errors) and the ids of the matching providers in the
    requested neutral order: by name (Swedish alphabet) or shuffled by the seed in the URL."""
    filterset = CatalogueFilter(
        params,
        queryset=provider_list_contracted(municipality=municipality).order_by(),
        municipality=municipality,
    )
    if not filterset.is_valid():
        return filterset, []
    rows = list(filterset.qs.values_list("pk", "name"))
    wanted = (filterset.form.cleaned_data.get("name") or "").strip().casefold()
    if wanted:
        rows = [row for row in rows if wanted in row[1].casefold()]
    if filterset.form.cleaned_data.get("order") == Order.RANDOM:
        rows.sort(key=lambda row: row[0])
        random.Random(params.get("seed", "")).shuffle(rows)  # noqa: S311 - not security
    else:
        rows.sort(key=lambda row: (swedish_sort_key(row[1]), row[0]))
    return filterset, [pk for pk, _name in rows]


def catalogue_entries(*, municipality: Municipality, ids: list[int]) -> list[CatalogueEntry]:
    """The entries of these providers, in the given order, in a constant number of queries."""
    providers = provider_list_contracted(municipality=municipality).in_bulk(ids)
    return [_entry(providers[pk]) for pk in ids if pk in providers]


def catalogue_entry_get(*, municipality: Municipality, pk: int) -> CatalogueEntry:
    entries = catalogue_entries(municipality=municipality, ids=[pk])
    if not entries:
        raise Http404
    return entries[0]


def catalogue_all(*, municipality: Municipality) -> list[CatalogueEntry]:
    """Every contracted provider of the municipality, by name."""
    providers = list(provider_list_contracted(municipality=municipality))
    providers.sort(key=lambda p: (swedish_sort_key(p.name), p.pk))
    return [_entry(p) for p in providers]


def catalogue_service_types(*, municipality: Municipality):
    """The services some provider in the municipality's catalogue offers."""
    return (
        service_type_list()
        .filter(contracts__in=contract_list_active(municipality=municipality))
        .distinct()
    )


def catalogue_in_house(*, municipality: Municipality) -> CatalogueEntry | None:
    """The municipality's own provider, when it is in the catalogue."""
    provider = (
        provider_list_contracted(municipality=municipality)
        .filter(in_house_municipality=municipality)
        .first()
    )
    return _entry(provider) if provider else None


# --- Cache ------------------------------------------------------------------------------------

CATALOGUE_VERSION_KEY = "catalogue:version"
CATALOGUE_CACHE_SECONDS = 60 * 60


def catalogue_version() -> int:
    """A number that changes whenever anything the catalogue shows changes (catalog.signals).
    Starts from the clock, so a lost key never brings back an old version."""
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        cache.add(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(CATALOGUE_VERSION_KEY)
    return version


def catalogue_changed() -> None:
    try:
        cache.incr(CATALOGUE_VERSION_KEY)
    except ValueError:
        cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)


def catalogue_cache_key(*parts) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"catalogue:{catalogue_version()}:{digest}"
