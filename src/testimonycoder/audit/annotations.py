"""Long-format annotations: validation and the per-code reliability data built from them.

The long format (shared by ``train``, ``evaluate`` and ``audit``) is a DataFrame with one row per
annotation and the columns ``doc_id, coder, code`` plus optional ``start, end, status,
experiencer``. Conventions used throughout :mod:`testimonycoder.audit`:

* A coder **covers** a document when at least one row has that ``(doc_id, coder)``. A document a
  coder did not cover is *missing* for that coder (NaN in reliability data), which is different
  from *absent* (covered, code not applied: 0).
* A row with an empty ``code`` only records coverage: the coder read the document and applied no
  code. Writers of the long format must emit such a row for documents with no codes.
* A code is **applied** to a document when a row for it has ``status`` empty or ``asserted``.
  Other statuses (``negated``, ``refused``, ``hypothetical``...) mark passages that *mention* the
  code without reporting that it happened, following the codebook's definition of a code.
* Rows with ``start``/``end`` are spans (segment level); rows without them are document-level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from testimonycoder.errors import InputError

REQUIRED = ("doc_id", "coder", "code")
OPTIONAL = ("start", "end", "status", "experiencer")
APPLIED_STATUSES = frozenset({"", "asserted"})


def normalise_annotations(
    annotations: pd.DataFrame, *, source: str = "annotations"
) -> pd.DataFrame:
    """Check and tidy a long-format DataFrame.

    Returns a copy with string ``doc_id``/``coder``/``code``/``status``/``experiencer`` (empty
    string for missing) and float ``start``/``end`` (NaN for document-level rows).

    Raises:
        InputError: a required column is missing, or a span is malformed.
    """
    missing = [c for c in REQUIRED if c not in annotations.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; the long format needs "
            "doc_id, coder, code (and optionally start, end, status)"
        )
    df = annotations.copy()
    for col in ("doc_id", "coder", "code", "status", "experiencer"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].astype("string").fillna("").str.strip().astype(str)
    for col in ("start", "end"):
        if col not in df.columns:
            df[col] = np.nan
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    if (df["doc_id"] == "").any() or (df["coder"] == "").any():
        raise InputError(f"{source}: every row needs a doc_id and a coder")
    has_start, has_end = df["start"].notna(), df["end"].notna()
    bad = (has_start != has_end) | (has_start & (df["end"] <= df["start"])) | (df["start"] < 0)
    if bad.any():
        row = df[bad].iloc[0]
        raise InputError(
            f"{source}: document '{row['doc_id']}' (coder '{row['coder']}'): span "
            f"start={row['start']} end={row['end']} is invalid; give both, with 0 <= start < end"
        )
    return df[[*REQUIRED, *OPTIONAL]].reset_index(drop=True)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (typed, unlike ``itertuples``)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def applied(df: pd.DataFrame) -> pd.Series:
    """Boolean mask of rows that apply their code (non-empty code, status empty or asserted)."""
    return (df["code"] != "") & df["status"].isin(APPLIED_STATUSES)


def coders_of(df: pd.DataFrame) -> list[str]:
    """Coder names in order of first appearance (so ``--coder`` order is kept)."""
    return list(dict.fromkeys(df["coder"]))


def codes_of(df: pd.DataFrame, order: list[str] | None = None) -> list[str]:
    """Codes used in ``df``: those in ``order`` first (codebook order), then the rest sorted."""
    used = set(df.loc[df["code"] != "", "code"])
    first = [c for c in (order or []) if c in used]
    return first + sorted(used - set(first))


def coverage(df: pd.DataFrame) -> pd.DataFrame:
    """Which coder covered which document: a bool DataFrame (index doc_id, columns coders)."""
    cov = pd.crosstab(df["doc_id"], df["coder"]) > 0
    return cov[coders_of(df)]


def document_labels(df: pd.DataFrame, codes: list[str] | None = None) -> pd.DataFrame:
    """Document-level reliability data for every code.

    Returns:
        A float DataFrame indexed by ``(code, doc_id)`` with one column per coder: 1.0 when the
        coder applied the code, 0.0 when they covered the document without applying it, NaN when
        they did not cover the document (missing).
    """
    codes = codes if codes is not None else codes_of(df)
    cov = coverage(df)
    hits = df.loc[applied(df), ["code", "doc_id", "coder"]].drop_duplicates()
    base = cov.astype(float).where(cov) * 0.0  # 0.0 where covered, NaN where missing
    frames = []
    for code in codes:
        frame = base.copy()
        mine = hits[hits["code"] == code]
        for doc_id, coder in zip(mine["doc_id"], mine["coder"], strict=True):
            frame.loc[doc_id, coder] = 1.0
        frame.index = pd.MultiIndex.from_product([[code], frame.index], names=["code", "doc_id"])
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=cov.columns, index=pd.MultiIndex.from_tuples([], names=["code", "doc_id"])
        )
    return pd.concat(frames)


def span_codes(df: pd.DataFrame) -> list[str]:
    """Codes that have at least one applied span (those get segment-level statistics)."""
    mask = applied(df) & df["start"].notna()
    return codes_of(df[mask])


def character_labels(
    df: pd.DataFrame, code: str, texts: dict[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Segment-level reliability data for ``code``: one unit per character.

    For every document that has a text, each character is a unit. A coder's value is 1.0 when the
    character lies inside one of their applied spans of ``code`` in that document, 0.0 when they
    covered the document but not that character, NaN when they did not cover the document.
    (Character overlap as in NVivo's coding comparison and QualCoder, pooled over documents.)

    Returns:
        ``(data, doc_index)``: ``data`` is (n_coders, n_characters) in :func:`coders_of` order;
        ``doc_index`` gives, for every character, the position of its document (for the
        document-cluster bootstrap).
    """
    coders = coders_of(df)
    cov = coverage(df)
    spans = df[applied(df) & (df["code"] == code) & df["start"].notna()]
    by_doc = {k: g for k, g in spans.groupby("doc_id")}
    blocks, index = [], []
    for pos, doc_id in enumerate(d for d in cov.index if d in texts):
        n = len(texts[doc_id])
        block = np.full((len(coders), n), np.nan)
        for i, coder in enumerate(coders):
            if cov.loc[doc_id, coder]:
                block[i] = 0.0
        rows = by_doc.get(doc_id, spans.iloc[:0])
        for coder, start, end in zip(rows["coder"], rows["start"], rows["end"], strict=True):
            block[coders.index(coder), int(start) : int(min(end, n))] = 1.0
        blocks.append(block)
        index.append(np.full(n, pos))
    if not blocks:
        return np.empty((len(coders), 0)), np.empty(0, dtype=int)
    return np.concatenate(blocks, axis=1), np.concatenate(index)
