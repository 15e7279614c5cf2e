"""The catalogue's filters. They live in the URL's query string, so a filtered list can be
bookmarked and shared; every filter works with a plain GET form, without JavaScript."""

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from lov_portal.core.selectors import area_list, service_type_list
from providers.models import Provider
from providers.selectors import (
    additional_service_list,
    contract_list_active,
    contract_taking_new_customers,
    language_list,
    specialisation_list,
)

POSTAL_CODE = re.compile(r"\b(\d{3})\s?(\d{2})\b")


class Ownership:
    IN_HOUSE = "in_house"
    PRIVATE = "private"
    CHOICES = [(IN_HOUSE, _("The municipality's own")), (PRIVATE, _("Private"))]


class Order:
    NAME = "name"
    RANDOM = "random"
    CHOICES = [(NAME, _("Name A–Ö")), (RANDOM, _("Random order"))]


class CatalogueFilterForm(forms.Form):
    def clean_address(self):
        value = self.cleaned_data.get("address", "")
        if value and not POSTAL_CODE.search(value):
            raise forms.ValidationError(
                _("Write a postal code with five digits, e.g. 456 32, alone or in an address."),
                code="postal_code",
            )
        return value


class CatalogueFilter(django_filters.FilterSet):
    """Filters on the providers with an active contract in one municipality."""

    name = django_filters.CharFilter(label=_("Provider name"), method="filter_name")
    service = django_filters.ModelChoiceFilter(
        label=_("Service"),
        queryset=service_type_list(),
        to_field_name="code",
        method="filter_service",
        empty_label=_("All services"),
    )
    address = django_filters.CharFilter(
        label=_("Postal code or address"),
        method="filter_address",
        help_text=_("E.g. 456 32 or Storgatan 1, 456 32 Kungshamn."),
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=area_list(), method="filter_area", empty_label=_("All areas")
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language spoken"),
        queryset=language_list(),
        to_field_name="code",
        field_name="languages",
        empty_label=_("All languages"),
    )
    specialisation = django_filters.ModelChoiceFilter(
        label=_("Specialisation"),
        queryset=specialisation_list(),
        to_field_name="code",
        field_name="specialisations",
        empty_label=_("All specialisations"),
    )
    additional_service = django_filters.CharFilter(
        label=_("Additional service"),
        method="filter_additional_service",
        help_text=_("E.g. cleaning, snow clearing."),
    )
    new_customers = django_filters.BooleanFilter(
        label=_("Takes new customers"),
        method="filter_new_customers",
        widget=forms.CheckboxInput,
    )
    ownership = django_filters.ChoiceFilter(
        label=_("Run by"),
        choices=Ownership.CHOICES,
        method="filter_ownership",
        empty_label=_("Everyone"),
    )
    order = django_filters.ChoiceFilter(
        label=_("Order"), choices=Order.CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Provider
        fields: list[str] = []
        form = CatalogueFilterForm

    def __init__(self, data=None, *args, municipality, **kwargs):
        self.municipality = municipality
        super().__init__(data, *args, **kwargs)
        self.form.fields["area"].queryset = area_list(municipality=municipality)
        self.form.fields["area"].label_from_instance = lambda area: area.name
        # A non-ticked checkbox means "no filter", never "only those who do not take any".
        self.form.fields["new_customers"].required = False
        self.form.fields["order"].required = False
        self.form.fields["order"].initial = Order.NAME

    # The contracts of this municipality that a filter may look at.
    def _active(self):
        return contract_list_active(municipality=self.municipality).filter(provider=OuterRef("pk"))

    def filter_name(self, queryset, name, value):
        # Matched in Python by catalogue_search: SQLite's LIKE folds only ASCII case (Å ≠ å).
        return queryset

    def filter_service(self, queryset, name, value):
        return queryset.filter(Exists(self._active().filter(service_types=value)))

    def filter_area(self, queryset, name, value):
        return queryset.filter(Exists(self._active().filter(areas=value)))

    def filter_address(self, queryset, name, value):
        match = POSTAL_CODE.search(value)
        if not match:
            return queryset.none()  # the form says what is wrong
        postal_code = "".join(match.groups())
        return queryset.filter(
            Exists(self._active().filter(areas__postal_codes__postal_code=postal_code))
        )

    def filter_additional_service(self, queryset, name, value):
        if not value.strip():
            return queryset
        wanted = additional_service_list().filter(
            provider=OuterRef("pk"), name__icontains=value.strip()
        )
        return queryset.filter(Exists(wanted))

    def filter_new_customers(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(self._active().filter(contract_taking_new_customers())))

    def filter_ownership(self, queryset, name, value):
        return queryset.filter(is_in_house=(value == Ownership.IN_HOUSE))

    def filter_nothing(self, queryset, name, value):
        return queryset  # ordering is the view's business

    @property
    def qs(self):
        return super().qs.distinct()
