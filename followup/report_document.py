"""The quality report (kvalitetsredovisning) as a document: one SVG chart per indicator
(matplotlib, no display), the HTML WeasyPrint lays out, and the PDF.

Pure functions of the content the selectors collect (`selectors.quality_report_content`):
nothing is read from or written to the database here, and the same content gives the same
text. The document is in Swedish whatever language is active (an official document, like the
invoice basis). Results from fewer than MIN_PUBLISHED_RESPONDENTS never reach this module as
numbers: the selector has already replaced them by a reason ("Färre än 5 svar").
"""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal

from django.template.loader import render_to_string
from django.utils import translation
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from weasyprint import HTML

from .constants import MIN_PUBLISHED_RESPONDENTS, IndicatorUnit

NO_DATA = "Uppgift saknas"
TOO_FEW = f"Färre än {MIN_PUBLISHED_RESPONDENTS} svar"
MISSING_SV = {"no_data": NO_DATA, "too_few": TOO_FEW}

# In-house and private providers differ in colour AND pattern AND label, so the chart reads in
# greyscale and to someone who does not tell the colours apart.
IN_HOUSE_STYLE = {"color": "#1f4e79", "hatch": "", "edgecolor": "#1f4e79"}
PRIVATE_STYLE = {"color": "#f4b183", "hatch": "///", "edgecolor": "#843c0c"}
IN_HOUSE_LABEL = "Egen regi"
PRIVATE_LABEL = "Privat utförare"
AVERAGE_COLOUR = "#000000"
FONT = "DejaVu Sans"
# Inches: what fits an A4 page under its heading, with the page's margins.
MAX_CHART_HEIGHT = 9.0

MATPLOTLIB_RC = {
    # Text stays text in the SVG: WeasyPrint sets it in the PDF's font, and it can be searched.
    "svg.fonttype": "none",
    # Stable ids and no date: the same content gives the same SVG.
    "svg.hashsalt": "lov-portal-quality-report",
    "font.family": FONT,
    "font.size": 8,
}


def sv_number(value: Decimal | float | int | None, decimals: int = 1) -> str:
    """82.45 -> "82,5" (Swedish decimal comma, a thin no-break space between thousands)."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def unit_suffix(unit: str) -> str:
    return " %" if unit == IndicatorUnit.PERCENT else ""


def _svg_only(svg: str, prefix: str) -> str:
    """The <svg> element alone, to inline in HTML (no XML declaration, no DOCTYPE), its ids
    prefixed: every chart of the document uses matplotlib's same names for its parts."""
    svg = svg[svg.index("<svg") :].strip()
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = re.compile(r'(\bid="|#)(' + "|".join(map(re.escape, ids)) + r')(?=["\)])')
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def indicator_chart_svg(section) -> str:
    """One indicator: a horizontal bar per provider and municipality, in-house and private side
    by side, the municipality's average as a dashed line over its providers' bars. Providers
    without a published value get no bar, only the reason in words."""
    rows = [row for group in section.groups for row in group.rows]
    # A row is a third of an inch, until the chart would not fit a page: then rows and their
    # labels shrink (a cooperation of four municipalities has some 40 rows).
    wanted = 0.9 + 0.32 * max(len(rows), 1) + 0.25 * len(section.groups)
    height = min(max(2.2, wanted), MAX_CHART_HEIGHT)
    font_size = 8 if wanted <= MAX_CHART_HEIGHT else max(5, 8 * MAX_CHART_HEIGHT / wanted)
    with _rc(font_size):
        figure = Figure(figsize=(7.0, height))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot(1, 1, 1)
        unit = section.indicator.unit
        top = _axis_top(section)
        labels: list[str] = []
        position = 0.0
        for group in section.groups:
            first = position
            for row in group.rows:
                label = f"{row.provider} ({IN_HOUSE_LABEL.lower() if row.in_house else 'privat'})"
                if len(section.groups) > 1:
                    label = f"{label}, {group.municipality}"
                labels.append(_plain(label))
                if row.value is None:
                    axes.text(
                        top * 0.01,
                        position,
                        MISSING_SV.get(row.missing, NO_DATA),
                        va="center",
                        ha="left",
                        fontstyle="italic",
                        color="#333333",
                    )
                else:
                    style = IN_HOUSE_STYLE if row.in_house else PRIVATE_STYLE
                    axes.barh(position, float(row.value), height=0.7, linewidth=0.8, **style)
                    axes.text(
                        float(row.value) + top * 0.01,
                        position,
                        f"{sv_number(row.value)}{unit_suffix(unit)}",
                        va="center",
                        ha="left",
                        # Readable where it crosses the average line.
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
                    )
                position += 1
            if group.average is not None and group.rows:
                axes.vlines(
                    float(group.average),
                    first - 0.45,
                    position - 0.55,
                    colors=AVERAGE_COLOUR,
                    linestyles="dashed",
                    linewidth=1.4,
                )
            position += 0.5
        ticks = _tick_positions(section)
        axes.set_yticks(ticks, labels)
        # Top to bottom, with room for a row that has no bar (the last one included).
        axes.set_ylim(max(ticks, default=0) + 0.6, min(ticks, default=0) - 0.6)
        axes.set_xlim(0, top)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: sv_number(x, 0)))
        axes.set_xlabel(_axis_label(section.indicator))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(
            handles=[
                Patch(facecolor=IN_HOUSE_STYLE["color"], label=IN_HOUSE_LABEL),
                Patch(
                    facecolor=PRIVATE_STYLE["color"],
                    edgecolor=PRIVATE_STYLE["edgecolor"],
                    hatch=PRIVATE_STYLE["hatch"],
                    label=PRIVATE_LABEL,
                ),
                _average_handle(),
            ],
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=3,
            frameon=False,
        )
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _svg_only(buffer.getvalue(), prefix=f"chart-{section.indicator.code}")


