"""The outputs of an invoice run: per basis a PDF, a Peppol BIS Billing 3.0 UBL invoice and a
CSV file; per run an SIE 4 file for the ledger. Pure functions of the saved rows: nothing is
written to the database, and the same rows give the same bytes (every date comes from the run,
never from today).

All documents are in Swedish whatever language is active, and show citizens only by their
pseudonymous customer reference (`citizen_ref`), never by name.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from lxml import etree
from weasyprint import HTML

from providers.constants import PaymentBasis

from .constants import DeviationKind, RateUnit, TimeBand
from .models import InvoiceBasis
from .rules import month_bounds

CENT = Decimal("0.01")
ZERO = Decimal(0)

TIME_BAND_SV = {
    TimeBand.DAY: "Dag",
    TimeBand.EVENING: "Kväll",
    TimeBand.NIGHT: "Natt",
    TimeBand.WEEKEND: "Helg",
}
UNIT_SV = {RateUnit.PER_HOUR: "kr/tim", RateUnit.PER_VISIT: "kr/besök"}
PAYMENT_DAYS = 30


# --- Shared helpers --------------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _dot(value) -> str:
    """1234.5 -> "1234.50" (XML and SIE)."""
    return format(_money(value), "f")


def _comma(value) -> str:
    """1234.5 -> "1234,50" (CSV: decimal comma, no thousands separator)."""
    return _dot(value).replace(".", ",")


def _sv(value) -> str:
    """1234.5 -> "1 234,50" (PDF)."""
    text = f"{_money(value):,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def document_date(run) -> datetime.date:
    """The issue date of a run's documents: the day it was approved (attested), else the day
    it finished, else the last day of the month. Never today: the same run gives the same
    documents."""
    moment = run.approved_at or run.finished_at
    if moment is not None:
        return timezone.localdate(moment)
    return month_bounds(run.month)[1]


def is_correction(basis) -> bool:
    return basis.run.previous_id is not None


def previous_basis(basis):
    """The same provider's basis in the version this run corrects, or None."""
    if basis.run.previous_id is None:
        return None
    return (
        InvoiceBasis.objects.filter(run_id=basis.run.previous_id, provider_id=basis.provider_id)
        .select_related("provider")
        .first()
    )


def _lines(basis):
    return basis.lines.select_related("service_type").order_by(
        "citizen_ref", "service_type__ordering", "service_type__name", "time_band", "pk"
    )


# --- 1. PDF ----------------------------------------------------------------------------------


# The lines are set as fixed-width text, one block per customer: a basis can have thousands of
# lines, and WeasyPrint lays out a table cell by cell (about ten times slower). Rules are
# referenced by a short code (R1, R2, ...) listed in full under the table.
PDF_COLUMNS = (
    ("Insats", 24, "<"),
    ("Tidsband", 8, "<"),
    ("Beviljad", 8, ">"),
    ("Utförd", 8, ">"),
    ("Ersatt", 8, ">"),
    ("Besök", 5, ">"),
    ("Pris", 15, ">"),
    ("Belopp", 12, ">"),
    ("Regel", 5, ">"),
)


def _fixed(values) -> str:
    cells = []
    for (_title, width, align), value in zip(PDF_COLUMNS, values, strict=True):
        text = str(value)
        if len(text) > width:
            text = text[: width - 1] + "…"
        cells.append(f"{text:{align}{width}}")
    return " ".join(cells).rstrip()


PDF_HEADER = _fixed(title for title, _width, _align in PDF_COLUMNS)


