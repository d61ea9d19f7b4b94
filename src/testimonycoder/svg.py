"""Inline SVG charts for the HTML report: horizontal bars and a heat map.

Hand-written because the report must be one self-contained file with no JavaScript: plotting
libraries either need JavaScript in the page (Vega, Plotly) or a heavy dependency (matplotlib)
for a few rectangles. Every bar and cell can link to the documents behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # what is written next to the bar ("12 (80%)")
    href: str | None = None
    colour: str = "#4c72b0"


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 680, label_width: int = 230) -> str:
    """A horizontal bar chart; bar lengths are relative to the largest value."""
    row, top = 28, 34
    height = top + row * max(len(bars), 1) + 10
    plot = width - label_width - 110
    biggest = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="600" fill="#222">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(plot * bar.value / biggest, 1 if bar.value else 0)
        shape = (
            f'<text x="{label_width - 8}" y="{y + 17}" font-size="13" text-anchor="end" '
            f'fill="#333">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'rx="2" fill="{escape(bar.colour)}"><title>{escape(bar.label)}: '
            f"{escape(bar.text)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" font-size="12" '
            f'fill="#333">{escape(bar.text)}</text>'
        )
        if bar.href:
            shape = f'<a href="{escape(bar.href)}">{shape}</a>'
        parts.append(shape)
    parts.append("</svg>")
    return "".join(parts)


def heat_map(
    labels: Sequence[str],
    values: Sequence[Sequence[int]],
    *,
    title: str,
    hrefs: Sequence[Sequence[str | None]] | None = None,
    colour: str = "#2b6cb0",
) -> str:
    """A square matrix of counts; darker cells hold more documents."""
    cell, left, top = 46, 150, 120
    n = len(labels)
    # Room on the right for the last rotated column label.
    width, height = left + cell * n + 100, top + cell * n + 10
    biggest = max((v for r in values for v in r), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}" style="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="600" fill="#222">{escape(title)}</text>',
    ]
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{left - 8}" y="{top + i * cell + cell / 2 + 4}" font-size="12" '
            f'text-anchor="end" fill="#333">{escape(label)}</text>'
        )
        x = left + i * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 8}" font-size="12" fill="#333" '
            f'transform="rotate(-45 {x} {top - 8})">{escape(label)}</text>'
        )
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            opacity = 0.08 + 0.92 * value / biggest
            ink = "#fff" if opacity > 0.55 else "#222"
            shape = (
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{colour}" fill-opacity="{opacity:.2f}">'
                f"<title>{escape(labels[i])} + {escape(labels[j])}: {value}</title></rect>"
                f'<text x="{left + j * cell + cell / 2 - 1}" y="{top + i * cell + cell / 2 + 4}" '
                f'font-size="13" text-anchor="middle" fill="{ink}">{value}</text>'
            )
            href = hrefs[i][j] if hrefs else None
            if href:
                shape = f'<a href="{escape(href)}">{shape}</a>'
            parts.append(shape)
    parts.append("</svg>")
    return "".join(parts)
