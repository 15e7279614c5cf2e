"""The quality follow-up journey in Munkedal (issue 8), on the demo data:

1. The quality officer imports this year's survey results; the catalogue shows the private
   provider's result beside the municipality's average, with the year and the answers.
2. She plans a follow-up visit of the private provider, records two findings (one asks for an
   action plan by a deadline) and marks the visit carried out; the provider answers with an
   action plan in its portal; she accepts it.
3. A relative reports missed visits through the public form (no login); the provider sees the
   case about itself; the officer answers and closes it.
4. She starts the year's quality report for the whole cooperation and follows its progress
   until the PDF can be downloaded.
5. The board opens the statistics page for Munkedal and downloads the CSV.

axe-core on the pages along the way."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from followup import services
from followup.models import Case, QualityReport
from providers.models import Provider
from tests.browser.conftest import axe_violations, log_in

BOHUS = "Hemtjänstkooperativet Bohus ek. för."
IN_HOUSE = "Munkedals kommun – hemtjänst i egen regi"


def test_quality_follow_up_in_munkedal(
    page, browser, live_server, demo_data, tmp_path, monkeypatch
):
    bohus = Provider.objects.get(name=BOHUS)
    in_house = Provider.objects.get(name=IN_HOUSE)
    year = timezone.localdate().year
    today = timezone.localdate()

    # 1. Survey results: a file with a bad row first (nothing imported, the line named).
    log_in(page, "kvalitet@munkedal.example")
    page.goto("/uppfoljning/")
    page.get_by_role("link", name="Enkätresultat").click()
    page.get_by_role("link", name="Importera en CSV-fil").click()
    assert axe_violations(page) == []
    header = "organisationsnummer;tjanst;indikator;ar;varde;antal_svar"
    rows = [
        f"{bohus.organisation_number};hemtjanst-omvardnad;overall_satisfaction;{year};91;40",
        f"{in_house.organisation_number};hemtjanst-omvardnad;overall_satisfaction;{year};85;60",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, *rows, "556000-0000;x;nki;2026;50;10"]) + "\n")
    page.get_by_label("Kommun").select_option(label="Munkedal")
    page.get_by_role("spinbutton", name="År").fill(str(year))
    page.get_by_label("CSV-fil med enkätresultat").set_input_files(str(bad))
    page.get_by_role("button", name="Importera filen").click()
    expect(page.get_by_text("Inget importerades")).to_be_visible()
    errors = page.get_by_role("table", name="Varje felaktig rad med radnummer och orsak")
    assert errors.get_by_role("rowheader").all_inner_texts() == ["4"]
    assert axe_violations(page) == []
    good = tmp_path / "good.csv"
    good.write_text("\n".join([header, *rows]) + "\n")
    page.get_by_role("link", name="Importera en rättad fil").click()
    page.get_by_role("spinbutton", name="År").fill(str(year))
    page.get_by_label("CSV-fil med enkätresultat").set_input_files(str(good))
    page.get_by_role("button", name="Importera filen").click()
    expect(page.get_by_text("Filen är importerad: 0 nya resultat, 2 ändrade.")).to_be_visible()

    # The catalogue: 91 % beside the average (91 × 40 + 85 × 60) / 100 = 87,4 %.
    catalogue = browser.new_context(base_url=live_server.url).new_page()
    catalogue.goto(f"/katalog/1430/utforare/{bohus.pk}/")
    quality = catalogue.get_by_role("table", name="Utförarens kvalitetsresultat")
    overall = quality.get_by_role("row", name="Nöjd med hemtjänsten som helhet")
    expect(overall).to_contain_text("91 %")
    expect(overall).to_contain_text(f"Hemtjänst – omvårdnad, {year}, 40 svar")
    expect(overall).to_contain_text("Kommunens genomsnitt: 87,4 %")
    assert axe_violations(catalogue) == []
    catalogue.context.close()

    # 2. A follow-up visit of the private provider with two findings.
    page.goto("/uppfoljning/")
    page.get_by_role("link", name="Uppföljningsbesök").click()
    page.get_by_role("link", name="Planera ett besök").click()
    assert axe_violations(page) == []
    page.get_by_label("Utförare").select_option(label=BOHUS)
    page.get_by_label("Planerat datum").fill(today.isoformat())
    page.get_by_label("Syfte").fill("Årlig uppföljning av avtalet.")
    page.get_by_role("button", name="Planera besöket").click()
    expect(page.get_by_role("heading", name="Checklista")).to_be_visible()
    deadline = today + datetime.timedelta(days=30)
    page.locator("#id_finding_text").fill("Genomförandeplaner saknas för två kunder.")
    page.get_by_label("Allvarlighetsgrad").select_option(label="Hög")
    page.get_by_label("Utföraren ska svara med en åtgärdsplan").check()
    page.get_by_label("Åtgärdsplan senast").fill(deadline.isoformat())
    page.get_by_role("button", name="Registrera iakttagelsen").click()
    expect(page.get_by_text("Genomförandeplaner saknas för två kunder.")).to_be_visible()
    page.locator("#id_finding_text").fill("Nyckelhanteringen dokumenteras inte.")
    page.get_by_label("Allvarlighetsgrad").select_option(label="Låg")
    page.get_by_role("button", name="Registrera iakttagelsen").click()
    expect(page.get_by_text("Nyckelhanteringen dokumenteras inte.")).to_be_visible()
    page.get_by_label("Genomfört den").fill(today.isoformat())
    page.get_by_label("Sammanfattning").fill("Besök hos utföraren, tio akter granskade.")
    page.get_by_role("button", name="Besöket är genomfört").click()
    expect(page.get_by_text("Besök hos utföraren, tio akter granskade.")).to_be_visible()
    assert axe_violations(page) == []

    # The provider answers the finding with an action plan.
    provider = browser.new_context(base_url=live_server.url).new_page()
    log_in(provider, "kontakt@bohuskooperativet.example")
    provider.goto("/utforarportal/")
    provider.get_by_role("link", name="Uppföljning: iakttagelser och åtgärdsplaner").click()
    assert axe_violations(provider) == []
    provider.get_by_role("link", name="Genomförandeplaner saknas för två kunder.").click()
    provider.locator("textarea[name=text]").fill(
        "Planerna upprättas med kunderna inom två veckor; teamledaren följer upp varje månad."
    )
    provider.get_by_label("Åtgärderna klara senast").fill(
        (today + datetime.timedelta(days=14)).isoformat()
    )
    provider.get_by_role("button", name="Skicka åtgärdsplanen").click()
    expect(provider.get_by_text("teamledaren följer upp varje månad").first).to_be_visible()
    assert axe_violations(provider) == []

    # The officer accepts the plan.
    page.get_by_role("link", name="Genomförandeplaner saknas för två kunder.").click()
    expect(page.get_by_text("teamledaren följer upp varje månad").first).to_be_visible()
    page.get_by_role("button", name="Godkänn åtgärdsplanen").click()
    expect(page.get_by_text("Åtgärdsplanen är godkänd.")).to_be_visible()
    assert axe_violations(page) == []

    # 3. A relative's complaint through the public form, without logging in.
    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto("/synpunkter/")
    public.click("a[href='/synpunkter/1430/']")
    public.select_option("[name=provider]", label=BOHUS)
    public.fill("[name=subject]", "Uteblivna besök")
    public.fill("[name=description]", "Ingen kom på tisdag och onsdag morgon.")
    public.fill("[name=contact_email]", "eva@example.se")
    assert axe_violations(public) == []
    public.click("#complaint-form button[type=submit]")
    case = Case.objects.get(subject="Uteblivna besök", contact_email="eva@example.se")
    expect(public.locator("#complaint-receipt")).to_contain_text(case.reference)
    public.context.close()

    # It reaches the provider, which sees it among the cases about itself.
    provider.goto("/utforarportal/uppfoljning/arenden/")
    expect(provider.get_by_text(case.reference)).to_be_visible()
    provider.context.close()

    # The officer takes it, answers and closes it.
    page.goto("/uppfoljning/arenden/")
    page.click(f"a[href='/uppfoljning/arenden/{case.pk}/']")
    page.click("button[name=take]")
    page.check("[name=to][value=answered]")
    page.fill("[name=reply]", "Vi har talat med utföraren, som har rättat schemat.")
    page.click("#case-transition-form button[type=submit]")
    expect(page.locator("#case-reply")).to_contain_text("rättat schemat")
    page.check("[name=to][value=closed]")
    page.click("#case-transition-form button[type=submit]")
    expect(page.locator("#case-transition-form")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == "closed"

    # 4. The quality report for the cooperation: held back to watch the progress, then made.
    monkeypatch.setattr("followup.services._report_enqueue", lambda report: None)
    page.goto("/uppfoljning/")
    page.get_by_role("link", name="Kvalitetsredovisningar").click()
    page.get_by_label("Kommun eller samverkan").select_option(
        label="Norra Bohuslän (NoBo) (samverkan)"
    )
    page.get_by_role("spinbutton", name="År").fill(str(year))
    page.get_by_role("button", name="Ta fram redovisningen").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert axe_violations(page) == []
    report = QualityReport.objects.get()
    services.quality_report_render(report_id=report.pk)
    # The page polls the progress and reloads itself when the report is ready.
    download = page.locator("#report-download")
    download.wait_for(timeout=30_000)
    pdf = page.request.get(download.get_attribute("href"))
    assert pdf.body().startswith(b"%PDF")
    assert axe_violations(page) == []

    # 5. The board's statistics for Munkedal.
    board = browser.new_context(base_url=live_server.url).new_page()
    log_in(board, "namnd@munkedal.example")
    board.get_by_role("link", name="Nämndstatistik").first.click()
    board.get_by_role("button", name="Visa").click()
    expect(board.locator("#table-choices")).to_be_visible()
    expect(board.locator("#table-providers")).to_be_visible()
    assert axe_violations(board) == []
    csv_response = board.request.get(board.locator("#statistics-csv").get_attribute("href"))
    assert csv_response.ok and csv_response.body().startswith("\ufeff".encode())
    board.context.close()
