"""A needs assessor finds a citizen by personnummer, registers one, and reads the record; the
pages pass axe-core."""

from tests.browser.conftest import axe_violations, log_in


def test_assessor_registers_and_finds_a_citizen(page, demo_data):
    log_in(page, "bistand@tanum.example")
    page.goto("/bistand/")
    page.get_by_role("link", name="Sök eller registrera brukare").click()
    page.get_by_label("Personnummer").fill("19121212-1213")
    page.get_by_role("button", name="Sök").click()
    assert page.get_by_text("Kontrollsiffran är fel").is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Personnummer").fill("20170101-2393")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="Registrera brukaren").click()
    assert page.get_by_label("Personnummer").input_value() == "201701012393"
    page.get_by_label("Förnamn").fill("Tyra")
    page.get_by_label("Efternamn").fill("Testsson")
    page.get_by_label("Gatuadress").fill("Strandgatan 3")
    page.get_by_label("Postnummer").fill("457 95")
    page.get_by_label("Ort").fill("Grebbestad")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara").click()

    assert page.get_by_role("heading", name="Tyra Testsson").is_visible()
    assert page.get_by_text("20170101-2393").is_visible()
    assert page.get_by_text("Grebbestad").first.is_visible()
    assert axe_violations(page) == []

    page.goto("/bistand/brukare/?identity_number=170101-2393")
    assert page.get_by_role("heading", name="Tyra Testsson").is_visible()

    # A decision granting 20 hours of personal care and 4 of service a month.
    page.get_by_role("link", name="Nytt beslut").click()
    page.get_by_label("Gäller från").fill("2026-12-01")
    page.select_option("[name=services-0-service_type]", label="Hemtjänst – omvårdnad")
    page.fill("[name=services-0-granted_hours]", "20")
    page.select_option("[name=services-1-service_type]", label="Hemtjänst – service")
    page.fill("[name=services-1-granted_hours]", "4")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara utkast").click()
    assert page.get_by_text("Beslutet är sparat som utkast.").is_visible()
    page.get_by_role("button", name="Fatta beslut").click()
    assert page.get_by_text("Beslutet är fattat.").is_visible()
    assert axe_violations(page) == []
    pdf = page.request.get(
        page.get_by_role("link", name="Skriv ut beslutet (PDF)").get_attribute("href")
    )
    assert pdf.body().startswith(b"%PDF")
