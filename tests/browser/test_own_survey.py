"""An own survey in Munkedal: the quality officer writes it, opens it and makes a link; a
customer answers without logging in and without JavaScript, once; closing stores the result.
axe-core on each page."""

from playwright.sync_api import expect

from followup.models import OwnSurveyResponse
from tests.browser.conftest import axe_violations, log_in

BOHUS = "Hemtjänstkooperativet Bohus ek. för."


def test_own_survey_by_link(page, browser, live_server, demo_data):
    log_in(page, "kvalitet@munkedal.example")
    page.goto("/uppfoljning/enkater/")
    page.get_by_role("link", name="Egna enkäter").click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Ny enkät").click()
    page.locator("[name=provider]").select_option(label=BOHUS)
    page.locator("[name=service_type]").select_option(label="Hemtjänst – omvårdnad")
    page.locator("[name=year]").fill("2026")
    page.locator("[name=title]").fill("Hur har hösten varit?")
    page.locator("[name=question_1]").fill("Hur nöjd är du med hjälpen?")
    page.locator("[name=indicator_1]").select_option(label="Nöjd med hemtjänsten som helhet")
    page.locator("[name=question_2]").fill("Kommer personalen i tid?")
    page.locator("[name=free_text_question]").fill("Vill du säga något mer?")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara enkäten").click()
    expect(page.get_by_text("Enkäten är sparad som utkast.")).to_be_visible()
    page.get_by_role("button", name="Öppna enkäten för svar").click()
    page.locator("[name=count]").fill("1")
    page.get_by_role("button", name="Skapa länkarna", exact=True).click()
    link = page.locator("#own-survey-links li").inner_text()
    assert "/enkat/" in link
    assert axe_violations(page) == []

    customer_context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    customer = customer_context.new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", name="Hur har hösten varit?")).to_be_visible()
    customer.get_by_role("group", name="Hur nöjd är du med hjälpen?").get_by_label(
        "5 – mycket bra"
    ).check()
    customer.get_by_label("Vill du säga något mer?").fill("Tack för all hjälp!")
    customer.get_by_role("button", name="Skicka svaren").click()
    expect(customer.locator("#own-survey-thanks")).to_be_visible()
    customer.goto(link)
    expect(customer.get_by_role("heading", name="Länken kan inte användas")).to_be_visible()
    customer_context.close()
    assert OwnSurveyResponse.objects.get().free_text == "Tack för all hjälp!"

    page.reload()
    page.get_by_role("button", name="Stäng enkäten och spara resultaten").click()
    expect(page.get_by_text("Enkäten är stängd och resultaten är sparade.")).to_be_visible()
    expect(page.locator("#own-survey-status")).to_contain_text("Stängd")