def _pdf_context(basis) -> dict:
    run = basis.run
    groups: OrderedDict[str, dict] = OrderedDict()
    rules: dict[str, str] = {}
    for line in _lines(basis):
        group = groups.setdefault(
            line.citizen_ref,
            {"ref": line.citizen_ref, "rows": [], "amount": ZERO, "paid": ZERO},
        )
        rule = rules.setdefault(line.rule, f"R{len(rules) + 1}") if line.rule else ""
        group["rows"].append(
            _fixed(
                [
                    line.service_type.name,
                    TIME_BAND_SV.get(line.time_band, line.time_band),
                    _sv(line.granted_hours),
                    _sv(line.performed_hours),
                    _sv(line.paid_hours),
                    line.visits,
                    f"{_sv(line.rate)} {UNIT_SV.get(line.unit, '')}",
                    _sv(line.amount),
                    rule,
                ]
            )
        )
        group["amount"] += line.amount
        group["paid"] += line.paid_hours
    for group in groups.values():
        total = _fixed(["Summa", "", "", "", _sv(group["paid"]), "", "", _sv(group["amount"]), ""])
        group["text"] = "\n".join([PDF_HEADER, *group.pop("rows"), total])
    previous = previous_basis(basis)
    return {
        "basis": basis,
        "run": run,
        "municipality": run.municipality,
        "provider": basis.provider,
        "month_label": f"{run.month:%Y-%m}",
        "issue_date": document_date(run),
        "due_date": document_date(run) + datetime.timedelta(days=PAYMENT_DAYS),
        "payment_basis": PaymentBasis(basis.payment_basis).label,
        "groups": list(groups.values()),
        "rules": [{"code": code, "text": text} for text, code in rules.items()],
        "totals": {
            "granted": _sv(basis.granted_hours),
            "performed": _sv(basis.performed_hours),
            "paid": _sv(basis.paid_hours),
            "amount": _sv(basis.amount),
            "supplement": _sv(basis.supplement),
            "total": _sv(basis.total),
            "previous_total": _sv(basis.previous_total),
            "to_pay": _sv(basis.to_pay),
        },
        "has_supplement": basis.supplement != 0,
        "correction": is_correction(basis),
        "previous": previous,
        "deviations": [
            {
                "kind": DeviationKind(d.kind).label,
                "ref": d.citizen_ref,
                "detail": d.detail,
                "visits": d.visits,
            }
            for d in basis.deviations.all()
        ],
    }


def basis_pdf(basis) -> bytes:
    """The invoice basis as an A4 PDF in Swedish, page numbers "Sida X av Y"."""
    with translation.override("sv"):
        html = render_to_string("billing/basis_pdf.html", _pdf_context(basis))
    return HTML(string=html).write_pdf()


# --- 2. Peppol BIS Billing 3.0 (UBL 2.1) -----------------------------------------------------

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SWEDISH_ORGNR_SCHEME = "0007"
# Home care is social care, exempt from VAT (VAT directive art. 132.1 g; mervärdesskattelagen).
VAT_CATEGORY = "E"
VAT_EXEMPTION_CODE = "VATEX-EU-132-1G"
VAT_EXEMPTION_REASON = "Social omsorg, undantagen från mervärdesskatt enligt mervärdesskattelagen"


class DocumentError(ValueError):
    """The basis's rows do not add up; no document is made from inconsistent figures."""


