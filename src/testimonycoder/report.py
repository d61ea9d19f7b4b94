"""Corpus report: the tables researchers publish, computed from coded documents (``code`` JSONL).

:func:`build_report` reads one or more coded JSONL files and returns a :class:`Report` whose
``tables`` are pandas DataFrames. Every count in them is linked to the documents behind it:
each row has a ``doc_ids`` column, and ``Report.links`` (columns ``table, key, doc_id,
snippet``) holds the evidence snippets of every document behind every row.

Which table answers which question:

* ``prevalence``: how many documents have each code? (``code, name, documents, percent``)
* ``pathways``: how did victims enter the trade (sub-codes)? (``subcode, name, parent,
  documents, percent, share``; ``share`` is the share among all pathway codings, as in
  published pathway charts)
* ``cooccurrence``: which codes occur together? (a code x code matrix of document counts;
  the diagonal is the prevalence)
* ``times_sold``: how many times were victims sold? (``times, documents, percent``; one row per
  bucket: once, twice, three times, more than three). A document counts at the highest count
  written in it ("sold twice", "sold again" = at least twice); a document coded ``sale`` with no
  count written counts as once.
* ``ages``: at what ages? (``age_group, mentions, documents``): ages of the testimony's subject
  (``about == "self"``), asserted.
* ``prices``: what prices were quoted, by code? (``code, currency, n, min, median, max``),
  and ``price_list``, one row per price (asserted or hearsay; threatened, negated and
  hypothetical prices are left out and counted in ``Report.notes``).
* ``places``: which places are named? (``place, kind, country, province, documents,
  mentions``) and ``hometowns``: North Korean hometown by province (the first North Korean
  place named in a document).
* ``durations``: durations written in the documents, one row each.
* ``review``: how many documents need review, likeliest errors first? (``id, codes, reason,
  margin``)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import orjson
import pandas as pd

from testimonycoder.codebook import Codebook, load_codebook
from testimonycoder.errors import InputError, OutputError

SNIPPET_CHARS = 240
AGE_BINS: tuple[tuple[int, int], ...] = (
    (0, 11),
    (12, 14),
    (15, 17),
    (18, 21),
    (22, 25),
    (26, 29),
    (30, 39),
    (40, 120),
)
TIMES_BUCKETS = ("once", "twice", "three times", "more than three")
SHOWN_PRICE_STATUSES = ("asserted", "hearsay")

# A row's links: document id -> evidence snippets.
Links = dict[str, list[str]]


@dataclass
class Report:
    """The corpus tables, their links to documents, and notes on what was left out."""

    documents: int
    tables: dict[str, pd.DataFrame]
    links: pd.DataFrame
    codebook: Codebook
    codebook_hashes: list[str]
    notes: list[str] = field(default_factory=list)
    redacted: bool = False

    def links_for(self, table: str, key: str) -> Links:
        """Document id -> snippets behind row ``key`` of ``table``."""
        rows = self.links[(self.links["table"] == table) & (self.links["key"] == key)]
        out: Links = {}
        for doc_id, snippet in zip(rows["doc_id"], rows["snippet"], strict=True):
            out.setdefault(doc_id, [])
            if snippet:
                out[doc_id].append(snippet)
        return out


def read_codings(paths: Sequence[Path]) -> Iterator[dict[str, Any]]:
    """Coded records from ``code`` JSONL files, checked for the keys the report needs.

    Raises:
        InputError: a file is missing, a line is not JSON or lacks ``id``/``codes``, or a
            document id repeats (it would be counted twice).
    """
    seen: dict[str, str] = {}
    for path in paths:
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise InputError(f"{path}: cannot read the coded file ({exc.strerror})") from None
        with fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise InputError(
                        f"{where}: not a JSON line; give the .jsonl written by "
                        "'testimonycoder code'"
                    ) from None
                if not isinstance(rec, dict) or "id" not in rec or "codes" not in rec:
                    raise InputError(
                        f"{where}: not a coded document (needs 'id' and 'codes'); give the "
                        ".jsonl written by 'testimonycoder code'"
                    )
                doc_id = str(rec["id"])
                if doc_id in seen:
                    raise InputError(
                        f"{where}: document '{doc_id}' was already read at {seen[doc_id]}; "
                        "each document may appear once"
                    )
                seen[doc_id] = where
                rec["id"] = doc_id
                yield rec


def build_report(
    paths: Path | Sequence[Path],
    *,
    codebook_path: Path | None = None,
    redact: Callable[[str], str] | None = None,
) -> Report:
    """Compute the corpus tables from coded JSONL file(s).

    Args:
        paths: ``code`` JSONL file(s) written by ``testimonycoder code``.
        codebook_path: codebook for code names and colours (default: the bundled one).
        redact: applied to every evidence snippet (see :func:`default_redact`).

    Raises:
        InputError: unreadable or malformed input, or no documents.
    """
    files = [paths] if isinstance(paths, Path) else list(paths)
    records = list(read_codings(files))
    if not records:
        raise InputError(f"{', '.join(map(str, files))}: no coded documents to report on")
    book = load_codebook(codebook_path)
    builder = _Builder(records, book, redact or (lambda s: s))
    return Report(
        documents=len(records),
        tables=builder.tables(),
        links=builder.links_frame(),
        codebook=book,
        codebook_hashes=sorted({str(r.get("codebook", "")) for r in records} - {""}),
        notes=builder.notes,
        redacted=redact is not None,
    )


class _Builder:
    def __init__(
        self, records: list[dict[str, Any]], book: Codebook, redact: Callable[[str], str]
    ) -> None:
        self.records = records
        self.book = book
        self.n = len(records)
        self._redact = redact
        self._links: list[tuple[str, str, str, str]] = []
        self.notes: list[str] = []

    # -- links --------------------------------------------------------------------------------

    def _snippet(self, text: str) -> str:
        text = " ".join(str(text).split())
        if len(text) > SNIPPET_CHARS:
            text = text[: SNIPPET_CHARS - 1] + "…"
        return self._redact(text)

    def _link(self, table: str, key: str, links: Links) -> list[str]:
        for doc_id in sorted(links):
            snippets = links[doc_id] or [""]
            for snippet in dict.fromkeys(snippets):  # unique, in order
                self._links.append((table, key, doc_id, self._snippet(snippet) if snippet else ""))
        return sorted(links)

    def links_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._links, columns=["table", "key", "doc_id", "snippet"])

    def _pct(self, count: int, total: int | None = None) -> float:
        total = self.n if total is None else total
        return round(100 * count / total, 1) if total else 0.0

    # -- tables -------------------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "prevalence": self.prevalence(),
            "pathways": self.pathways(),
            "cooccurrence": self.cooccurrence(),
            "times_sold": self.times_sold(),
            "ages": self.ages(),
            "prices": self.prices(),
            "price_list": self.price_list(),
            "places": self.places(),
            "hometowns": self.hometowns(),
            "durations": self.durations(),
            "review": self.review(),
        }

    def _evidence(self, rec: dict[str, Any], code: str) -> list[str]:
        ev = [e for e in rec.get("evidence", []) if e.get("code") == code]
        asserted = [e["text"] for e in ev if e.get("status") == "asserted" and e.get("text")]
        return asserted or [e["text"] for e in ev if e.get("text")]

    def _name(self, code: str) -> str:
        try:
            return self.book.code(code).name
        except KeyError:
            return code

    def prevalence(self) -> pd.DataFrame:
        rows = []
        for code in self.book.top_level:
            links = {r["id"]: self._evidence(r, code) for r in self.records if code in r["codes"]}
            ids = self._link("prevalence", code, links)
            rows.append((code, self._name(code), len(ids), self._pct(len(ids)), ids))
        return pd.DataFrame(rows, columns=["code", "name", "documents", "percent", "doc_ids"])

    def pathways(self) -> pd.DataFrame:
        rows = []
        for sub in self.book.subcodes:
            links = {
                r["id"]: self._evidence(r, sub)
                for r in self.records
                if sub in r.get("subcodes", [])
            }
            ids = self._link("pathways", sub, links)
            parent = self.book.code(sub).parent
            rows.append((sub, self._name(sub), parent, len(ids), self._pct(len(ids)), ids))
        df = pd.DataFrame(
            rows, columns=["subcode", "name", "parent", "documents", "percent", "doc_ids"]
        )
        total = int(df["documents"].sum())
        df.insert(5, "share", [self._pct(int(c), total) for c in df["documents"]])
        return df

    def cooccurrence(self) -> pd.DataFrame:
        codes = self.book.top_level
        matrix = pd.DataFrame(0, index=pd.Index(codes, name="code"), columns=codes)
        for a in codes:
            for b in codes:
                both = [r for r in self.records if a in r["codes"] and b in r["codes"]]
                links = {
                    r["id"]: self._evidence(r, a) + ([] if a == b else self._evidence(r, b))
                    for r in both
                }
                self._link("cooccurrence", f"{a}|{b}", links)
                matrix.loc[a, b] = len(both)
        return matrix

    def _attrs(
        self, rec: dict[str, Any], kind: str, statuses: Iterable[str] = ("asserted",)
    ) -> list[dict[str, Any]]:
        wanted = set(statuses)
        return [
            a
            for a in rec.get("attributes", [])
            if a.get("type") == kind and a.get("status") in wanted
        ]

    def times_sold(self) -> pd.DataFrame:
        buckets: dict[str, Links] = {b: {} for b in TIMES_BUCKETS}
        for rec in self.records:
            counts = self._attrs(rec, "times_sold")
            if not counts and "sale" not in rec["codes"]:
                continue
            times, snippets = 1, self._evidence(rec, "sale")[:2]
            for a in counts:
                value = int(a["value"]) + (1 if a.get("qualifier") == "more than" else 0)
                if value >= times:
                    times = value
            if counts:
                snippets = [a["text"] for a in counts]
            bucket = TIMES_BUCKETS[min(times, 4) - 1]
            buckets[bucket][rec["id"]] = snippets
        total = sum(len(v) for v in buckets.values())
        rows = []
        for bucket, links in buckets.items():
            ids = self._link("times_sold", bucket, links)
            rows.append((bucket, len(ids), self._pct(len(ids), total), ids))
        return pd.DataFrame(rows, columns=["times", "documents", "percent", "doc_ids"])

    def ages(self) -> pd.DataFrame:
        bins: dict[str, Links] = {_age_label(lo, hi): {} for lo, hi in AGE_BINS}
        mentions: Counter[str] = Counter()
        for rec in self.records:
            for a in self._attrs(rec, "age"):
                if a.get("about") != "self":
                    continue
                label = next(_age_label(lo, hi) for lo, hi in AGE_BINS if lo <= a["value"] <= hi)
                bins[label].setdefault(rec["id"], []).append(a["text"])
                mentions[label] += 1
        rows = []
        for label, links in bins.items():
            ids = self._link("ages", label, links)
            rows.append((label, mentions[label], len(ids), ids))
        return pd.DataFrame(rows, columns=["age_group", "mentions", "documents", "doc_ids"])

    def _price_attrs(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        left_out: Counter[str] = Counter()
        for rec in self.records:
            for a in rec.get("attributes", []):
                if a.get("type") != "price":
                    continue
                if a.get("status") in SHOWN_PRICE_STATUSES:
                    yield rec, a
                else:
                    left_out[str(a.get("status"))] += 1
        if left_out and not any(n.startswith("Prices left out") for n in self.notes):
            detail = ", ".join(f"{n} {s}" for s, n in sorted(left_out.items()))
            self.notes.append(f"Prices left out because they were not paid: {detail}.")

    def price_list(self) -> pd.DataFrame:
        rows = []
        for i, (rec, a) in enumerate(self._price_attrs()):
            conv = a.get("conversion")
            key = f"{i}"
            self._link("price_list", key, {rec["id"]: [a["text"]]})
            rows.append(
                (
                    rec["id"],
                    a.get("code") or "",
                    a["value"],
                    a.get("value_max"),
                    a.get("currency") or "",
                    a.get("per") or "",
                    a.get("qualifier") or "",
                    conv["text"] if conv else "",
                    a.get("status"),
                    self._snippet(a["text"]),
                )
            )
        return pd.DataFrame(
            rows,
            columns=[
                "doc_id",
                "code",
                "value",
                "value_max",
                "currency",
                "per",
                "qualifier",
                "conversion",
                "status",
                "text",
            ],
        )

    def prices(self) -> pd.DataFrame:
        groups: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for rec, a in self._price_attrs():
            groups[(a.get("code") or "(none)", a.get("currency") or "(none)")].append(
                (rec["id"], a)
            )
        order = {c: i for i, c in enumerate(self.book.top_level)}
        rows = []
        for (code, currency), items in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
        ):
            values = [float(a["value"]) for _, a in items]
            links: Links = {}
            for doc_id, a in items:
                links.setdefault(doc_id, []).append(a["text"])
            ids = self._link("prices", f"{code}|{currency}", links)
            rows.append(
                (
                    code,
                    currency,
                    len(values),
                    min(values),
                    median(values),
                    max(values),
                    len(ids),
                    ids,
                )
            )
        return pd.DataFrame(
            rows,
            columns=["code", "currency", "n", "min", "median", "max", "documents", "doc_ids"],
        )

    def places(self) -> pd.DataFrame:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for rec in self.records:
            for a in rec.get("attributes", []):
                if a.get("type") != "place":
                    continue
                key = (a["value"], a.get("kind", ""))
                entry = found.setdefault(key, {"attr": a, "links": {}, "mentions": 0})
                entry["links"].setdefault(rec["id"], []).append(a["text"])
                entry["mentions"] += 1
        rows = []
        for (name, kind), entry in sorted(
            found.items(), key=lambda kv: (-len(kv[1]["links"]), kv[0][0])
        ):
            a = entry["attr"]
            ids = self._link("places", f"{name}|{kind}", entry["links"])
            rows.append(
                (
                    name,
                    kind,
                    a.get("country", ""),
                    a.get("province") or "",
                    len(ids),
                    entry["mentions"],
                    ids,
                )
            )
        return pd.DataFrame(
            rows,
            columns=["place", "kind", "country", "province", "documents", "mentions", "doc_ids"],
        )

    def hometowns(self) -> pd.DataFrame:
        provinces: dict[str, Links] = defaultdict(dict)
        for rec in self.records:
            first = next(
                (
                    a
                    for a in rec.get("attributes", [])
                    if a.get("type") == "place" and str(a.get("kind", "")).startswith("kp_")
                ),
                None,
            )
            if first is None:
                continue
            province = first.get("province") or first["value"]
            provinces[province][rec["id"]] = [first["text"]]
        known = sum(len(v) for v in provinces.values())
        rows = []
        for province, links in sorted(provinces.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            ids = self._link("hometowns", province, links)
            rows.append((province, len(ids), self._pct(len(ids), known), ids))
        if known < self.n:
            self.notes.append(
                f"Hometown: {self.n - known} of {self.n} documents name no North Korean place."
            )
        return pd.DataFrame(rows, columns=["province", "documents", "percent", "doc_ids"])

    def durations(self) -> pd.DataFrame:
        rows = []
        for rec in self.records:
            for a in self._attrs(rec, "duration"):
                rows.append(
                    (
                        rec["id"],
                        a["value"],
                        a.get("unit"),
                        a.get("qualifier") or "",
                        a.get("code") or "",
                        self._snippet(a["text"]),
                    )
                )
        return pd.DataFrame(rows, columns=["doc_id", "value", "unit", "qualifier", "code", "text"])

    def review(self) -> pd.DataFrame:
        rows = []
        links: Links = {}
        for rec in self.records:
            if not rec.get("review"):
                continue
            uncertain = [e for e in rec.get("evidence", []) if e.get("status") == "hearsay"]
            # records written before review reasons existed have none
            reason = "; ".join(rec.get("review_reasons") or []) or (
                "hearsay evidence" if uncertain else "rules and model disagree or uncertain"
            )
            links[rec["id"]] = [e["text"] for e in uncertain] or []
            rows.append((rec["id"], ";".join(rec["codes"]), reason, rec.get("review_margin")))
        self._link("review", "review", links)
        table = pd.DataFrame(rows, columns=["id", "codes", "reason", "margin"])
        # The likeliest errors first (the lowest margin), then records without a margin (coded
        # by the rules alone, or written before margins existed) in input order.
        return table.sort_values("margin", kind="stable", na_position="last", ignore_index=True)


def _age_label(lo: int, hi: int) -> str:
    if lo == 0:
        return f"under {hi + 1}"
    if hi >= 120:
        return f"{lo}+"
    return f"{lo}–{hi}"


def write_tables(report: Report, directory: Path, *, force: bool = False) -> list[Path]:
    """Write every table, and the links, as CSV files into ``directory`` (created if missing).

    ``doc_ids`` lists are written joined by ``;``. Returns the paths written.

    Raises:
        OutputError: a file exists (without ``force``) or the folder cannot be written.
    """
    from testimonycoder.io.atomic import write_text_atomic

    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory}: is not a folder; give a folder for --tables")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the folder ({exc.strerror})") from None
    frames = {**report.tables, "links": report.links}
    targets = {name: directory / f"{name}.csv" for name in frames}
    clash = [p for p in targets.values() if p.exists()]
    if clash and not force:
        raise OutputError(f"{clash[0]}: already exists; pass --force to overwrite it")
    for name, frame in frames.items():
        out = frame.copy()
        if "doc_ids" in out.columns:
            out["doc_ids"] = out["doc_ids"].map(";".join)
        write_text_atomic(targets[name], out.to_csv(index=name == "cooccurrence"), force=True)
    return list(targets.values())
