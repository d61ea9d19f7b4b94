"""Where coders differ: one row per document and code, ranked for review.

Ranking: first by how many coders disagree (the size of the minority, so a 2-vs-2 split ranks
above 3-vs-1), then by the model's confidence in its own decision, ``max(p, 1 - p)`` where ``p``
is the model's score for the code (a confident model is the most useful tie-breaker), then by
document id and code so the order is stable.
"""

from __future__ import annotations

import json
from typing import cast

import numpy as np
import pandas as pd

from testimonycoder.audit.annotations import (
    applied,
    coders_of,
    codes_of,
    document_labels,
    normalise_annotations,
    records,
)

SNIPPET_CHARS = 240
COLUMNS = [
    "rank", "doc_id", "code", "n_coders", "n_disagreeing", "coders_yes", "coders_no",
    "model_score", "model_confidence", "spans", "snippet",
]  # fmt: skip


def coder_spans(df: pd.DataFrame, doc_id: str, code: str) -> dict[str, list[list[int]]]:
    """``{coder: [[start, end], ...]}`` of the applied spans of ``code`` in ``doc_id``."""
    rows = df[(df["doc_id"] == doc_id) & (df["code"] == code) & applied(df) & df["start"].notna()]
    out: dict[str, list[list[int]]] = {}
    rows = rows.sort_values("start")
    for coder, start, end in zip(rows["coder"], rows["start"], rows["end"], strict=True):
        out.setdefault(str(coder), []).append([int(start), int(end)])
    return out


def snippet(text: str | None, spans: dict[str, list[list[int]]], width: int = SNIPPET_CHARS) -> str:
    """A short, single-line excerpt around the first marked span (or the document's start)."""
    if not text:
        return ""
    starts = [s for ranges in spans.values() for s, _ in ranges]
    centre = min(starts) if starts else 0
    lo = max(0, centre - width // 4)
    hi = min(len(text), lo + width)
    piece = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + piece + ("…" if hi < len(text) else "")


def find_disagreements(
    annotations: pd.DataFrame,
    *,
    texts: dict[str, str] | None = None,
    scores: pd.DataFrame | None = None,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """Documents and codes on which the coders who coded the document do not all agree.

    Args:
        annotations: long-format annotations.
        texts: document texts, for the ``snippet`` column.
        scores: the model's scores, columns ``doc_id, code, score`` (from
            :func:`testimonycoder.audit.model_coder.model_annotations`), used for ranking.
        coders: only compare these coders (e.g. the humans, for adjudication); default all.
        codes: codes to check, in report order.

    Returns:
        Columns ``rank, doc_id, code, n_coders, n_disagreeing, coders_yes, coders_no,
        model_score, model_confidence, spans, snippet``. ``coders_yes``/``coders_no`` are
        ``;``-separated coder names; ``spans`` is JSON ``{coder: [[start, end], ...]}``;
        ``model_score`` is NaN without a model (or for codes the model does not score).
    """
    df = normalise_annotations(annotations)
    if coders is not None:
        df = df[df["coder"].isin(coders)]
    names = coders_of(df)
    labels = document_labels(df, codes_of(df, codes))
    score_of: dict[tuple[str, str], float] = {}
    if scores is not None and len(scores):
        score_of = {(str(r["doc_id"]), str(r["code"])): float(r["score"]) for r in records(scores)}
    rows = []
    for key, values in labels.iterrows():
        code, doc_id = cast(tuple[str, str], key)
        present = values.dropna()
        if len(present) < 2 or present.nunique() < 2:
            continue
        yes = [c for c in names if values.get(c) == 1.0]
        no = [c for c in names if values.get(c) == 0.0]
        spans = coder_spans(df, str(doc_id), str(code))
        p = score_of.get((str(doc_id), str(code)), np.nan)
        rows.append(
            {
                "doc_id": doc_id,
                "code": code,
                "n_coders": len(present),
                "n_disagreeing": min(len(yes), len(no)),
                "coders_yes": ";".join(yes),
                "coders_no": ";".join(no),
                "model_score": p,
                "model_confidence": max(p, 1 - p) if not np.isnan(p) else np.nan,
                "spans": json.dumps(spans, sort_keys=True),
                "snippet": snippet((texts or {}).get(str(doc_id)), spans),
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "rank"])
    out = out.sort_values(
        ["n_disagreeing", "model_confidence", "doc_id", "code"],
        ascending=[False, False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
