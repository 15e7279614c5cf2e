"""A needs assessor in Tanum finds or registers a citizen by personnummer, decides 20 hours of
personal care and 4 of service a month, prints the decision, and records the provider the
citizen chose; the provider sees the order and confirms the start date. axe-core on each page."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, log_in


def test_assessor_registers_and_finds_a_citizen(page, demo_data):
    # The decision applies from the first of next month, whenever the test runs: the order's
    # requested start is then that day, and the provider may confirm no earlier start.
    valid_from = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    two_months_later = (valid_from + datetime.timedelta(days=62)).replace(day=1)
    log_in(page, "bistand@tanum.example")
    page.goto("/bistand/")
    page.get_by_role("link", name="Sök eller registrera brukare").click()
    page.get_by_label("Personnummer").fill("19121212-1213")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_text("Kontrollsiffran är fel")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Personnummer").fill("20170101-2393")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="Registrera brukaren").click()
    assert page.get_by_label("Personnummer").input_value() == "201701012393"
    page.get_by_label("Förnamn").fill("Tyra")
    page.get_by_label("Efternamn").fill("Testsson")
    page.get_by_label("Gatuadress").fill("Strandgatan 3")
    page.get_by_label("Postnummer").fill("457 72")
    page.get_by_label("Ort").fill("Grebbestad")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("heading", name="Tyra Testsson")).to_be_visible()
    expect(page.get_by_text("20170101-2393")).to_be_visible()
    expect(page.get_by_text("Grebbestad").first).to_be_visible()
    assert axe_violations(page) == []

    page.goto("/bistand/brukare/?identity_number=170101-2393")
    expect(page.get_by_role("heading", name="Tyra Testsson")).to_be_visible()

    # A decision granting 20 hours of personal care and 4 of service a month.
    page.get_by_role("link", name="Nytt beslut").click()
    page.get_by_label("Gäller från").fill(valid_from.isoformat())
    page.select_option("[name=services-0-service_type]", label="Hemtjänst – omvårdnad")
    page.fill("[name=services-0-granted_hours]", "20")
    page.select_option("[name=services-1-service_type]", label="Hemtjänst – service")
    page.fill("[name=services-1-granted_hours]", "4")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Beslutet är sparat som utkast.")).to_be_visible()
    page.get_by_role("button", name="Fatta beslut").click()
    expect(page.get_by_text("Beslutet är fattat.")).to_be_visible()
    assert axe_violations(page) == []
    pdf = page.request.get(
        page.get_by_role("link", name="Skriv ut beslutet (PDF)").get_attribute("href")
    )
    assert pdf.body().startswith(b"%PDF")

    # The assessor prints the catalogue for the citizen's area and granted services.
    catalogue = page.get_by_role(
        "link", name="Skriv ut katalogen för brukarens område och insatser"
    )
    printed = page.context.new_page()
    printed.goto(catalogue.get_attribute("href"))
    expect(printed.get_by_role("heading", name="Välj utförare – Tanum")).to_be_visible()
    expect(printed.get_by_text("Kustens Hemtjänst AB").first).to_be_visible()
    assert axe_violations(printed) == []
    printed.close()

    # The citizen, helped by a relative, chooses Kustens Hemtjänst for personal care.
    care = page.get_by_role("region", name=re.compile("Hemtjänst – omvårdnad"))
    care.get_by_label("Vald utförare").select_option(label="Kustens Hemtjänst AB")
    care.get_by_label("Vem som hjälpte till att välja").select_option(label="En anhörig")
    care.get_by_role("button", name="Registrera valet och skicka beställningen").click()
    expect(page.get_by_text("Valet är registrerat och beställningen skickad.")).to_be_visible()
    assert axe_violations(page) == []

    # The provider sees the order and confirms the start date.
    provider = page.context.browser.new_context(base_url=page.url.split("/bistand")[0]).new_page()
    log_in(provider, "kontakt@kustenshemtjanst.example")
    provider.goto("/utforarportal/bestallningar/")
    provider.get_by_role("link", name="Tyra Testsson").click()
    expect(provider.get_by_text("Strandgatan 3")).to_be_visible()
    assert axe_violations(provider) == []
    provider.get_by_label("Startdatum som har avtalats med brukaren").fill(
        (valid_from + datetime.timedelta(days=2)).isoformat()
    )
    provider.get_by_role("button", name="Bekräfta beställningen").click()
    expect(provider.get_by_text("Beställningen är bekräftad.")).to_be_visible()
    provider.context.close()

    # Two months later the citizen switches to the municipality's own provider.
    page.reload()
    care = page.get_by_role("region", name=re.compile("Hemtjänst – omvårdnad"))
    care.get_by_label("Vald utförare").select_option(label="Tanums kommun – hemtjänst i egen regi")
    care.get_by_label("Datum för valet").fill(two_months_later.isoformat())
    care.get_by_label("Skäl för bytet av utförare").select_option(label="Flyttat inom kommunen")
    care.get_by_role("button", name="Registrera byte av utförare").click()
    expect(page.get_by_text("Valet är registrerat och beställningen skickad.")).to_be_visible()
    care = page.get_by_role("region", name=re.compile("Hemtjänst – omvårdnad"))
    expect(care.get_by_text("Beställd från Tanums kommun – hemtjänst i egen regi")).to_be_visible()


def test_a_citizen_who_does_not_choose_gets_the_no_choice_alternative(page, demo_data):
    from assessments import services
    from lov_portal.accounts.models import User
    from lov_portal.core.models import Municipality, ServiceType

    assessor = User.objects.get(email="bistand@tanum.example")
    citizen = services.citizen_register(
        identity_number="19121212-1212",
        municipality=Municipality.objects.get(code="1435"),
        first_name="Tolvan",
        last_name="Tolvansson",
        postal_code="45772",
        actor=assessor,
    )
    decision = services.decision_draft_create(
        citizen=citizen,
        valid_from=datetime.date(2026, 12, 1),
        services=[(ServiceType.objects.get(code="hemtjanst-service"), 4, "hours_per_month")],
        actor=assessor,
    )
    services.decision_decide(
        decision=decision, decision_date=datetime.date(2026, 11, 23), actor=assessor
    )

    log_in(page, "bistand@tanum.example")
    page.goto(f"/bistand/beslut/{decision.pk}/")
    page.get_by_role("button", name=re.compile("Brukaren väljer inte")).click()
    expect(page.get_by_text("Ickevalsalternativet gav")).to_be_visible()
    # Tanum's rule is a fixed turn order; the record says so.
    expect(
        page.get_by_text("Brukaren valde inte: ickevalsalternativ, Fast turordning")
    ).to_be_visible()
    assert axe_violations(page) == []
