"""The fixed fields every provider is shown with, in one place: the provider page, the
comparison and the printed catalogue all use them, so the same fact is always in the same row.

A value is HTML-safe text, or None where the provider has not given it (the pages then say
"Information missing" / *Uppgift saknas*)."""

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .selectors import CatalogueEntry


def _names(items) -> SafeString | None:
    items = list(items)
    return format_html_join(", ", "{}", ((str(item),) for item in items)) if items else None


def _text(value: str) -> SafeString | None:
    return linebreaksbr(value, autoescape=True) if value else None


def print_cells(entry: CatalogueEntry) -> list[str | None]:
    """The columns of the printed catalogue."""
    languages = _names(entry.provider.languages.all())
    return [run_by(entry), takes_new_customers(entry), languages, contact(entry)]


def run_by(entry: CatalogueEntry) -> str:
    return _("The municipality's own provider") if entry.is_in_house else _("Private provider")


def takes_new_customers(entry: CatalogueEntry) -> str:
    return _("Yes") if entry.takes_new_customers else _("No, not at the moment")


def additional_services(entry: CatalogueEntry) -> SafeString | None:
    rows = [
        _("%(name)s: %(price)s kr per %(unit)s")
        % {"name": a.name, "price": number_format(a.price, 2), "unit": a.price_unit}
        for a in entry.provider.additional_services.all()
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows)) if rows else None


def contact(entry: CatalogueEntry) -> SafeString | None:
    p = entry.provider
    parts = []
    if p.phone:
        parts.append(format_html("{}", p.phone))
    if p.email:
        parts.append(format_html('<a href="mailto:{0}">{0}</a>', p.email))
    if p.website:
        parts.append(format_html('<a href="{0}" rel="noopener">{0}</a>', p.website))
    return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts)) or None


FIELDS = [
    (gettext_lazy("Run by"), run_by),
    (gettext_lazy("Services"), lambda e: _names(e.services)),
    (gettext_lazy("Areas"), lambda e: _names(a.name for a in e.areas)),
    (gettext_lazy("Takes new customers"), takes_new_customers),
    (
        gettext_lazy("Contract since"),
        lambda e: date_filter(e.contract_since, "j F Y") if e.contract_since else None,
    ),
    (gettext_lazy("Presentation"), lambda e: _text(e.provider.presentation)),
    (gettext_lazy("Languages spoken"), lambda e: _names(e.provider.languages.all())),
    (gettext_lazy("Specialisations"), lambda e: _names(e.provider.specialisations.all())),
    (gettext_lazy("Additional services"), additional_services),
    (gettext_lazy("Environmental profile"), lambda e: _text(e.provider.environmental_profile)),
    # Quality results come with the follow-up (survey results beside the municipality's average).
    (gettext_lazy("Quality results"), lambda e: None),
    (gettext_lazy("Contact"), contact),
]


def entry_fields(entry: CatalogueEntry) -> list[tuple[str, str | None]]:
    """(label, value) of every fixed field, for one provider."""
    return [(label, value(entry)) for label, value in FIELDS]


def comparison_rows(entries: list[CatalogueEntry]) -> list[tuple[str, list[str | None]]]:
    """(label, [value per provider]) of every fixed field, row by row."""
    return [(label, [value(e) for e in entries]) for label, value in FIELDS]