def _cbc(parent, tag: str, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{tag}", attrs)
    if text is not None:
        element.text = str(text)
    return element


def _cac(parent, tag: str):
    return etree.SubElement(parent, f"{{{NS_CAC}}}{tag}")


def _party(parent, *, name, orgnr, street, postal_code, city, email="", f_tax=False):
    party = _cac(parent, "Party")
    digits = _digits(orgnr)
    _cbc(party, "EndpointID", digits, schemeID=SWEDISH_ORGNR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", name)
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postal_code:
        _cbc(address, "PostalZone", postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", "SE")
    if f_tax:
        # BT-32, the Swedish way: the seller is approved for F-tax.
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", "Godkänd för F-skatt")
        _cbc(_cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", name)
    _cbc(legal, "CompanyID", digits, schemeID=SWEDISH_ORGNR_SCHEME)
    if email:
        _cbc(_cac(party, "Contact"), "ElectronicMail", email)
    return party


def _ubl_lines(basis, previous) -> list[dict]:
    """The invoice lines as signed amounts (before a credit note flips them).

    A first version has one line per basis line (quantity = paid hours or visits, price = the
    rate) and one for the VAT compensation. A correction has one line per service with the
    difference to the corrected version, and one for the difference in VAT compensation: the
    lines add up to `to_pay` exactly."""
    rows: list[dict] = []
    if not is_correction(basis):
        for line in _lines(basis):
            band = TIME_BAND_SV.get(line.time_band, line.time_band)
            hourly = line.unit != RateUnit.PER_VISIT
            quantity = Decimal(line.paid_hours if hourly else line.visits)
            unit = "HUR" if hourly else "C62"
            if abs(quantity * line.rate - line.amount) > CENT:
                # The rule paid a share (e.g. a declined visit): bill the engine's quantity,
                # or the amount as one unit when even that does not give the amount.
                quantity = Decimal(line.quantity)
                if abs(quantity * line.rate - line.amount) > CENT:
                    quantity, unit = None, "C62"
            rows.append(
                {
                    "name": f"{line.service_type.name}, {band.lower()}",
                    "description": (
                        f"Kund {line.citizen_ref}: beviljad tid {_comma(line.granted_hours)} h, "
                        f"utförd tid {_comma(line.performed_hours)} h, ersatt tid "
                        f"{_comma(line.paid_hours)} h, {line.visits} besök."
                        + (f" Regel: {line.rule}" if line.rule else "")
                    ),
                    "seller_id": f"{line.service_type.code}:{line.time_band}",
                    "quantity": quantity,
                    "unit": unit,
                    "price": line.rate,
                    "amount": _money(line.amount),
                }
            )
        if basis.supplement:
            rows.append(
                {
                    "name": "Momskompensation",
                    "description": "Momskompensation för privat utförare",
                    "seller_id": "momskompensation",
                    "quantity": None,
                    "unit": "C62",
                    "price": None,
                    "amount": _money(basis.supplement),
                }
            )
        expected = _money(basis.total)
    else:
        services: OrderedDict[int, dict] = OrderedDict()
        for source, sign in ((basis, 1), (previous, -1)):
            if source is None:
                continue
            for line in _lines(source):
                entry = services.setdefault(
                    line.service_type_id,
                    {"service": line.service_type, "amount": ZERO},
                )
                entry["amount"] += sign * line.amount
        reference = f" {previous.number}" if previous is not None else ""
        for entry in sorted(
            services.values(), key=lambda e: (e["service"].ordering, e["service"].name)
        ):
            if entry["amount"]:
                rows.append(
                    {
                        "name": f"{entry['service'].name}, ändring",
                        "description": f"Skillnad mot tidigare godkänt underlag{reference}",
                        "seller_id": entry["service"].code,
                        "quantity": None,
                        "unit": "C62",
                        "price": None,
                        "amount": _money(entry["amount"]),
                    }
                )
        supplement = basis.supplement - (previous.supplement if previous else ZERO)
        if supplement:
            rows.append(
                {
                    "name": "Momskompensation, ändring",
                    "description": f"Skillnad mot tidigare godkänt underlag{reference}",
                    "seller_id": "momskompensation",
                    "quantity": None,
                    "unit": "C62",
                    "price": None,
                    "amount": _money(supplement),
                }
            )
        expected = _money(basis.to_pay)
    total = sum((row["amount"] for row in rows), ZERO)
    if total != expected:
        raise DocumentError(
            f"Invoice basis {basis.number}: the lines add up to {total}, not {expected}."
        )
    if not rows:
        rows.append(
            {
                "name": "Ingen ändring",
                "description": "Inga ersättningar denna månad",
                "seller_id": "ingen",
                "quantity": None,
                "unit": "C62",
                "price": None,
                "amount": ZERO,
            }
        )
    return rows


def basis_ubl(basis) -> bytes:
    """The basis as a Peppol BIS Billing 3.0 invoice (UBL 2.1); a correction that pays back
    (to_pay < 0) is a credit note. Decisions: docs/sie-export.md ("Peppol BIS Billing 3.0")."""
    run = basis.run
    municipality = run.municipality
    provider = basis.provider
    previous = previous_basis(basis)
    rows = _ubl_lines(basis, previous)
    payable = _money(basis.to_pay if is_correction(basis) else basis.total)
    credit = payable < 0
    sign = -1 if credit else 1
    issue = document_date(run)

    root_ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": NS_CAC, "cbc": NS_CBC},
    )
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", basis.number)
    _cbc(root, "IssueDate", issue.isoformat())
    if credit:
        _cbc(root, "CreditNoteTypeCode", "381")
    else:
        _cbc(root, "DueDate", (issue + datetime.timedelta(days=PAYMENT_DAYS)).isoformat())
        _cbc(root, "InvoiceTypeCode", "380")
    note = f"Fakturaunderlag för {run.month:%Y-%m}, version {run.version}."
    if is_correction(basis):
        note += (
            f" Rättelse: tidigare godkänt {_dot(basis.previous_total)} SEK,"
            f" nytt belopp {_dot(basis.total)} SEK, skillnad {_dot(basis.to_pay)} SEK."
        )
    _cbc(root, "Note", note)
    _cbc(root, "DocumentCurrencyCode", "SEK")
    _cbc(root, "BuyerReference", f"{municipality.code}-{run.month:%Y-%m}")
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", run.month.isoformat())
    _cbc(period, "EndDate", month_bounds(run.month)[1].isoformat())
    if previous is not None:
        _cbc(
            _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", previous.number
        )

    orgnr = provider.organisation_number
    if not orgnr and provider.is_in_house:
        orgnr = municipality.organisation_number
    _party(
        _cac(root, "AccountingSupplierParty"),
        name=provider.name,
        orgnr=orgnr,
        street=provider.street_address,
        postal_code=provider.postal_code,
        city=provider.city,
        email=provider.email,
        f_tax=provider.has_f_tax,
    )
    _party(
        _cac(root, "AccountingCustomerParty"),
        name=municipality.organisation,
        orgnr=municipality.organisation_number,
        street=municipality.street_address,
        postal_code=municipality.postal_code,
        city=municipality.city,
    )
    if not credit and provider.bankgiro:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30", name="Credit transfer")
        _cbc(means, "PaymentID", basis.number)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", _digits(provider.bankgiro))
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", "SE:BANKGIRO")
    if not credit:
        _cbc(_cac(root, "PaymentTerms"), "Note", f"Betalning inom {PAYMENT_DAYS} dagar")

    document_total = _money(sign * payable)
    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", "0.00", currencyID="SEK")
    subtotal = _cac(tax_total, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", _dot(document_total), currencyID="SEK")
    _cbc(subtotal, "TaxAmount", "0.00", currencyID="SEK")
    category = _cac(subtotal, "TaxCategory")
    _cbc(category, "ID", VAT_CATEGORY)
    _cbc(category, "Percent", "0")
    _cbc(category, "TaxExemptionReasonCode", VAT_EXEMPTION_CODE)
    _cbc(category, "TaxExemptionReason", VAT_EXEMPTION_REASON)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")

    monetary = _cac(root, "LegalMonetaryTotal")
    for tag in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount"):
        _cbc(monetary, tag, _dot(document_total), currencyID="SEK")
    _cbc(monetary, "PayableAmount", _dot(document_total), currencyID="SEK")

    line_tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    for number, row in enumerate(rows, start=1):
        amount = _money(sign * row["amount"])
        quantity, price = row["quantity"], row["price"]
        if quantity is None:
            # One unit priced at the amount; the price is never negative, the quantity is.
            quantity = Decimal(-1 if amount < 0 else 1)
            price = abs(amount)
        else:
            quantity = sign * quantity
        line = _cac(root, line_tag)
        _cbc(line, "ID", number)
        _cbc(line, quantity_tag, format(Decimal(quantity).normalize(), "f"), unitCode=row["unit"])
        _cbc(line, "LineExtensionAmount", _dot(amount), currencyID="SEK")
        item = _cac(line, "Item")
        _cbc(item, "Description", row["description"])
        _cbc(item, "Name", row["name"])
        _cbc(_cac(item, "SellersItemIdentification"), "ID", row["seller_id"])
        tax = _cac(item, "ClassifiedTaxCategory")
        _cbc(tax, "ID", VAT_CATEGORY)
        _cbc(tax, "Percent", "0")
        _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
        _cbc(_cac(line, "Price"), "PriceAmount", _dot(price), currencyID="SEK")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- 3. CSV ----------------------------------------------------------------------------------

CSV_HEADERS = [
    "Fakturanummer",
    "Kundreferens",
    "Insats",
    "Tidsband",
    "Beviljad tid (tim)",
    "Utförd tid (tim)",
    "Ersatt tid (tim)",
    "Besök",
    "Enhet",
    "Antal",
    "Pris (kr)",
    "Belopp (kr)",
    "Regel",
]


def basis_csv(basis) -> str:
    """Semicolon-separated, UTF-8 with a byte order mark (Excel), decimal comma: one row per
    line, then the total rows: the sum of the lines, the VAT compensation, the total and, in a
    correction, the previously approved total and the difference to pay."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    sums = {"granted": ZERO, "performed": ZERO, "paid": ZERO, "visits": 0, "amount": ZERO}
    for line in _lines(basis):
        writer.writerow(
            [
                basis.number,
                line.citizen_ref,
                line.service_type.name,
                TIME_BAND_SV.get(line.time_band, line.time_band),
                _comma(line.granted_hours),
                _comma(line.performed_hours),
                _comma(line.paid_hours),
                line.visits,
                UNIT_SV.get(line.unit, line.unit),
                _comma(line.quantity),
                _comma(line.rate),
                _comma(line.amount),
                line.rule,
            ]
        )
        sums["granted"] += line.granted_hours
        sums["performed"] += line.performed_hours
        sums["paid"] += line.paid_hours
        sums["visits"] += line.visits
        sums["amount"] += line.amount

    def total_row(label, amount, hours=False):
        writer.writerow(
            [
                basis.number,
                label,
                "",
                "",
                _comma(sums["granted"]) if hours else "",
                _comma(sums["performed"]) if hours else "",
                _comma(sums["paid"]) if hours else "",
                sums["visits"] if hours else "",
                "",
                "",
                "",
                _comma(amount),
                "",
            ]
        )

    total_row("Summa", sums["amount"], hours=True)
    total_row("Momskompensation", basis.supplement)
    total_row("Totalt", basis.total)
    if is_correction(basis):
        total_row("Tidigare godkänt", basis.previous_total)
        total_row("Att betala", basis.to_pay)
    return out.getvalue()


# --- 4. SIE 4 --------------------------------------------------------------------------------

SIE_PROGRAM_VERSION = "1.0"
SIE_SERIES = "F"
# Kommun-Bas accounts (defaults; a municipality maps them to its own plan on import, see
# docs/sie-export.md). Private providers: a purchase of the main activity against supplier
# debt. The in-house provider is the municipality itself: an internal purchase against an
# internal revenue of the home-care unit, which cancel out in the external accounts.
SIE_ACCOUNTS = {
    "private_cost": ("4610", "Köp av huvudverksamhet från privata företag"),
    "supplier_debt": ("2440", "Leverantörsskulder"),
    "internal_cost": ("4620", "Interna köp av huvudverksamhet, egen regi"),
    "internal_revenue": ("3690", "Interna intäkter, huvudverksamhet egen regi"),
}


def _sie_text(text: str) -> str:
    cleaned = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


def run_sie(run) -> bytes:
    """The run as an SIE 4 file (type 4: verifications), PC8 (code page 437): one verification
    per basis with something to pay, dated the last day of the month."""
    municipality = run.municipality
    day = month_bounds(run.month)[1]
    lines = [
        "#FLAGGA 0",
        "#FORMAT PC8",
        "#SIETYP 4",
        f"#PROGRAM {_sie_text('LOV-portalen')} {SIE_PROGRAM_VERSION}",
        f"#GEN {document_date(run):%Y%m%d}",
        f"#FNAMN {_sie_text(municipality.organisation)}",
        f"#ORGNR {municipality.organisation_number}",
        f"#RAR 0 {run.month.year}0101 {run.month.year}1231",
    ]
    for number, name in sorted(SIE_ACCOUNTS.values()):
        lines.append(f"#KONTO {number} {_sie_text(name)}")
    bases = run.bases.select_related("provider").order_by("number")
    for basis in bases:
        amount = _money(basis.to_pay if is_correction(basis) else basis.total)
        if not amount:
            continue
        if basis.is_in_house:
            debit, credit = SIE_ACCOUNTS["internal_cost"][0], SIE_ACCOUNTS["internal_revenue"][0]
        else:
            debit, credit = SIE_ACCOUNTS["private_cost"][0], SIE_ACCOUNTS["supplier_debt"][0]
        text = _sie_text(f"Fakturaunderlag {basis.number} {basis.provider.name}")
        lines.append(f'#VER "{SIE_SERIES}" "" {day:%Y%m%d} {text}')
        lines.append("{")
        lines.append(f"   #TRANS {debit} {{}} {_dot(amount)}")
        lines.append(f"   #TRANS {credit} {{}} {_dot(-amount)}")
        lines.append("}")
    return ("\r\n".join(lines) + "\r\n").encode("cp437", errors="replace")
