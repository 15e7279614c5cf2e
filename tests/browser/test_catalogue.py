"""The customer-choice catalogue in Chromium: filter by postal code and language, open a
provider, compare three, print the catalogue for a decision; a suspended provider appears
nowhere; axe-core finds no WCAG 2.1 AA violation on any of these pages."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lov_portal.core.models import Area, Municipality, ServiceType
from providers.constants import ContractStatus
from providers.models import AdditionalService, Language
from tests.browser.conftest import axe_violations
from tests.factories import ContractFactory, ProviderFactory

SUSPENDED = "Avstängda Omsorgen AB"


def _reference_data():
    """Browser tests run on a flushed database: put back what the data migration provides."""
    from importlib import import_module

    from django.apps import apps

    module = import_module("providers.migrations.0004_reference_languages_and_specialisations")
    module.add_reference_data(apps, None)


@pytest.fixture
def sotenas_catalogue(demo_data):
    _reference_data()
    sotenas = Municipality.objects.get(code="1427")
    kungshamn = Area.objects.get(municipality=sotenas, name="Kungshamn och Väjern")
    smogen = Area.objects.get(municipality=sotenas, name="Smögen")
    care = ServiceType.objects.get(code="hemtjanst-omvardnad")
    finnish = Language.objects.get(code="fi")
    for name, areas, speaks_finnish, status in [
        ("Älvans Omsorg AB", [kungshamn], True, ContractStatus.ACTIVE),
        ("Bättre Hemtjänst AB", [kungshamn, smogen], False, ContractStatus.ACTIVE),
        ("Kustomsorg i Smögen AB", [smogen], True, ContractStatus.ACTIVE),
        (SUSPENDED, [kungshamn], True, ContractStatus.SUSPENDED),
    ]:
        provider = ProviderFactory(name=name, presentation=f"{name} arbetar i Sotenäs.")
        if speaks_finnish:
            provider.languages.add(finnish)
        AdditionalService.objects.create(provider=provider, name="Fönsterputs", price=Decimal(450))
        ContractFactory(
            provider=provider,
            municipality=sotenas,
            service_types=[care],
            areas=areas,
            status=status,
        )


def test_choose_compare_and_print(page, sotenas_catalogue):
    page.goto("/katalog/")
    page.get_by_role("link", name="Sotenäs").click()
    page.wait_for_url("**/katalog/1427/")
    assert axe_violations(page) == []
    assert SUSPENDED not in page.content()

    # Filter by postal code and language: the filters land in the URL.
    page.get_by_label("Postnummer eller adress").fill("456 32")
    page.get_by_label("Språk", exact=True).select_option(label="finska")
    page.get_by_role("button", name="Visa utförare").click()
    page.wait_for_url("**/katalog/1427/?*address=456+32*")
    assert "language=fi" in page.url
    listed = page.locator("h3.card-title").all_inner_texts()
    assert listed == ["Älvans Omsorg AB"]
    assert axe_violations(page) == []

    page.get_by_role("link", name="Älvans Omsorg AB").click()
    expect(page.get_by_role("heading", name="Älvans Omsorg AB")).to_be_visible()
    expect(page.get_by_text("Fönsterputs: 450,00 kr per timme")).to_be_visible()
    assert axe_violations(page) == []

    # Compare three, from the unfiltered list.
    page.goto("/katalog/1427/")
    for name in ["Älvans Omsorg AB", "Bättre Hemtjänst AB", "Kustomsorg i Smögen AB"]:
        page.get_by_label(f"Jämför {name}").check()
    page.get_by_role("button", name="Jämför valda utförare").click()
    page.wait_for_url("**/jamfor/?*")
    headers = page.locator("thead th").all_inner_texts()
    assert headers == ["Bättre Hemtjänst AB", "Kustomsorg i Smögen AB", "Älvans Omsorg AB"]
    assert axe_violations(page) == []

    # Print for a decision: area and services, then the PDF.
    page.goto("/katalog/1427/")
    page.get_by_role("link", name="Skriv ut katalogen vid ett beslut").click()
    page.get_by_label("Område").select_option(label="Kungshamn och Väjern")
    page.get_by_label("Hemtjänst – omvårdnad").check()
    page.get_by_role("button", name="Visa katalogen").click()
    expect(page.get_by_role("heading", name="Om du inte väljer")).to_be_visible()
    expect(page.get_by_text("Kommunens egen utförare").first).to_be_visible()
    assert SUSPENDED not in page.content()
    assert axe_violations(page) == []
    pdf = page.request.get(page.get_by_role("link", name="Ladda ner som PDF").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_the_catalogue_works_without_javascript(page_without_js, sotenas_catalogue):
    page = page_without_js
    page.goto("/katalog/1427/?language=fi")
    assert page.locator("h3.card-title").all_inner_texts() == [
        "Kustomsorg i Smögen AB",
        "Älvans Omsorg AB",
    ]
    page.get_by_label("Ordning").select_option(label="Slumpad ordning")
    page.get_by_role("button", name="Visa utförare").click()
    assert "seed=" in page.url
    assert sorted(page.locator("h3.card-title").all_inner_texts()) == [
        "Kustomsorg i Smögen AB",
        "Älvans Omsorg AB",
    ]


@pytest.mark.parametrize("path", ["/katalog/1427/", "/katalog/1427/jamfor/"])
def test_the_catalogue_fits_a_phone(browser, live_server, sotenas_catalogue, path):
    from tests.browser.conftest import _context

    context = _context(browser, live_server, viewport={"width": 375, "height": 740})
    page = context.new_page()
    ids = "&".join(f"provider={p}" for p in _provider_ids(3))
    page.goto(path + ("?" + ids if "jamfor" in path else ""))
    # Nothing but the comparison table (which scrolls on its own) is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    assert axe_violations(page) == []
    context.close()


def _provider_ids(n: int) -> list[int]:
    from providers.models import Provider

    return list(
        Provider.objects.filter(
            name__in=["Älvans Omsorg AB", "Bättre Hemtjänst AB", "Kustomsorg i Smögen AB"]
        ).values_list("pk", flat=True)[:n]
    )