def _plain(text: str) -> str:
    """Text matplotlib draws as it is: a "$" would otherwise start mathtext."""
    return text.replace("$", r"\$")


def _rc(font_size: float):
    import matplotlib

    return matplotlib.rc_context({**MATPLOTLIB_RC, "font.size": font_size})


def _average_handle():
    from matplotlib.lines import Line2D

    return Line2D(
        [0], [0], color=AVERAGE_COLOUR, linestyle="dashed", linewidth=1.4, label="Kommunens snitt"
    )


def _tick_positions(section) -> list[float]:
    positions: list[float] = []
    position = 0.0
    for group in section.groups:
        for _row in group.rows:
            positions.append(position)
            position += 1
        position += 0.5
    return positions


def _axis_top(section) -> float:
    """Percentages and NKI on 0–100; a count up to a little over its largest value."""
    if section.indicator.unit in (IndicatorUnit.PERCENT, IndicatorUnit.INDEX):
        return 112.0
    values = [float(row.value) for group in section.groups for row in group.rows if row.value]
    return max(values or [10.0]) * 1.25


def _axis_label(indicator) -> str:
    label = {
        IndicatorUnit.PERCENT: "Andel (procent)",
        IndicatorUnit.INDEX: "Index (0–100)",
        IndicatorUnit.COUNT: "Antal",
    }.get(indicator.unit, "")
    if not indicator.higher_is_better:
        label = f"{label}, lägre är bättre"
    return label


# --- HTML and PDF ------------------------------------------------------------------------------


SEVERITY_SV = (("low", "Låg"), ("medium", "Medel"), ("high", "Hög"))
CASE_KIND_SV = (("complaint", "Klagomål"), ("deviation", "Avvikelser"), ("lex_sarah", "Lex Sarah"))


def _kind(in_house: bool) -> str:
    return IN_HOUSE_LABEL if in_house else "Privat"


def _display(content) -> dict:
    """The content with every number set the Swedish way, ready for the template."""
    indicators = []
    for section in content.indicators:
        suffix = unit_suffix(section.indicator.unit)
        groups = []
        for group in section.groups:
            rows = [
                {
                    "provider": row.provider,
                    "kind": _kind(row.in_house),
                    "value": f"{sv_number(row.value)}{suffix}"
                    if row.value is not None
                    else MISSING_SV.get(row.missing, NO_DATA),
                    "respondents": row.respondents if row.value is not None else "",
                }
                for row in group.rows
            ]
            groups.append(
                {
                    "municipality": group.municipality,
                    "rows": rows,
                    "average": f"{sv_number(group.average)}{suffix}"
                    if group.average is not None
                    else NO_DATA,
                    "respondents": group.respondents or "",
                }
            )
        indicators.append({"indicator": section.indicator, "groups": groups})
    visits = [
        {
            "municipality": row.municipality,
            "provider": row.provider,
            "kind": _kind(row.in_house),
            "done": row.visits_done,
            "planned": row.visits_planned,
            "findings": [row.findings.get(code, 0) for code, _label in SEVERITY_SV],
            "plans_awaiting": row.plans_awaiting,
            "plans_accepted": row.plans_accepted,
        }
        for row in content.visits
    ]
    cases = [
        {
            "municipality": row.municipality,
            "provider": row.provider or "Ingen utförare angiven",
            "kind": _kind(row.in_house) if row.provider else "",
            "counts": [row.counts.get(code, 0) for code, _label in CASE_KIND_SV],
            "total": row.total,
        }
        for row in content.cases
    ]
    return {"indicators": indicators, "visits": visits, "cases": cases}


def report_html(content, charts: list[str]) -> str:
    """The HTML WeasyPrint lays out: the content with each indicator's SVG inlined."""
    display = _display(content)
    for item, chart in zip(display["indicators"], charts, strict=True):
        item["chart"] = chart
    with translation.override("sv"):
        return render_to_string(
            "followup/reports/report_pdf.html",
            {
                "content": content,
                **display,
                "severities": [label for _code, label in SEVERITY_SV],
                "case_kinds": [label for _code, label in CASE_KIND_SV],
                "min_respondents": MIN_PUBLISHED_RESPONDENTS,
                "too_few": TOO_FEW,
                "no_data": NO_DATA,
            },
        )


def report_pdf(html: str) -> bytes:
    """An A4 PDF, page numbers "Sida X av Y"."""
    return HTML(string=html).write_pdf()


def normalise_text(text: str) -> str:
    """Whitespace folded to single spaces: what the golden test compares."""
    return re.sub(r"\s+", " ", text).strip()
