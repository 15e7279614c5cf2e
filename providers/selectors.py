"""Reads of providers, scoped by the user's role and municipality."""

from django.db.models import QuerySet

from lov_portal.permissions import user_scope

from .models import Provider


def provider_list_in_house() -> QuerySet[Provider]:
    """Each municipality's in-house provider: public information."""
    return Provider.objects.filter(is_in_house=True).select_related("in_house_municipality")


def provider_list_for_user(*, user) -> QuerySet[Provider]:
    """The providers a provider user works for."""
    return Provider.objects.filter(pk__in=user_scope(user).provider_ids)
