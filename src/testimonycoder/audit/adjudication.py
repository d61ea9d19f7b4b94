"""Adjudication: a sheet of disagreements to decide, and merging the decisions into a gold set.

``adjudication_sheet`` writes one row per document and code on which the *human* coders differ
(rows where only the model differs need no decision), with an empty ``decision`` column.
``adjudication_base`` holds everything else the gold set needs (texts, the labels all coders
agree on, the candidate spans of every code), so that ``resolve`` needs only the sheet and this
base file, written next to it as ``adjudication_base.jsonl``.

Decisions: ``yes``/``y``/``1``/``true``/``apply`` apply the code, ``no``/``n``/``0``/``false``/
``reject`` do not (case-insensitive). An empty decision is *undecided*: ``resolve`` refuses to
write a gold set while any remain, unless told to leave the affected documents out, and then it
returns them so they are reported. Nothing is dropped silently.

Gold records are corpus-style (``id, text, codes, subcodes, spans``), what ``train`` reads. A
gold code's spans are the union (overlaps merged) of the applied spans of every coder who
applied it; spans of other statuses are not carried into the gold set. Sub-codes (ids with a
``.``) are kept only when their parent code is in the gold codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from testimonycoder.audit.annotations import applied, coverage, normalise_annotations, records
from testimonycoder.errors import InputError

BASE_NAME = "adjudication_base.jsonl"
SHEET_COLUMNS = [
    "doc_id", "code", "coders_yes", "coders_no", "model_score", "snippet", "spans",
    "decision", "note",
]  # fmt: skip
YES = frozenset({"yes", "y", "1", "true", "apply"})
NO = frozenset({"no", "n", "0", "false", "reject"})


def adjudication_sheet(disagreements: pd.DataFrame) -> pd.DataFrame:
    """The sheet to fill in: the disagreements with empty ``decision`` and ``note`` columns."""
    sheet = disagreements.copy()
    sheet["decision"] = ""
    sheet["note"] = ""
    return sheet[SHEET_COLUMNS].reset_index(drop=True)


def _merge(ranges: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for start, end, who in sorted(ranges):
        if out and start <= out[-1][1]:
            prev = out[-1]
            out[-1] = (prev[0], max(prev[1], end), prev[2] or who)
        else:
            out.append((start, end, who))
    return out


def adjudication_base(
    annotations: pd.DataFrame, texts: dict[str, str], *, coders: list[str]
) -> list[dict[str, Any]]:
    """One record per document: text, the codes every covering coder applied, candidate spans.

    Raises:
        InputError: a document has no text.
    """
    df = normalise_annotations(annotations)
    df = df[df["coder"].isin(coders)]
    cov = coverage(df)
    hits = df[applied(df)]
    out = []
    for doc_id in cov.index:
        if doc_id not in texts:
            raise InputError(f"document '{doc_id}' has no text; pass --texts to adjudicate")
        who = [c for c in cov.columns if cov.loc[doc_id, c]]
        mine = hits[hits["doc_id"] == doc_id]
        by_code = mine.groupby("code")["coder"].agg(set)
        agreed = sorted(code for code, names in by_code.items() if set(who) <= names)
        spans: dict[str, list[list[Any]]] = {}
        for code, group in mine[mine["start"].notna()].groupby("code"):
            ranges = [
                (int(r["start"]), int(r["end"]), str(r["experiencer"])) for r in records(group)
            ]
            spans[str(code)] = [list(r) for r in _merge(ranges)]
        out.append(
            {"id": doc_id, "text": texts[doc_id], "agreed": agreed, "candidate_spans": spans}
        )
    return out


def base_bytes(records: list[dict[str, Any]]) -> bytes:
    """The bytes of the base file (one JSON record per line)."""
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def read_base(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        raise InputError(
            f"{path}: not found; it is written by 'audit --adjudicate' next to adjudication.csv "
            "(or pass --base)"
        )
    out = {}
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        if line.strip():
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InputError(f"{path}:{number}: not valid JSON") from None
            out[str(record["id"])] = record
    return out


def _decision(value: str, where: str) -> bool | None:
    text = value.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputError(f"{where}: decision '{value}' is not yes/no (or leave it empty)")


def resolve(
    sheet_path: Path, *, base_path: Path | None = None, skip_undecided: bool = False
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Merge the decisions of an adjudication sheet into gold records.

    Args:
        sheet_path: the filled-in ``adjudication.csv``.
        base_path: the base file (default: ``adjudication_base.jsonl`` next to the sheet).
        skip_undecided: leave out documents that still have undecided rows instead of failing.

    Returns:
        ``(gold records, undecided rows)``; the undecided rows are those of the sheet whose
        ``decision`` is empty (their documents are not in the gold records).

    Raises:
        InputError: the sheet or base is unreadable, a decision is not yes/no, a row names an
            unknown document, or rows are undecided and ``skip_undecided`` is False.
    """
    try:
        sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{sheet_path}: cannot read as CSV ({exc})") from None
    missing = [c for c in ("doc_id", "code", "decision") if c not in sheet.columns]
    if missing:
        raise InputError(f"{sheet_path}: missing column(s) {', '.join(missing)}")
    base = read_base(base_path or sheet_path.with_name(BASE_NAME))
    decided: dict[str, dict[str, bool]] = {}
    undecided_rows = []
    for number, row in enumerate(records(sheet), 2):
        doc_id, code = str(row["doc_id"]), str(row["code"])
        where = f"{sheet_path}:{number} (document '{doc_id}', code '{code}')"
        if doc_id not in base:
            raise InputError(f"{where}: document not in {BASE_NAME}")
        choice = _decision(str(row["decision"]), where)
        if choice is None:
            undecided_rows.append(number - 2)
        else:
            decided.setdefault(doc_id, {})[code] = choice
    undecided = sheet.iloc[undecided_rows].reset_index(drop=True)
    if len(undecided) and not skip_undecided:
        first = ", ".join(f"{r['doc_id']}/{r['code']}" for r in records(undecided.head(5)))
        raise InputError(
            f"{sheet_path}: {len(undecided)} row(s) have no decision ({first}...); fill in "
            "'decision' with yes or no, or pass --skip-undecided to leave those documents out"
        )
    skip = set(undecided["doc_id"])
    gold = [
        _gold_record(record, decided.get(doc_id, {}))
        for doc_id, record in base.items()
        if doc_id not in skip
    ]
    return gold, undecided


def _gold_record(base: dict[str, Any], decisions: dict[str, bool]) -> dict[str, Any]:
    final = set(base["agreed"]) | {c for c, yes in decisions.items() if yes}
    final -= {c for c, yes in decisions.items() if not yes}
    codes = sorted(c for c in final if "." not in c)
    subcodes = sorted(c for c in final if "." in c and c.split(".")[0] in codes)
    spans = []
    for code in codes:
        for start, end, experiencer in base["candidate_spans"].get(code, []):
            span = {"start": start, "end": end, "code": code, "status": "asserted"}
            if experiencer:
                span["experiencer"] = experiencer
            spans.append(span)
    spans.sort(key=lambda s: (s["start"], s["end"], s["code"]))
    return {
        "id": base["id"],
        "text": base["text"],
        "codes": codes,
        "subcodes": subcodes,
        "spans": spans,
    }
