"""The providers issue's journey, end to end in Chromium, in Swedish:

the NoBo procurement officer publishes a request for applications; a company registers and
applies over two sittings (a renamed executable is refused and nothing else is lost); a reviewer
asks for completion; the provider completes and resubmits; Sotenäs' board approves and
Lysekil's rejects with reasons; each decision letter carries its reasons with å, ä, ö; the
contract exists with Sotenäs only and the provider is in Sotenäs' catalogue; a reviewer outside
the cooperation cannot open the application."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader
from stdnum import luhn

from lov_portal.accounts.constants import Role
from providers.constants import ContractStatus
from providers.models import Answer, Application, ApplicationMunicipality, Contract
from tests.browser.conftest import _context, axe_violations, log_in
from tests.factories import PASSWORD, MunicipalityFactory, user_with_role
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
    expect(page.get_by_text("Version 1 är publicerad.")).to_be_visible()


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


def review_and_request_completion(page, application_id: int) -> None:
    """Sotenäs' reviewer checks every requirement and asks for the whole insurance letter."""
    log_in(page, "namnd@sotenas.example")
    page.goto("/upphandling/granskning/")
    page.get_by_role("link", name=COMPANY).click()
    expect(page.get_by_text("Väntar på kommunen").first).to_be_visible()
    click(page, "Starta granskning")
    assess(page, application_id, not_met="Ansvarsförsäkring")
    page.fill("[name=message]", "Försäkringsbrevet saknar sidan med försäkringsbeloppet.")
    click(page, "Skicka begäran till utföraren")
    page.wait_for_load_state()
    assert axe_violations(page) == []


def assess(page, application_id: int, *, not_met: str | None = None) -> None:
    for answer in Answer.objects.filter(application_id=application_id).select_related(
        "requirement"
    ):
        result = "not_met" if not_met and not_met in answer.requirement.text else "met"
        page.check(f"[name=result_{answer.pk}][value={result}]")
        if result == "not_met":
            page.fill(f"[name=comment_{answer.pk}]", "Sidan två saknas i försäkringsbrevet.")
    click(page, "Spara bedömningarna")
    page.wait_for_load_state()


def complete_and_resubmit(page, application_id: int) -> None:
    page.goto(f"/utforarportal/ansokningar/{application_id}/")
    expect(
        page.get_by_text("Försäkringsbrevet saknar sidan med försäkringsbeloppet.")
    ).to_be_visible()
    page.get_by_role("link", name="Komplettera ansökan").click()
    page.get_by_role("link", name="Grundkrav").first.click()
    page.locator("input[type=file]").set_input_files(pdf("försäkringsbrev-komplett.pdf"))
    click(page, "Spara och fortsätt")
    page.wait_for_url("**/skicka-in/")
    page.get_by_label("Ditt svar till kommunen").fill("Hela försäkringsbrevet är uppladdat.")
    click(page, "Svara och skicka in igen")
    page.wait_for_url(re.compile(r"/utforarportal/ansokningar/\d+/$"))


def decide(page, application_id: int, municipality: str, *, approve: bool, reasons=""):
    decision = ApplicationMunicipality.objects.get(
        application_id=application_id, municipality__name=municipality
    )
    page.goto(f"/upphandling/ansokningar/{application_id}/")
    prefix = f"decision-{decision.pk}"
    page.check(f"[name={prefix}-outcome][value={'approve' if approve else 'reject'}]")
    page.fill(f"[name={prefix}-board_reference]", f"ON 2026/{decision.pk}")
    page.fill(f"[name={prefix}-reasons]", reasons)
    click(page, "Registrera beslutet")
    page.wait_for_load_state()
    assert axe_violations(page) == []


def letter_text(page, municipality: str) -> str:
    decision = ApplicationMunicipality.objects.get(
        application__provider__name=COMPANY, municipality__name=municipality
    )
    response = page.request.get(f"/beslut/{decision.pk}/brev.pdf")
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    # Lines wrap in the PDF: compare words, not line breaks.
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


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

    sotenas_board = new_page(browser, live_server)
    review_and_request_completion(sotenas_board, application_id)
    complete_and_resubmit(provider, application_id)

    # The reviewer takes the resubmitted application up again; both boards decide.
    sotenas_board.goto(f"/upphandling/ansokningar/{application_id}/")
    click(sotenas_board, "Starta granskning")
    assess(sotenas_board, application_id)
    decide(sotenas_board, application_id, "Sotenäs", approve=True)
    lysekil_board = new_page(browser, live_server)
    log_in(lysekil_board, "namnd@lysekil.example")
    decide(lysekil_board, application_id, "Lysekil", approve=False, reasons=REJECTION)

    # The provider sees both decisions and gets a letter from each, with the reasons.
    provider.goto(f"/utforarportal/ansokningar/{application_id}/")
    assert provider.get_by_role("link", name="Ladda ner (PDF)").count() == 2
    assert REJECTION in letter_text(provider, "Lysekil")
    assert "förvaltningsrätten" in letter_text(provider, "Lysekil")
    assert "Sotenäs" in letter_text(provider, "Sotenäs")

    # A contract with Sotenäs only, and the provider is in Sotenäs' catalogue only.
    contracts = Contract.objects.filter(provider__name=COMPANY)
    assert [c.municipality.name for c in contracts] == ["Sotenäs"]
    assert contracts.get().status == ContractStatus.ACTIVE
    provider.goto("/utforarportal/avtal/")
    expect(provider.get_by_text("Sotenäs").first).to_be_visible()
    assert provider.get_by_text("Lysekil").count() == 0
    provider.goto("/katalog/1427/")
    expect(provider.get_by_role("link", name=COMPANY)).to_be_visible()
    provider.goto("/katalog/1484/")
    assert provider.get_by_role("link", name=COMPANY).count() == 0

    # Nobody outside the cooperation or the provider can see the application or its files.
    stromstad = MunicipalityFactory(code="1486", name="Strömstad")
    outsider_user = user_with_role(Role.BOARD_REVIEWER, municipality=stromstad)
    other_provider = user_with_role(Role.PROVIDER_USER)
    document = Answer.objects.filter(application_id=application_id, document__isnull=False)
    urls = [
        f"/upphandling/ansokningar/{application_id}/",
        f"/utforarportal/ansokningar/{application_id}/",
        f"/dokument/{document.first().document_id}/",
        *(f"/beslut/{d.pk}/brev.pdf" for d in ApplicationMunicipality.objects.all()),
    ]
    for user in (outsider_user, other_provider):
        outsider = new_page(browser, live_server)
        log_in(outsider, user.email, PASSWORD)
        for url in urls:
            assert outsider.request.get(url).status == 404, (user, url)
        outsider.context.close()
