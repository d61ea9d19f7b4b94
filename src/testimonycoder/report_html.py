"""Render a :class:`~testimonycoder.report.Report` as one self-contained HTML page.

No JavaScript, external CSS or fonts: styles are inline and charts are inline SVG. Every count
links to a panel listing the documents behind it with their evidence snippets; panels open with
the CSS ``:target`` selector, so they work with scripts disabled.
"""

from __future__ import annotations

import re
from html import escape

import pandas as pd

from testimonycoder import __version__
from testimonycoder.report import Report
from testimonycoder.svg import Bar, bar_chart, heat_map

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:24px 28px 80px;background:#fff}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:2px solid #eee;
padding-bottom:4px}
.meta{color:#666;font-size:13px}.cards{display:flex;gap:14px;margin:18px 0;flex-wrap:wrap}
.card{border:1px solid #e2e2e2;border-radius:6px;padding:10px 16px;min-width:140px}
.card b{display:block;font-size:24px}
table{border-collapse:collapse;margin:10px 0;font-size:13px}
th,td{border-bottom:1px solid #eee;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
a{color:#1d5fa8}.chart{display:block;margin:10px 0;max-width:100%;height:auto}
.drill{display:none;border:1px solid #c9d8ee;background:#f5f9ff;border-radius:6px;padding:8px 14px;
margin:10px 0}
.drill:target{display:block}.drill h4{margin:4px 0}.drill ul{margin:4px 0;padding-left:20px}
.drill q{background:#fff6d5}.note{color:#555;font-size:13px}.swatch{display:inline-block;width:10px;
height:10px;border-radius:2px;margin-right:6px}
"""

_SECTIONS = (
    ("prevalence", "Code prevalence"),
    ("pathways", "Pathways into the trade (sub-codes)"),
    ("cooccurrence", "Co-occurrence of codes"),
    ("times_sold", "Times sold"),
    ("ages", "Age of the testimony's subject"),
    ("prices", "Prices by code"),
    ("places", "Places"),
    ("review", "Documents that need review"),
)

# Tables shown inside another table's section.
_SECTION_OF = {"price_list": "prices", "hometowns": "places"}


class _Page:
    def __init__(self, report: Report) -> None:
        self.r = report
        self._ids: dict[tuple[str, str], str] = {}
        self._panels: list[str] = []

    def anchor(self, table: str, key: str) -> str:
        if (table, key) not in self._ids:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{table}-{key}".lower()).strip("-")
            self._ids[(table, key)] = f"d{len(self._ids)}-{slug}"
        return self._ids[(table, key)]

    def count(self, table: str, key: str, n: int, title: str, label: str | None = None) -> str:
        """A count that links to the panel of documents behind it (no link for zero)."""
        if not n:
            return "0"
        seen = (table, key) in self._ids
        anchor = self.anchor(table, key)
        if not seen:
            self._panel(table, key, anchor, title)
        return f'<a href="#{anchor}">{escape(label) if label else n}</a>'

    def _panel(self, table: str, key: str, anchor: str, title: str) -> None:
        links = self.r.links_for(table, key)
        items = []
        for doc_id, snippets in links.items():
            quotes = "; ".join(f"<q>{escape(s)}</q>" for s in snippets)
            items.append(f"<li><b>{escape(doc_id)}</b>{': ' + quotes if quotes else ''}</li>")
        self._panels.append(
            f'<div class="drill" id="{anchor}"><h4>{escape(title)}: {len(links)} '
            f"document{'s' if len(links) != 1 else ''}</h4><ul>{''.join(items)}</ul>"
            f'<a href="#{_SECTION_OF.get(table, table)}">close</a></div>'
        )

    def flush_panels(self) -> str:
        out, self._panels = "".join(self._panels), []
        return out

    def colour(self, code: str) -> str:
        try:
            return self.r.codebook.code(code).colour
        except KeyError:
            return "#888888"


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return escape(str(value))


def render_html(report: Report) -> str:
    """The report as a self-contained HTML document."""
    page = _Page(report)
    t = report.tables
    body = [
        f"<h1>Corpus report</h1><p class='meta'>{report.documents} coded documents · codebook "
        f"{escape(', '.join(report.codebook_hashes) or 'unknown')} · testimonycoder "
        f"{escape(__version__)}{' · snippets redacted' if report.redacted else ''}</p>",
        "<div class='cards'>"
        f"<div class='card'><b>{report.documents}</b>documents</div>"
        f"<div class='card'><b>{page.count('review', 'review', len(t['review']), 'Needs review')}"
        "</b>need review</div></div>",
        "<p class='note'>Every number links to the documents behind it and their evidence. "
        "Counts are documents unless a column says otherwise.</p>",
    ]
    for key, title in _SECTIONS:
        body.append(f'<section id="{key}"><h2>{escape(title)}</h2>')
        body.append(_SECTION_RENDERERS[key](page, t, title))
        body.append(page.flush_panels())
        body.append("</section>")
    if report.notes:
        notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
        body.append(f"<h2>Notes</h2><ul class='note'>{notes}</ul>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>testimonycoder corpus report</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _section_prevalence(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["prevalence"]
    bars, rows = [], []
    for _, r in df.iterrows():
        link = page.count("prevalence", r["code"], int(r["documents"]), r["name"])
        anchor = f"#{page.anchor('prevalence', r['code'])}" if r["documents"] else None
        bars.append(
            Bar(
                r["name"],
                float(r["documents"]),
                f"{r['documents']} ({r['percent']:.0f}%)",
                anchor,
                page.colour(r["code"]),
            )
        )
        swatch = f"<span class='swatch' style='background:{page.colour(r['code'])}'></span>"
        rows.append([swatch + escape(r["name"]), escape(r["code"]), link, f"{r['percent']:.1f}%"])
    return bar_chart(bars, title=f"{title} (documents)") + _table(
        ["code", "id", "documents", "percent"], rows, {2, 3}
    )


def _section_pathways(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["pathways"].sort_values("share", ascending=False)
    bars, rows = [], []
    for _, r in df.iterrows():
        link = page.count("pathways", r["subcode"], int(r["documents"]), r["name"])
        anchor = f"#{page.anchor('pathways', r['subcode'])}" if r["documents"] else None
        bars.append(
            Bar(
                r["name"],
                float(r["share"]),
                f"{r['share']:.0f}%",
                anchor,
                page.colour(r["subcode"]),
            )
        )
        rows.append(
            [
                escape(r["name"]),
                escape(r["subcode"]),
                link,
                f"{r['percent']:.1f}%",
                f"{r['share']:.1f}%",
            ]
        )
    return bar_chart(bars, title="Share of pathway codings") + _table(
        ["pathway", "id", "documents", "% of documents", "share of pathways"], rows, {2, 3, 4}
    )


def _section_cooccurrence(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    m = t["cooccurrence"]
    codes = list(m.index)
    names = [page.r.codebook.code(c).name if c in page.r.codebook.top_level else c for c in codes]
    hrefs: list[list[str | None]] = []
    rows = []
    for i, a in enumerate(codes):
        hrefs.append([])
        cells = [escape(names[i])]
        for j, b in enumerate(codes):
            n = int(m.loc[a, b])
            cells.append(page.count("cooccurrence", f"{a}|{b}", n, f"{names[i]} + {names[j]}"))
            hrefs[-1].append(f"#{page.anchor('cooccurrence', f'{a}|{b}')}" if n else None)
        rows.append(cells)
    chart = heat_map(names, m.to_numpy().tolist(), title="Documents with both codes", hrefs=hrefs)
    return chart + _table(["", *names], rows, set(range(1, len(codes) + 1)))


def _section_times_sold(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["times_sold"]
    bars, rows = [], []
    for _, r in df.iterrows():
        link = page.count("times_sold", r["times"], int(r["documents"]), f"Sold {r['times']}")
        anchor = f"#{page.anchor('times_sold', r['times'])}" if r["documents"] else None
        bars.append(
            Bar(
                r["times"],
                float(r["documents"]),
                f"{r['documents']} ({r['percent']:.0f}%)",
                anchor,
                page.colour("sale"),
            )
        )
        rows.append([escape(r["times"]), link, f"{r['percent']:.1f}%"])
    note = (
        "<p class='note'>Documents coded <i>sale</i> or that state a number of sales. A document "
        "counts at the highest number written in it; \u201csold again\u201d counts as at least "
        "twice; a sale with no number written counts as once.</p>"
    )
    return (
        bar_chart(bars, title="Times sold (documents)")
        + note
        + _table(["times sold", "documents", "% of documents with a sale"], rows, {1, 2})
    )


def _section_ages(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["ages"]
    bars, rows = [], []
    for _, r in df.iterrows():
        link = page.count("ages", r["age_group"], int(r["documents"]), f"Age {r['age_group']}")
        anchor = f"#{page.anchor('ages', r['age_group'])}" if r["documents"] else None
        bars.append(
            Bar(r["age_group"], float(r["mentions"]), str(r["mentions"]), anchor, "#8c6bb1")
        )
        rows.append([escape(r["age_group"]), str(r["mentions"]), link])
    note = (
        "<p class='note'>Ages written about the testimony's subject (\u201cI was 14 years "
        "old\u201d), asserted; ages of buyers and others are left out.</p>"
    )
    return (
        bar_chart(bars, title="Age mentions by age group", label_width=120)
        + note
        + _table(["age", "mentions", "documents"], rows, {1, 2})
    )


def _section_prices(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["prices"]
    rows = []
    for _, r in df.iterrows():
        key = f"{r['code']}|{r['currency']}"
        link = page.count(
            "prices", key, int(r["documents"]), f"Prices: {r['code']} ({r['currency']})"
        )
        rows.append(
            [
                escape(r["code"]),
                escape(r["currency"]),
                str(r["n"]),
                _fmt(r["min"]),
                _fmt(r["median"]),
                _fmt(r["max"]),
                link,
            ]
        )
    summary = _table(
        ["code", "currency", "prices", "min", "median", "max", "documents"], rows, {2, 3, 4, 5, 6}
    )
    detail_rows = []
    for i, r in t["price_list"].iterrows():
        doc = page.count("price_list", str(i), 1, f"Price {r['text']}", label=r["doc_id"])
        amount = _fmt(r["value"]) + (f"–{_fmt(r['value_max'])}" if pd.notna(r["value_max"]) else "")
        detail_rows.append(
            [
                doc,
                escape(r["code"]),
                amount,
                escape(r["currency"]),
                escape(r["per"]),
                escape(r["qualifier"]),
                escape(r["conversion"]),
                escape(r["status"]),
                f"<q>{escape(r['text'])}</q>",
            ]
        )
    detail = _table(
        [
            "document",
            "code",
            "amount",
            "currency",
            "per",
            "qualifier",
            "conversion",
            "status",
            "as written",
        ],
        detail_rows,
        {2},
    )
    return (
        "<p class='note'>Prices paid or quoted, grouped by the code of the passage they are in "
        "(a price next to a forced marriage is a price for a \u201cwife\u201d).</p>"
        + summary
        + "<h3>Every price</h3>"
        + detail
    )


def _section_places(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    home = t["hometowns"]
    bars = []
    for _, r in home.iterrows():
        page.count("hometowns", r["province"], int(r["documents"]), f"Hometown: {r['province']}")
        bars.append(
            Bar(
                r["province"],
                float(r["documents"]),
                f"{r['documents']} ({r['percent']:.0f}%)",
                f"#{page.anchor('hometowns', r['province'])}",
                "#3a9c8f",
            )
        )
    rows = []
    for _, r in t["places"].iterrows():
        key = f"{r['place']}|{r['kind']}"
        rows.append(
            [
                escape(r["place"]),
                escape(r["kind"]),
                escape(r["province"]),
                page.count("places", key, int(r["documents"]), r["place"]),
                str(r["mentions"]),
            ]
        )
    chart = bar_chart(bars, title="North Korean hometown by province (documents)") if bars else ""
    return chart + _table(["place", "kind", "province", "documents", "mentions"], rows, {3, 4})


def _section_review(page: _Page, t: dict[str, pd.DataFrame], title: str) -> str:
    df = t["review"]
    if df.empty:
        return "<p>No document needs review.</p>"
    rows = [
        [escape(r["id"]), escape(r["codes"]), escape(r["reason"]), _fmt(r["margin"])]
        for _, r in df.iterrows()
    ]
    return (
        f"<p>{page.count('review', 'review', len(df), 'Needs review')} documents need "
        "review. The likeliest errors come first: the lower the margin, the closer a score came "
        "to its threshold.</p>" + _table(["document", "codes", "reason", "margin"], rows, {3})
    )


_SECTION_RENDERERS = {
    "prevalence": _section_prevalence,
    "pathways": _section_pathways,
    "cooccurrence": _section_cooccurrence,
    "times_sold": _section_times_sold,
    "ages": _section_ages,
    "prices": _section_prices,
    "places": _section_places,
    "review": _section_review,
}
