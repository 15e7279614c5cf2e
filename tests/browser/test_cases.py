"""A relative sends a complaint about missed visits through the public form without
JavaScript (an error first, nothing typed lost), gets a case number; the provider gives its
statement; the quality officer in Munkedal takes the case, answers it and closes it; the provider
reports a deviation. axe-core on each page. Selectors are names and ids, not text, so the test
does not depend on the Swedish translations being compiled yet."""

from playwright.sync_api import expect

from followup.models import Case
from tests.browser.conftest import axe_violations, log_in


def test_public_complaint_without_javascript(page_without_js, demo_data):
    # axe-core needs JavaScript; the same form is checked with axe in
    # tests/browser/test_quality_followup.py.
    page = page_without_js
    page.goto("/synpunkter/")
    page.click("a[href='/synpunkter/1430/']")
    page.select_option("[name=provider]", label="Hemtjänstkooperativet Bohus ek. för.")
    page.fill("[name=description]", "Ingen kom på tisdag och onsdag morgon.")
    page.fill("[name=contact_name]", "Eva Anhörig")
    page.fill("[name=contact_email]", "eva@example")
    page.click("#complaint-form button[type=submit]")
    # The subject is missing and the address is wrong: both at their fields and in the summary.
    expect(page.locator("#error-summary a[href='#id_subject']")).to_be_visible()
    expect(page.locator("#id_contact_email_error")).to_be_visible()
    assert page.input_value("[name=description]") == "Ingen kom på tisdag och onsdag morgon."
    assert page.input_value("[name=contact_name]") == "Eva Anhörig"
    page.fill("[name=subject]", "Uteblivna besök")
    page.fill("[name=contact_email]", "eva@example.se")
    page.click("#complaint-form button[type=submit]")
    case = Case.objects.get(contact_email="eva@example.se")
    expect(page.locator("#complaint-receipt")).to_contain_text(case.reference)


def test_case_is_handled_by_officer_and_provider(page, browser, live_server, demo_data):
    from followup import services
    from lov_portal.core.models import Municipality
    from providers.models import Provider

    munkedal = Municipality.objects.get(code="1430")
    bohus = Provider.objects.get(name="Hemtjänstkooperativet Bohus ek. för.")
    case = services.case_submit_public(
        municipality=munkedal,
        provider=bohus,
        subject="Uteblivna besök",
        description="Ingen kom.",
        contact_email="eva@example.se",
    )

    provider = browser.new_context(base_url=live_server.url).new_page()
    log_in(provider, "kontakt@bohuskooperativet.example")
    provider.goto("/utforarportal/uppfoljning/arenden/")
    assert axe_violations(provider) == []
    provider.click(f"a[href='/utforarportal/uppfoljning/arenden/{case.pk}/']")
    assert axe_violations(provider) == []
    provider.fill("[name=statement]", "Schemat var fel; vi har rättat det.")
    provider.click("#case-statement-form button[type=submit]")
    expect(provider.locator("[name=statement]")).to_have_value(
        "Schemat var fel; vi har rättat det."
    )

    log_in(page, "kvalitet@munkedal.example")
    page.goto("/uppfoljning/arenden/")
    assert axe_violations(page) == []
    page.click(f"a[href='/uppfoljning/arenden/{case.pk}/']")
    expect(page.locator("#case-statement")).to_contain_text("Schemat var fel")
    assert axe_violations(page) == []
    page.click("button[name=take]")
    page.check("[name=to][value=answered]")
    page.click("#case-transition-form button[type=submit]")
    expect(page.locator("#error-summary a[href='#id_reply']")).to_be_visible()
    assert axe_violations(page) == []
    page.check("[name=to][value=answered]")
    page.fill("[name=reply]", "Vi har talat med utföraren, som har rättat schemat.")
    page.click("#case-transition-form button[type=submit]")
    expect(page.locator("#case-reply")).to_contain_text("rättat schemat")
    page.check("[name=to][value=closed]")
    page.fill("[name=comment]", "Avslutat efter svar.")
    page.click("#case-transition-form button[type=submit]")
    expect(page.locator("#case-history")).to_contain_text("Avslutat efter svar.")
    expect(page.locator("#case-transition-form")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at

    # The provider reports a deviation to Munkedal.
    provider.goto("/utforarportal/uppfoljning/arenden/ny/")
    assert axe_violations(provider) == []
    provider.select_option("[name=report_for]", value=f"{bohus.pk}-{munkedal.pk}")
    provider.check("[name=kind][value=deviation]")
    provider.check("[name=severity][value=medium]")
    provider.fill("[name=subject]", "Missat kvällsbesök hos ny kund")
    provider.fill("[name=description]", "Ersättaren fick inte besöket i sin lista.")
    provider.click("#case-report-form button[type=submit]")
    deviation = Case.objects.get(subject="Missat kvällsbesök hos ny kund")
    expect(provider.locator("h1")).to_contain_text(deviation.reference)
    provider.context.close()
