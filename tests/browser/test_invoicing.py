"""A provider sends this month's visits as a CSV file (a bad row first: nothing imported, the
line named; then the fixed file). Finance in Tanum runs the month for providers on both payment
bases: follows the progress bar while the providers' tasks run, sees the bases, answers a
provider's dispute, approves and downloads the SIE file, a PDF and an e-invoice. The provider
sees only its own basis. axe-core on each page.

The month is the current one: the import registers visits now, and a past month's visits sent
today would be after its cut-off (not paid), so the scenario moves with the calendar."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import InvoiceRun
from billing.rules import is_weekend_or_holiday
from tests.billing.run_factories import build_month, order_for
from tests.browser.conftest import axe_violations, log_in
from tests.factories import PASSWORD


@pytest.fixture
def month(transactional_db):
    s = build_month()
    first = timezone.localdate().replace(day=1)
    s["first"] = first
    # A working day of the month: 08:00 is a day visit and 19:00 an evening one.
    s["workday"] = next(
        day
        for day in (first + datetime.timedelta(days=n) for n in range(10))
        if not is_weekend_or_holiday(day)
    )
    s["order"] = order_for(s, s["performed"], n=1, hours=20, starts=first)
    order_for(s, s["granted"], n=2, hours=30, starts=first)
    return s


def send_visits(page, path, rows):
    path.write_text(
        "besoks_id;bestallning;datum;start;slut;personal;typ\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV-fil med besök").set_input_files(str(path))
    page.get_by_role("button", name="Importera filen").click()


def test_finance_runs_a_month_and_the_provider_disputes_a_line(
    page, browser, live_server, month, monkeypatch, tmp_path
):
    ref = month["order"].reference
    day, label = month["workday"].isoformat(), f"{month['first']:%Y-%m}"
    provider_context = browser.new_context(base_url=live_server.url)
    provider = provider_context.new_page()
    log_in(provider, month["performed_user"].email, PASSWORD)
    provider.goto("/utforarportal/")
    provider.get_by_role("link", name="Utförd tid: skicka besök").click()
    assert axe_violations(provider) == []
    good = [
        f"v1;{ref};{day};08:00;09:00;1;utford",
        f"v2;{ref};{day};19:00;19:20;1;utford",
    ]
    send_visits(provider, tmp_path / "bad.csv", [*good, f"v3;B999999;{day};08:00;09:00;1;utford"])
    expect(provider.get_by_text("Inget importerades")).to_be_visible()
    errors = provider.get_by_role("table", name="Varje felaktig rad med radnummer och orsak")
    assert errors.get_by_role("rowheader").all_inner_texts() == ["4"]  # the bad row's line
    assert "B999999" in errors.inner_text()
    assert axe_violations(provider) == []
    provider.goto("/utforarportal/tid/")
    send_visits(provider, tmp_path / "good.csv", good)
    expect(provider.get_by_text("Filen är importerad: 2 nya besök")).to_be_visible()

    # The providers' tasks are held back, to watch the progress bar move as they run.
    monkeypatch.setattr("billing.services._enqueue", lambda run, provider_ids: None)
    log_in(page, month["finance"].email, PASSWORD)
    page.goto("/ersattning/")
    page.get_by_role("link", name="Fakturakörningar").click()
    assert axe_violations(page) == []
    page.get_by_label("Kommun").select_option(label=str(month["municipality"]))
    page.get_by_role("textbox", name="Månad").fill(label)
    page.get_by_role("button", name="Starta fakturakörningen").click()
    expect(page.get_by_text("Fakturakörningen har startat.")).to_be_visible()
    progress = page.get_by_role("progressbar")
    assert progress.get_attribute("aria-valuenow") == "0"
    expect(page.get_by_text("0 av 2 utförare beräknade")).to_be_visible()
    assert axe_violations(page) == []

    run = InvoiceRun.objects.get()
    services.invoice_basis_compute(run_id=run.pk, provider_id=month["performed"].pk)
    page.get_by_text("1 av 2 utförare beräknade").wait_for()
    services.invoice_basis_compute(run_id=run.pk, provider_id=month["granted"].pk)
    # The page reloads itself when the run is done.
    page.get_by_text("Preliminär, väntar på attest", exact=True).wait_for()
    table = page.get_by_role("table", name="Körningens fakturaunderlag")
    assert table.get_by_role("row", name="Utförd Omsorg 1435 AB").get_by_text("Utförd tid").count()
    assert (
        table.get_by_role("row", name="Beviljad Omsorg 1435 AB").get_by_text("Beviljad tid").count()
    )
    assert axe_violations(page) == []

    # The provider on performed time sees its own basis, with its customer's name, and
    # disputes the evening line.
    provider.goto("/utforarportal/")
    provider.get_by_role("link", name="Fakturaunderlag").click()
    bases = provider.get_by_role("table")
    # Waits for the page the click opened (a bare count could read the page before it).
    expect(bases.get_by_text("Utförd Omsorg 1435 AB")).to_have_count(1)
    assert bases.get_by_text("Beviljad Omsorg 1435 AB").count() == 0
    bases.get_by_role("link").first.click()
    expect(provider.get_by_text("Kund1 Testsson").first).to_be_visible()
    assert axe_violations(provider) == []
    evening = provider.locator("details").nth(1)  # the second line: evening
    evening.get_by_text("Invänd mot raden").click()
    evening.get_by_label("Vad är fel på raden?").fill("Besöket var 45 minuter.")
    evening.get_by_role("button", name="Skicka kommentaren").click()
    expect(provider.get_by_text("Din kommentar är skickad till kommunen.")).to_be_visible()
    provider_context.close()

    # Finance cannot approve before answering; answers; approves.
    page.get_by_role("button", name="Attestera körningen").click()
    expect(page.get_by_text("Besvara utförarnas öppna invändningar")).to_be_visible()
    page.get_by_role("link", name="Utförd Omsorg 1435 AB").click()
    expect(page.get_by_text("Besöket var 45 minuter.")).to_be_visible()
    assert page.get_by_text("Kund1").count() == 0  # finance sees the reference only
    page.get_by_label("Svar till utföraren").fill("Tiden kommer från er egen registrering.")
    page.get_by_role("button", name="Skicka svaret").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"Fakturakörning {label}").click()
    page.get_by_role("button", name="Attestera körningen").click()
    expect(page.get_by_text("Körningen är attesterad. Fakturorna är slutliga.")).to_be_visible()
    expect(page.get_by_text("Attesterad", exact=True)).to_be_visible()

    # The ledger file for the run and, per basis, the PDF and the e-invoice.
    sie = page.request.get(
        page.get_by_role("link", name="Bokföringsfil (SIE 4)").get_attribute("href")
    )
    assert sie.body().decode("cp437").startswith("#FLAGGA 0")
    page.get_by_role("link", name="Beviljad Omsorg 1435 AB").click()
    pdf = page.request.get(
        page.get_by_role("link", name="Fakturaunderlag (PDF)").get_attribute("href")
    )
    assert pdf.body().startswith(b"%PDF")
    ubl = page.request.get(
        page.get_by_role("link", name="E-faktura (Peppol UBL)").get_attribute("href")
    )
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in ubl.body()
    assert axe_violations(page) == []
