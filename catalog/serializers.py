"""The catalogue as open data: one stable shape for JSON and CSV (docs/api/catalogue.md).

Bump API_VERSION (and the URL's v1) only for changes that break readers; adding a field is not
such a change."""

from .selectors import CatalogueEntry

API_VERSION = "1.0"


def quality_as_json(figures) -> list[dict]:
    """Published survey results only (never fewer than 5 answers: followup.selectors)."""
    return [
        {
            "indicator": f.indicator.code,
            "name": f.indicator.name,
            "unit": f.indicator.unit,
            "service": f.service_name,
            "year": f.year,
            "value": str(f.value),
            "respondents": f.respondents,
            "municipality_average": None if f.average is None else str(f.average),
        }
        for f in figures
    ]


def quality_as_text(figures) -> str:
    return " | ".join(
        f"{f.indicator.code} {f.year}: {str(f.value).replace('.', ',')} ({f.respondents})"
        for f in figures
    )


def entry_as_json(entry: CatalogueEntry, quality=()) -> dict:
    provider = entry.provider
    return {
        "id": provider.pk,
        "name": provider.name,
        "organisation_number": provider.organisation_number,
        "in_house": provider.is_in_house,
        "legal_form": provider.legal_form,
        "services": [{"code": s.code, "name": s.name} for s in entry.services],
        "areas": [{"id": a.pk, "name": a.name} for a in entry.areas],
        "contract_since": entry.contract_since.isoformat() if entry.contract_since else None,
        "takes_new_customers": entry.takes_new_customers,
        "presentation": provider.presentation,
        "languages": [{"code": lang.code, "name": lang.name} for lang in provider.languages.all()],
        "specialisations": [
            {"code": s.code, "name": s.name} for s in provider.specialisations.all()
        ],
        "additional_services": [
            {"name": a.name, "price_sek": str(a.price), "per": a.price_unit}
            for a in provider.additional_services.all()
        ],
        "environmental_profile": provider.environmental_profile,
        "contact": {
            "email": provider.email,
            "phone": provider.phone,
            "website": provider.website,
            "street_address": provider.street_address,
            "postal_code": provider.postal_code,
            "city": provider.city,
        },
        "quality": quality_as_json(quality),
    }


CSV_COLUMNS = [
    "id",
    "namn",
    "organisationsnummer",
    "egen_regi",
    "tjanster",
    "omraden",
    "kontrakt_sedan",
    "tar_emot_nya_kunder",
    "sprak",
    "inriktningar",
    "tillaggstjanster",
    "e_post",
    "telefon",
    "webbplats",
    "adress",
    "postnummer",
    "ort",
    "kvalitet",
]


def entry_as_csv_row(entry: CatalogueEntry, quality=()) -> list:
    provider = entry.provider
    return [
        provider.pk,
        provider.name,
        provider.organisation_number,
        "ja" if provider.is_in_house else "nej",
        ", ".join(s.name for s in entry.services),
        ", ".join(a.name for a in entry.areas),
        entry.contract_since.isoformat() if entry.contract_since else "",
        "ja" if entry.takes_new_customers else "nej",
        ", ".join(lang.name for lang in provider.languages.all()),
        ", ".join(s.name for s in provider.specialisations.all()),
        ", ".join(
            f"{a.name} ({a.price} kr/{a.price_unit})" for a in provider.additional_services.all()
        ),
        provider.email,
        provider.phone,
        provider.website,
        provider.street_address,
        provider.postal_code,
        provider.city,
        quality_as_text(quality),
    ]
