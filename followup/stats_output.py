"""The board statistics as charts (inline SVG from matplotlib, each with a text alternative)
and as CSV. The figures come from selectors.board_statistics; nothing here reads the database.
"""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from matplotlib import rc_context
from matplotlib.figure import Figure

from .selectors import BoardStatistics

# Okabe–Ito: told apart with the common forms of colour blindness; bars also get hatches.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "--", "++"]
MAX_CHART_LINES = 6


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str  # the text alternative: what the chart shows, in words
    svg: SafeString


def _month_labels(stats: BoardStatistics) -> list[str]:
    return [date_format(month, "M") for month in stats.months]


def _svg(figure: Figure, *, key: str, title: str, description: str) -> SafeString:
    """The figure as an inline <svg> that scales with the page, marked as one image with a
    title and a description for screen readers (the table next to it has the numbers)."""
    out = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": f"lov-{key}"}):
        figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    opening_end = svg.index(">") + 1
    svg = (
        svg[: opening_end - 1]
        + f' role="img" aria-labelledby="{title_id} {desc_id}" class="lov-chart" width="100%"'
        + ' preserveAspectRatio="xMinYMin meet">'
        + f'<title id="{title_id}">{escape(title)}</title>'
        + f'<desc id="{desc_id}">{escape(description)}</desc>'
        + svg[opening_end:]
    )
    return mark_safe(svg)  # noqa: S308 - matplotlib's own SVG; our texts are escaped


def _bars(stats: BoardStatistics, rows) -> Figure:
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    labels = _month_labels(stats)
    width = 0.8 / max(len(rows), 1)
    for n, row in enumerate(rows):
        values = [0 if v is None else v for v in row.months]
        axes.bar(
            [m + n * width - 0.4 + width / 2 for m in range(12)],
            values,
            width,
            label=row.label,
            color=COLOURS[n % len(COLOURS)],
            hatch=HATCHES[n % len(HATCHES)],
            edgecolor="white",
        )
    _finish(axes, labels)
    return figure


def _lines(stats: BoardStatistics, rows) -> Figure:
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    markers = "osD^v*P"
    for n, row in enumerate(rows):
        axes.plot(
            range(12),
            [float("nan") if v is None else v for v in row.months],
            label=row.label,
            color=COLOURS[n % len(COLOURS)],
            marker=markers[n % len(markers)],
        )
    _finish(axes, _month_labels(stats))
    return figure


def _finish(axes, labels) -> None:
    axes.set_xticks(range(12), labels)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd")
    axes.set_axisbelow(True)
    lines = len(axes.get_legend_handles_labels()[1])
    axes.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncol=min(lines, 2), frameon=False)


def _summary(stats: BoardStatistics, rows) -> str:
    """The year's totals and each row's busiest month, in words."""
    months = [date_format(m, "F") for m in stats.months]
    parts = []
    for row in rows:
        shown = [v or 0 for v in row.months if v is not None]
        if shown and max(shown) > 0:
            peak = months[shown.index(max(shown))]
            parts.append(
                gettext("%(label)s: %(total)s in the year, most in %(month)s (%(peak)s)")
                % {"label": row.label, "total": row.total, "month": peak, "peak": max(shown)}
            )
        else:
            parts.append(
                gettext("%(label)s: %(total)s in the year")
                % {"label": row.label, "total": row.total}
            )
    return "; ".join(parts) + "."


def board_charts(stats: BoardStatistics) -> list[Chart]:
    """Charts of the citizens' choices, the provider decisions and the orders per provider
    (the providers with the most orders in the year, at most MAX_CHART_LINES)."""
    charts = []
    for key, title in (
        ("choices", gettext("Citizens' choices per month")),
        ("providers", gettext("Provider decisions per month")),
    ):
        table = stats.table(key)
        description = _summary(stats, table.rows)
        figure = _bars(stats, table.rows)
        charts.append(
            Chart(
                key, title, description, _svg(figure, key=key, title=title, description=description)
            )
        )
    orders = sorted(stats.table("orders").rows, key=lambda r: -(r.total or 0))[:MAX_CHART_LINES]
    if orders:
        title = gettext("Active orders at month end, per provider")
        description = _summary(stats, orders)
        if len(stats.table("orders").rows) > len(orders):
            description += " " + gettext(
                "The chart shows the %(count)s providers with the most orders; the table has all."
            ) % {"count": len(orders)}
        figure = _lines(stats, orders)
        charts.append(
            Chart(
                "orders",
                title,
                description,
                _svg(figure, key="orders", title=title, description=description),
            )
        )
    return charts


def _cell(value) -> str:
    """Decimal comma, as Swedish spreadsheets expect with a semicolon separator."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return str(value)


def board_csv(stats: BoardStatistics) -> str:
    """The same figures as the page: semicolon separated, UTF-8 with a byte order mark (Excel
    then reads å, ä, ö), decimal comma; one row per figure, a column per month and the year."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Municipality"),
            gettext("Table"),
            gettext("Figure"),
            *[date_format(month, "Y-m") for month in stats.months],
            gettext("Whole year"),
        ]
    )
    for table in stats.tables:
        for row in table.rows:
            writer.writerow(
                [
                    stats.municipality.name,
                    table.title,
                    row.label,
                    *[_cell(value) for value in row.months],
                    _cell(row.total),
                ]
            )
    return out.getvalue()
