"""The quality report PDF, rendered for real (matplotlib and WeasyPrint) through the task.

Golden file: the PDF's text (pypdf, whitespace folded, a line per page). UPDATE_GOLDEN=1
rewrites it after a deliberate change; review the diff."""

import io
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from followup import report_document, services
from followup.constants import ReportStatus
from followup.selectors import quality_report_content
from tests.followup.factories import QualityReportFactory
from tests.followup.report_fixtures import HIDDEN_VALUE, YEAR, build_world

GOLDEN = Path(__file__).parent / "golden"

pytestmark = pytest.mark.django_db


def _golden(name: str, actual: str) -> str:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").rstrip("\n")


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    """The text, whitespace folded, one line per page (readable diffs of the golden file)."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = [report_document.normalise_text(page.extract_text()) for page in reader.pages]
    return len(pages), "\n".join(pages)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


@pytest.fixture
def cooperation_report(world):
    return QualityReportFactory(
        municipality=world.munkedal, cooperation=world.cooperation, requested_by=world.officer
    )


def test_the_pdf_made_by_the_task_matches_the_golden_text(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = services.quality_report_start(
            municipality=world.munkedal,
            cooperation=world.cooperation,
            year=YEAR,
            actor=world.officer,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    pdf = report.pdf.read()
    assert pdf.startswith(b"%PDF")
    pages, text = _pdf_text(pdf)

    assert text == _golden("quality-report.txt", text)
    # What the golden file must hold in any case: the title, the scope, å ä ö, page numbers.
    assert "Kvalitetsredovisning 2026" in text
    assert "NoBo-samverkan: Munkedal, Tanum" in text
    assert "Åsa Äldreomsorg Öst AB" in text and "Tanums Trygghet AB" in text
    assert "Uppföljningsbesök" in text and "Klagomål" in text and "Lex Sarah" in text
    assert f"Sida 1 av {pages}" in text and f"Sida {pages} av {pages}" in text


def test_a_group_of_four_answers_is_not_in_the_pdf(world, cooperation_report):
    content = quality_report_content(report=cooperation_report)
    charts = [report_document.indicator_chart_svg(s) for s in content.indicators]
    html = report_document.report_html(content, charts)
    _pages, text = _pdf_text(report_document.report_pdf(html))

    hidden = [str(HIDDEN_VALUE), "41,75", "41,8", "41.8"]
    for needle in hidden:
        assert needle not in text and needle not in html, needle
    # The provider is listed, with the reason instead of a value and no answer count.
    assert re.search(r"Liten Omsorg Väst AB Privat Färre än 5 svar (?!4)", text)
    assert "Liten Omsorg Väst AB (privat), Munkedal" in text  # its row in the chart, no bar


def test_each_indicator_is_an_svg_chart_in_the_html_given_to_weasyprint(world, cooperation_report):
    content = quality_report_content(report=cooperation_report)
    charts = [report_document.indicator_chart_svg(s) for s in content.indicators]
    html = report_document.report_html(content, charts)

    assert html.count("<svg") == len(content.indicators) == 11
    for chart in charts:
        assert chart.startswith("<svg") and "<?xml" not in chart
    overall = charts[0]
    # In-house and private differ by colour AND pattern, and the legend names them.
    assert report_document.IN_HOUSE_STYLE["color"] in overall
    assert report_document.PRIVATE_STYLE["color"] in overall
    assert "<pattern" in overall  # the private bars' hatching
    assert "Egen regi" in overall and "Privat utförare" in overall and "Kommunens snitt" in overall
    # The ids of each chart are its own: no clash when they share one HTML page.
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_numbers_are_swedish():
    assert report_document.sv_number(89.5) == "89,5"
    assert report_document.sv_number(1234.56, 2) == "1\u00a0234,56"
    assert report_document.sv_number(None) == ""
