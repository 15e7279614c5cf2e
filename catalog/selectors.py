"""Reads of the customer-choice catalogue app, scoped by the user's role and municipality.

The catalogue reads providers only through providers.selectors."""

from providers.selectors import provider_list_for_catalogue as _providers_for_catalogue


def provider_list_for_catalogue(*, municipality):
    """Public: the providers a citizen of `municipality` may choose — active contracts with the
    municipality and its in-house provider; suspended and terminated contracts are hidden.
    Only public facts about each provider are read (no personal data)."""
    return _providers_for_catalogue(municipality=municipality).only(
        "pk", "name", "is_in_house", "in_house_municipality"
    )
