"""``report.html``: one self-contained page (inline CSS and SVG, a few lines of inline script).

Nothing is loaded from elsewhere (no JavaScript, CSS or font files), so the page opens on an
air-gapped machine and can be mailed as one file. The charts are SVG drawn here:

* per-code Krippendorff's alpha with its 95% bootstrap interval and the 0.667 / 0.800 lines;
* the coder-pair matrix: mean Cohen's kappa over codes for every pair of coders;
* the disagreement list, each with an excerpt whose spans are highlighted in the coder's colour.
"""

from __future__ import annotations

import itertools
import json
from html import escape

import numpy as np
import pandas as pd

from testimonycoder.audit.agreement import RELIABLE, TENTATIVE, pair_matrix
from testimonycoder.audit.annotations import records

PALETTE = ["#f2b134", "#4a90d9", "#5cb85c", "#d9534f", "#9b59b6", "#e67e22", "#1abc9c"]
MAX_LISTED = 300
EXCERPT_CONTEXT = 160
EXCERPT_MAX = 1400

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .6em;border-bottom:1px solid #eee;
text-align:right}th{background:#f6f6f6}td.l,th.l{text-align:left}
.reliable{color:#1e7b34;font-weight:600}.tentative{color:#a66d00;font-weight:600}
.unreliable{color:#b52a2a;font-weight:600}.undefined{color:#777}
.dis{border:1px solid #ddd;border-radius:6px;padding:.6em .9em;margin:.8em 0}
.dis .meta{font-size:.9em;color:#555}.excerpt{white-space:pre-wrap;background:#fcfcfc;
padding:.5em;margin-top:.4em;border-left:3px solid #ddd}
mark{padding:0 1px;border-radius:2px;color:inherit}.legend span{display:inline-block;
padding:0 .5em;margin-right:.6em;border-radius:3px}
.scroll{overflow-x:auto}svg text{font:12px system-ui,sans-serif}.note{color:#666;font-size:.9em}
"""

SCRIPT = """
document.documentElement.dataset.ready = "1";
const box = document.getElementById("filter");
if (box) {
  box.addEventListener("input", () => {
    const q = box.value.toLowerCase();
    for (const el of document.querySelectorAll(".dis")) {
      el.style.display = el.dataset.key.includes(q) ? "" : "none";
    }
  });
}
"""


def _fmt(value: object, digits: int = 3) -> str:
    if isinstance(value, float | np.floating):
        return "–" if np.isnan(value) else f"{value:.{digits}f}"
    return escape(str(value))


def colours(coders: list[str]) -> dict[str, str]:
    """A fixed colour per coder (in coder order)."""
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(coders)}


def alpha_chart(agreement: pd.DataFrame) -> str:
    """Horizontal bars of alpha per code and level, with CI whiskers and threshold lines."""
    rows = agreement.reset_index(drop=True)
    if rows.empty:
        return "<p class='note'>No codes to chart.</p>"
    lo_axis = min(0.0, float(np.nanmin(np.r_[rows["alpha_low"].to_numpy(float), 0.0])))
    lo_axis = max(-1.0, np.floor(lo_axis * 10) / 10)
    left, width, bar, gap = 190, 460, 16, 6
    height = 30 + len(rows) * (bar + gap) + 24

    def x(v: float) -> float:
        return left + (v - lo_axis) / (1.0 - lo_axis) * width

    parts = [
        f'<svg class="chart" id="alpha-chart" role="img" width="{left + width + 70}" '
        f'height="{height}" viewBox="0 0 {left + width + 70} {height}" '
        'xmlns="http://www.w3.org/2000/svg"><title>Krippendorff alpha per code</title>'
    ]
    for tick in np.arange(lo_axis, 1.0001, 0.2 if lo_axis < -0.4 else 0.1):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="20" x2="{x(tick):.1f}" y2="{height - 20}" '
            'stroke="#eee"/>'
            f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle">{tick:.1f}</text>'
        )
    for value, colour, name in ((TENTATIVE, "#a66d00", "0.667"), (RELIABLE, "#1e7b34", "0.800")):
        parts.append(
            f'<line x1="{x(value):.1f}" y1="14" x2="{x(value):.1f}" y2="{height - 20}" '
            f'stroke="{colour}" stroke-dasharray="4 3"/>'
            f'<text x="{x(value):.1f}" y="11" text-anchor="middle" fill="{colour}">{name}</text>'
        )
    fills = {"reliable": "#5cb85c", "tentative": "#f0ad4e", "unreliable": "#d9534f"}
    for i, row in enumerate(records(rows)):
        y = 24 + i * (bar + gap)
        label = f"{row['code']} ({row['level'][:3]})"
        parts.append(
            f'<text x="{left - 8}" y="{y + bar - 4}" text-anchor="end">{escape(label)}</text>'
        )
        alpha = float(row["alpha"])
        if np.isnan(alpha):
            parts.append(f'<text x="{x(0) + 4:.1f}" y="{y + bar - 4}" fill="#777">undefined</text>')
            continue
        x0, x1 = sorted((x(0.0), x(alpha)))
        fill = fills.get(str(row["reliability"]), "#999")
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{bar}" fill="{fill}"><title>{escape(label)}: alpha {alpha:.3f}</title></rect>'
        )
        low, high = float(row["alpha_low"]), float(row["alpha_high"])
        if not (np.isnan(low) or np.isnan(high)):
            mid = y + bar / 2
            parts.append(
                f'<line x1="{x(low):.1f}" y1="{mid}" x2="{x(high):.1f}" y2="{mid}" stroke="#333"/>'
                f'<line x1="{x(low):.1f}" y1="{mid - 4}" x2="{x(low):.1f}" y2="{mid + 4}" '
                'stroke="#333"/>'
                f'<line x1="{x(high):.1f}" y1="{mid - 4}" x2="{x(high):.1f}" y2="{mid + 4}" '
                'stroke="#333"/>'
            )
        parts.append(f'<text x="{left + width + 8}" y="{y + bar - 4}">{alpha:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _heat(value: float) -> str:
    if np.isnan(value):
        return "#eeeeee"
    v = min(max(value, 0.0), 1.0)  # kappa below 0 is as bad as 0 for colouring
    red, green = int(230 - 150 * v), int(120 + 90 * v)
    return f"rgb({red},{green},{int(120 - 30 * v)})"


def pair_chart(agreement: pd.DataFrame, coders: list[str]) -> str:
    """SVG heat map of the mean Cohen's kappa (document level) of every pair of coders."""
    matrix = pair_matrix(agreement, coders)
    cell, left, top = 64, 110, 90
    size_w, size_h = left + cell * len(coders) + 10, top + cell * len(coders) + 10
    parts = [
        f'<svg class="chart" id="pair-chart" role="img" width="{size_w}" height="{size_h}" '
        f'viewBox="0 0 {size_w} {size_h}" xmlns="http://www.w3.org/2000/svg">'
        "<title>Mean Cohen kappa per pair of coders</title>"
    ]
    for j, coder in enumerate(coders):
        cx = left + j * cell + cell / 2
        parts.append(
            f'<text x="{cx}" y="{top - 8}" text-anchor="start" '
            f'transform="rotate(-40 {cx} {top - 8})">{escape(coder)}</text>'
        )
    for i, a in enumerate(coders):
        parts.append(
            f'<text x="{left - 8}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">'
            f"{escape(a)}</text>"
        )
        for j, b in enumerate(coders):
            value = float(matrix.to_numpy()[i, j])
            parts.append(
                f'<rect class="cell" x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{"#f6f6f6" if i == j else _heat(value)}">'
                f"<title>{escape(a)} vs {escape(b)}: {_fmt(value)}</title></rect>"
            )
            if i != j:
                parts.append(
                    f'<text x="{left + j * cell + cell / 2 - 1}" '
                    f'y="{top + i * cell + cell / 2 + 4}" '
                    f'text-anchor="middle">{_fmt(value, 2)}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def highlighted_excerpt(
    text: str, spans: dict[str, list[list[int]]], palette: dict[str, str]
) -> str:
    """HTML of the passage around the spans, each span shaded in its coder's colour."""
    flat = [(s, e, c) for c, ranges in spans.items() for s, e in ranges]
    if flat:
        lo = max(0, min(s for s, _, _ in flat) - EXCERPT_CONTEXT)
        hi = min(len(text), max(e for _, e, _ in flat) + EXCERPT_CONTEXT, lo + EXCERPT_MAX)
    else:
        lo, hi = 0, min(len(text), 2 * EXCERPT_CONTEXT)
    cuts = sorted({lo, hi, *(min(max(p, lo), hi) for s, e, _ in flat for p in (s, e))})
    out = ["…" if lo > 0 else ""]
    for a, b in itertools.pairwise(cuts):
        piece = escape(text[a:b])
        who = [c for s, e, c in flat if s <= a and b <= e]
        if not who:
            out.append(piece)
            continue
        shades = [palette.get(c, "#ccc") + "88" for c in dict.fromkeys(who)]
        step = 100 / len(shades)
        stops = ",".join(
            f"{col} {k * step:.0f}% {(k + 1) * step:.0f}%" for k, col in enumerate(shades)
        )
        style = (
            f"background:{shades[0]}"
            if len(shades) == 1
            else f"background:linear-gradient(to bottom,{stops})"
        )
        out.append(
            f'<mark style="{style}" title="{escape(", ".join(dict.fromkeys(who)))}">{piece}</mark>'
        )
    out.append("…" if hi < len(text) else "")
    return "".join(out)


def _agreement_table(agreement: pd.DataFrame) -> str:
    cols = list(agreement.columns)
    head = "".join(
        f'<th class="{"l" if c in ("code", "level") else ""}">{escape(c)}</th>' for c in cols
    )
    body = []
    for row in records(agreement):
        cells = []
        for c in cols:
            value = row[c]
            if c == "reliability":
                cells.append(f'<td class="{escape(str(value))}">{escape(str(value))}</td>')
            elif c in ("code", "level"):
                cells.append(f'<td class="l">{escape(str(value))}</td>')
            elif c in ("n", "n_documents"):
                cells.append(f"<td>{int(value)}</td>")
            else:
                cells.append(f"<td>{_fmt(float(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table id="agreement"><tr>{head}</tr>{"".join(body)}</table></div>'


def _disagreement_list(
    disagreements: pd.DataFrame, texts: dict[str, str], palette: dict[str, str]
) -> str:
    if disagreements.empty:
        return "<p>The coders agree on every document and code.</p>"
    items = []
    for row in records(disagreements.head(MAX_LISTED)):
        spans = json.loads(str(row["spans"]))
        text = texts.get(str(row["doc_id"]))
        excerpt = (
            highlighted_excerpt(text, spans, palette)
            if text
            else "<span class='note'>(no text given)</span>"
        )
        score = (
            "" if pd.isna(row["model_score"]) else f" · model score {float(row['model_score']):.2f}"
        )
        key = escape(
            f"{row['doc_id']} {row['code']} {row['coders_yes']} {row['coders_no']}".lower()
        )
        items.append(
            f'<div class="dis" data-key="{key}">'
            f"<b>#{int(row['rank'])} {escape(str(row['doc_id']))}</b>"
            f" · <code>{escape(str(row['code']))}</code>"
            f'<div class="meta">applied by: {escape(str(row["coders_yes"]) or "–")} · not by: '
            f"{escape(str(row['coders_no']) or '–')}{score}</div>"
            f'<div class="excerpt">{excerpt}</div></div>'
        )
    more = len(disagreements) - MAX_LISTED
    tail = f"<p class='note'>{more} more in disagreements.csv.</p>" if more > 0 else ""
    return "".join(items) + tail


def _label_error_table(label_errors: pd.DataFrame | None) -> str:
    if label_errors is None:
        return ""
    if label_errors.empty:
        return "<h2>Likely label errors</h2><p>No label was flagged.</p>"
    rows = "".join(
        f"<tr><td>{int(r['rank'])}</td><td class='l'>{escape(str(r['coder']))}</td>"
        f"<td class='l'>{escape(str(r['doc_id']))}</td><td class='l'>{escape(str(r['code']))}</td>"
        f"<td>{int(r['given_label'])}</td><td>{float(r['oof_probability']):.3f}</td></tr>"
        for r in records(label_errors.head(MAX_LISTED))
    )
    return (
        "<h2>Likely label errors</h2><p class='note'>Confident learning (cleanlab) on out-of-fold "
        "probabilities; most likely wrong first.</p><table id='label-errors'><tr><th>rank</th>"
        "<th class='l'>coder</th><th class='l'>document</th><th class='l'>code</th>"
        f"<th>given</th><th>out-of-fold p</th></tr>{rows}</table>"
    )


def render_report(
    agreement: pd.DataFrame,
    disagreements: pd.DataFrame,
    *,
    coders: list[str],
    texts: dict[str, str],
    n_documents: int,
    label_errors: pd.DataFrame | None = None,
    notes: list[str] | None = None,
    title: str = "testimonycoder audit",
) -> str:
    """The whole report as one HTML string."""
    palette = colours(coders)
    legend = "".join(f'<span style="background:{palette[c]}88">{escape(c)}</span>' for c in coders)
    note_html = "".join(f"<p class='note'>{escape(n)}</p>" for n in notes or [])
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{n_documents} documents · coders: "
        f"{escape(', '.join(coders))}</p>{note_html}"
        "<h2>Agreement per code</h2><p class='note'>Krippendorff's alpha (nominal) with its 95% "
        "bootstrap interval; dashed lines: 0.667 (tentative) and 0.800 (reliable).</p>"
        f"{alpha_chart(agreement)}{_agreement_table(agreement)}"
        "<h2>Coder pairs</h2><p class='note'>Mean Cohen's kappa over codes, document level.</p>"
        f"{pair_chart(agreement, coders)}"
        f"<h2>Disagreements ({len(disagreements)})</h2><p class='legend'>{legend}</p>"
        "<p><input id='filter' type='search' placeholder='filter by document, code or coder' "
        f"size='40'></p><div id='disagreements'>{_disagreement_list(disagreements, texts, palette)}"
        f"</div>{_label_error_table(label_errors)}<script>{SCRIPT}</script></body></html>"
    )
