import pytest
from playwright.sync_api import expect

from lov_portal.core.management.commands.seed_demo import USERS
from tests.browser.conftest import axe_violations, log_in

# The section each demo login must reach from its workspace (URL of the section's page).
ROLE_SECTIONS = {
    "needs_assessor": "/bistand/",
    "board_reviewer": "/upphandling/",
    "procurement_officer": "/upphandling/",
    "finance_officer": "/ersattning/",
    "quality_officer": "/uppfoljning/",
    "municipal_admin": "/upphandling/",
    "provider_user": "/utforarportal/",
    "system_admin": "/granskningslogg/",
}


def test_start_page_is_swedish_and_english_is_one_click_away(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "sv"
    expect(page.get_by_role("link", name="Kundvalskatalog").first).to_be_visible()

    page.get_by_role("button", name="In English").click()

    page.wait_for_selector("html[lang=en]")
    expect(page.get_by_role("link", name="Customer-choice catalogue").first).to_be_visible()
    page.get_by_role("button", name="På svenska").click()
    page.wait_for_selector("html[lang=sv]")


def test_start_page_sends_the_public_to_the_catalogue(page, demo_data):
    page.goto("/")
    page.get_by_role("link", name="Till kundvalskatalogen").click()
    page.wait_for_url("**/katalog/")
    page.get_by_role("link", name="Sotenäs").click()
    page.wait_for_url("**/katalog/1427/")
    expect(page.get_by_role("link", name="Sotenäs kommun – hemtjänst i egen regi")).to_be_visible()


@pytest.mark.parametrize(
    ("email", "role"), [(email, role.value) for email, _name, role, *_ in USERS]
)
def test_each_demo_login_reaches_its_own_work(page, demo_data, email, role):
    log_in(page, email)

    page.wait_for_url("**/arbetsyta/")
    section = ROLE_SECTIONS[role]
    page.locator(f"main a[href='{section}']").first.click()
    page.wait_for_url(f"**{section}")
    expect(page.locator("h1")).to_be_visible()
    assert "403" not in page.title()


def test_login_and_logout_work_without_javascript(page_without_js, demo_data):
    page = page_without_js
    log_in(page, "bistand@tanum.example")
    page.wait_for_url("**/arbetsyta/")
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("banner").get_by_role("link", name="Logga in")).to_be_visible()


def test_wrong_password_shows_a_swedish_error_next_to_the_form(page, demo_data):
    log_in(page, "bistand@tanum.example", password="fel-lösenord")
    expect(page.get_by_text("Fel e-postadress eller lösenord")).to_be_visible()


@pytest.mark.parametrize(
    "path", ["/", "/konto/logga-in/", "/tillganglighet/", "/katalog/", "/konto/losenord/"]
)
def test_public_pages_have_no_wcag_21_aa_violations(page, demo_data, path):
    page.goto(path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/arbetsyta/", "/bistand/", "/konto/tvastegsverifiering/"])
def test_work_pages_have_no_wcag_21_aa_violations(page, demo_data, path):
    log_in(page, "bistand@tanum.example")
    page.wait_for_url("**/arbetsyta/")
    page.goto(path)
    assert axe_violations(page) == []


def test_english_pages_have_no_wcag_21_aa_violations(page, demo_data):
    page.goto("/")
    page.get_by_role("button", name="In English").click()
    page.wait_for_selector("html[lang=en]")
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path", ["/upphandling/", "/upphandling/granskning/", "/upphandling/utgaende-underlag/"]
)
def test_reviewer_pages_have_no_wcag_21_aa_violations(page, demo_data, path):
    log_in(page, "namnd@sotenas.example")
    page.wait_for_url("**/arbetsyta/")
    page.goto(path)
    expect(page.locator("h1")).to_be_visible()
    assert axe_violations(page) == []
