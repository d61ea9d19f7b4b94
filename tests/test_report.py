"""Corpus report tables, checked against counts computed by hand from a small fixture."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from testimonycoder.errors import InputError, OutputError
from testimonycoder.redaction import redact_function
from testimonycoder.report import build_report, write_tables
from testimonycoder.report_html import render_html


def _ev(code: str, text: str, status: str = "asserted") -> dict[str, Any]:
    return {
        "code": code,
        "start": 0,
        "end": len(text),
        "text": text,
        "source": "rules",
        "status": status,
        "experiencer": "self",
    }


def _attr(
    atype: str, value: Any, text: str, status: str = "asserted", **extra: Any
) -> dict[str, Any]:
    return {
        "type": atype,
        "value": value,
        "text": text,
        "start": 0,
        "end": len(text),
        "status": status,
        "about": "self",
        **extra,
    }


# Five documents. By hand:
#   coercion: a, b, c (3 = 60%)    sale: a, b, c, d (4 = 80%)    forced_marriage: a, c (2)
#   prostitution: b (1)            abduction, cybersex: 0
#   pathways: coercion.china a, b; coercion.north_korea c; sale.broker a -> 4 codings,
#             coercion.china share 2/4 = 50%
#   co-occurrence: coercion+sale = a, b, c (3); sale+forced_marriage = a, c (2)
#   times sold (documents with a sale or a count: a, b, c, d): a "sold twice" -> twice;
#     b "sold again" -> at least twice -> twice; c no count -> once; d "sold more than three
#     times" -> more than three; e has no sale -> not counted. once 1, twice 2, >3 1 (of 4)
#   ages (self, asserted): a 14 -> 12–14; b 19 -> 18–21; c 36 is about "other" -> left out;
#     d 16 is hypothetical -> left out
#   prices: a ¥18,000 forced_marriage, c ¥30,000 forced_marriage, b ¥12,000 prostitution;
#     b threatened ¥5,000 left out -> forced_marriage CNY n=2 min 18000 median 24000 max 30000
#   hometowns: a Chongjin, c Musan (North Hamgyong), b Hyesan (Ryanggang), d and e none
#   review: b, e
RECORDS = [
    {
        "id": "a",
        "codes": ["coercion", "sale", "forced_marriage"],
        "subcodes": ["coercion.china", "sale.broker"],
        "review": False,
        "codebook": "h1",
        "evidence": [
            _ev("coercion", "offered me a job"),
            _ev("sale", "sold me"),
            _ev("forced_marriage", "sold me as a wife"),
            _ev("coercion.china", "offered me a job"),
            _ev("sale.broker", "sold me"),
        ],
        "attributes": [
            _attr(
                "place",
                "Chongjin",
                "Chongjin",
                kind="kp_city",
                country="North Korea",
                province="North Hamgyong",
            ),
            _attr("place", "Yanji", "Yanji", kind="cn_city", country="China", province="Jilin"),
            _attr("age", 14, "14 years old"),
            _attr("times_sold", 2, "sold twice", code="sale"),
            _attr("price", 18000, "18,000 yuan", currency="CNY", code="forced_marriage"),
        ],
    },
    {
        "id": "b",
        "codes": ["coercion", "sale", "prostitution"],
        "subcodes": ["coercion.china"],
        "review": True,
        "review_reasons": ["coercion: close to the threshold", "cybersex: hearsay"],
        "codebook": "h1",
        "evidence": [
            _ev("coercion", "promised"),
            _ev("sale", "sold me"),
            _ev("prostitution", "brothel"),
            _ev("cybersex", "webcam", "hearsay"),
            _ev("coercion.china", "promised"),
        ],
        "attributes": [
            _attr(
                "place",
                "Hyesan",
                "Hyesan",
                kind="kp_city",
                country="North Korea",
                province="Ryanggang",
            ),
            _attr("place", "Yanji", "Yanji", kind="cn_city", country="China", province="Jilin"),
            _attr("age", 19, "when I was nineteen"),
            _attr("times_sold", 2, "sold again", qualifier="at least", code="sale"),
            _attr("price", 12000, "twelve thousand yuan", currency="CNY", code="prostitution"),
            _attr("price", 5000, "¥5000", status="threatened", currency="CNY", code="sale"),
        ],
    },
    {
        "id": "c",
        "codes": ["coercion", "sale", "forced_marriage"],
        "subcodes": ["coercion.north_korea"],
        "review": False,
        "codebook": "h1",
        "evidence": [
            _ev("coercion", "persuaded me"),
            _ev("sale", "sold me"),
            _ev("forced_marriage", "his wife"),
            _ev("coercion.north_korea", "persuaded me"),
        ],
        "attributes": [
            _attr(
                "place",
                "Musan",
                "Musan County",
                kind="kp_city",
                country="North Korea",
                province="North Hamgyong",
            ),
            {**_attr("age", 36, "36-year-old"), "about": "other"},
            _attr("price", 30000, "¥30,000", currency="CNY", code="forced_marriage"),
        ],
    },
    {
        "id": "d",
        "codes": ["sale"],
        "subcodes": [],
        "review": False,
        "codebook": "h1",
        "evidence": [_ev("sale", "sold")],
        "attributes": [
            _attr("times_sold", 3, "sold more than three times", qualifier="more than"),
            _attr("age", 16, "16 years old", status="hypothetical"),
        ],
    },
    {
        "id": "e",
        "codes": [],
        "subcodes": [],
        "review": True,
        "codebook": "h1",
        "evidence": [_ev("sale", "sold", "hearsay")],
    },
]


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    path = tmp_path / "coded.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def _row(df: pd.DataFrame, column: str, key: str) -> pd.Series:
    return df[df[column] == key].iloc[0]


def test_prevalence(coded: Path) -> None:
    report = build_report(coded)
    prev = report.tables["prevalence"].set_index("code")
    assert report.documents == 5
    assert prev["documents"].to_dict() == {
        "coercion": 3,
        "abduction": 0,
        "sale": 4,
        "prostitution": 1,
        "cybersex": 0,
        "forced_marriage": 2,
    }
    assert prev.loc["sale", "percent"] == 80.0
    assert prev.loc["sale", "doc_ids"] == ["a", "b", "c", "d"]
    # Linked to the documents behind it, with their asserted evidence.
    assert report.links_for("prevalence", "coercion") == {
        "a": ["offered me a job"],
        "b": ["promised"],
        "c": ["persuaded me"],
    }


def test_pathways_and_cooccurrence(coded: Path) -> None:
    report = build_report(coded)
    paths = report.tables["pathways"]
    china = _row(paths, "subcode", "coercion.china")
    assert (china["documents"], china["percent"], china["share"]) == (2, 40.0, 50.0)
    assert _row(paths, "subcode", "coercion.north_korea")["doc_ids"] == ["c"]
    co = report.tables["cooccurrence"]
    assert co.loc["coercion", "sale"] == 3
    assert co.loc["sale", "forced_marriage"] == 2
    assert co.loc["prostitution", "forced_marriage"] == 0
    assert co.loc["sale", "sale"] == 4
    assert sorted(report.links_for("cooccurrence", "sale|forced_marriage")) == ["a", "c"]


def test_times_sold(coded: Path) -> None:
    times = build_report(coded).tables["times_sold"].set_index("times")
    assert times["documents"].to_dict() == {
        "once": 1,
        "twice": 2,
        "three times": 0,
        "more than three": 1,
    }
    assert times.loc["twice", "doc_ids"] == ["a", "b"]
    assert times.loc["twice", "percent"] == 50.0


def test_ages(coded: Path) -> None:
    ages = build_report(coded).tables["ages"].set_index("age_group")
    assert ages["mentions"].sum() == 2
    assert ages.loc["12–14", "doc_ids"] == ["a"]
    assert ages.loc["18–21", "doc_ids"] == ["b"]


def test_prices(coded: Path) -> None:
    report = build_report(coded)
    prices = report.tables["prices"]
    fm = _row(prices, "code", "forced_marriage")
    assert (fm["currency"], fm["n"], fm["min"], fm["median"], fm["max"]) == (
        "CNY",
        2,
        18000,
        24000,
        30000,
    )
    assert _row(prices, "code", "prostitution")["max"] == 12000
    assert len(report.tables["price_list"]) == 3
    assert any("1 threatened" in n for n in report.notes)


def test_places_hometowns_review(coded: Path) -> None:
    report = build_report(coded)
    places = report.tables["places"]
    assert _row(places, "place", "Yanji")["documents"] == 2
    home = report.tables["hometowns"].set_index("province")
    assert home.loc["North Hamgyong", "documents"] == 2
    assert home.loc["North Hamgyong", "percent"] == pytest.approx(66.7)
    assert home.loc["Ryanggang", "doc_ids"] == ["b"]
    assert report.links_for("hometowns", "North Hamgyong")["c"] == ["Musan County"]
    assert report.tables["review"]["id"].tolist() == ["b", "e"]
    # the record's own reasons, or (records written before they existed) a general one
    assert report.tables["review"]["reason"].tolist() == [
        "coercion: close to the threshold; cybersex: hearsay",
        "hearsay evidence",
    ]


def test_review_table_puts_the_lowest_margin_first(tmp_path: Path) -> None:
    records = [
        {"id": i, "codes": [], "review": True, "review_margin": m, "evidence": []}
        for i, m in [("far", 1.2), ("old", None), ("close", 0.1), ("mid", 0.6)]
    ]
    records.append({"id": "clear", "codes": [], "review": False, "review_margin": 0.05})
    path = tmp_path / "coded.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    review = build_report(path).tables["review"]
    # records without a margin (rules alone, or older files) come last, in input order
    assert review["id"].tolist() == ["close", "mid", "far", "old"]


def test_redaction_applies_to_every_snippet(coded: Path) -> None:
    report = build_report(coded, redact=redact_function())
    snippets = set(report.links["snippet"])
    assert any("[PLACE-" in s for s in snippets)
    assert "Yanji" not in snippets and "Musan County" not in snippets
    quotes = re.findall(r"<q>(.*?)</q>", render_html(report))
    assert quotes and not any("Yanji" in q or "Musan" in q for q in quotes)


def test_write_tables(coded: Path, tmp_path: Path) -> None:
    report = build_report(coded)
    written = write_tables(report, tmp_path / "tables")
    names = {p.name for p in written}
    assert {"prevalence.csv", "times_sold.csv", "prices.csv", "links.csv"} <= names
    prev = pd.read_csv(tmp_path / "tables" / "prevalence.csv")
    assert prev.set_index("code").loc["sale", "doc_ids"] == "a;b;c;d"
    co = pd.read_csv(tmp_path / "tables" / "cooccurrence.csv", index_col=0)
    assert co.loc["coercion", "sale"] == 3
    with pytest.raises(OutputError, match="--force"):
        write_tables(report, tmp_path / "tables")


def test_html_is_self_contained(coded: Path) -> None:
    html = render_html(build_report(coded))
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "https://" not in html and "@import" not in html and "url(" not in html
    assert html.count("<svg") >= 5
    # Every count link points at a panel that exists.
    targets = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert targets <= ids


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "not a JSON line"),
        ('{"id": "x"}\n', "needs 'id' and 'codes'"),
        ('{"id": "x", "codes": []}\n{"id": "x", "codes": []}\n', "already read"),
        ("", "no coded documents"),
    ],
)
def test_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        build_report(path)
