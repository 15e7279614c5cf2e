"""The decision PDF handed to the citizen (WeasyPrint, Swedish)."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML


def decision_pdf(decision) -> bytes:
    with translation.override("sv"):
        html = render_to_string("assessments/decision_pdf.html", {"decision": decision})
    return HTML(string=html).write_pdf()
