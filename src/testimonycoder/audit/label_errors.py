"""Likely label errors: confident learning (cleanlab) on out-of-fold probabilities.

Method: every code is treated as its own binary task (a document either has the code or not).
For code ``j`` the given labels ``y[:, j]`` and the out-of-fold probabilities ``p[:, j]`` (from
a model that never saw the document, :func:`testimonycoder.training.out_of_fold_scores`) go to
:func:`cleanlab.filter.find_label_issues` (confident learning, Northcutt et al. 2021: estimate
the joint of given and true labels with per-class thresholds, then prune by noise rate). The
flagged labels are ranked by cleanlab's self-confidence quality score, the probability the model
gives to the label the coder chose: lowest first, i.e. most likely wrong first.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from testimonycoder.audit.annotations import (
    applied,
    coders_of,
    codes_of,
    coverage,
    normalise_annotations,
)
from testimonycoder.errors import TestimonyCoderError

COLUMNS = ["rank", "coder", "doc_id", "code", "given_label", "oof_probability", "label_quality"]


def rank_label_errors(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    doc_ids: list[str],
    codes: list[str],
    coder: str = "",
) -> pd.DataFrame:
    """Flag and rank the labels that are probably wrong.

    Args:
        labels: (n_docs, n_codes) 0/1 given labels.
        pred_probs: (n_docs, n_codes) out-of-fold probabilities that each code applies.
        doc_ids: the document of every row.
        codes: the code of every column.
        coder: whose labels these are (copied into the output).

    Returns:
        Columns ``rank, coder, doc_id, code, given_label, oof_probability, label_quality``, one
        row per flagged label, most likely wrong first. Codes whose labels are all 0 or all 1 are
        skipped (confident learning needs both classes).
    """
    labels = np.asarray(labels, dtype=int)
    pred_probs = np.clip(np.asarray(pred_probs, dtype=float), 0.0, 1.0)
    if labels.shape != pred_probs.shape or labels.shape != (len(doc_ids), len(codes)):
        raise ValueError(
            f"labels {labels.shape} and pred_probs {pred_probs.shape} must both be "
            f"(n_docs={len(doc_ids)}, n_codes={len(codes)})"
        )
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    rows = []
    for j, code in enumerate(codes):
        y = labels[:, j]
        if y.min() == y.max():
            continue
        probs = np.column_stack([1 - pred_probs[:, j], pred_probs[:, j]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cleanlab warns on tiny classes; results stay valid
            # n_jobs=1: cleanlab otherwise forks a multiprocessing pool, and a fork taken while
            # another thread holds a lock can hang for ever (it hung a test run on 2026-11-26);
            # one binary code of a few thousand documents takes milliseconds anyway.
            issues = find_label_issues(y, probs, n_jobs=1)
            quality = get_label_quality_scores(y, probs, method="self_confidence")
        for i in np.flatnonzero(issues):
            rows.append(
                {
                    "coder": coder,
                    "doc_id": doc_ids[i],
                    "code": code,
                    "given_label": int(y[i]),
                    "oof_probability": float(pred_probs[i, j]),
                    "label_quality": float(quality[i]),
                }
            )
    out = pd.DataFrame(rows, columns=COLUMNS[1:])
    out = out.sort_values(["label_quality", "doc_id", "code"], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def label_matrix(
    annotations: pd.DataFrame, coder: str, codes: list[str]
) -> tuple[list[str], np.ndarray]:
    """``(doc_ids, labels)``: the 0/1 document-level labels of ``coder`` on the docs they coded."""
    df = normalise_annotations(annotations)
    cov = coverage(df)
    doc_ids = [str(d) for d in cov.index[cov[coder]]]
    mine = df[(df["coder"] == coder) & applied(df)]
    has = set(zip(mine["doc_id"], mine["code"], strict=True))
    labels = np.array([[int((d, c) in has) for c in codes] for d in doc_ids], dtype=int)
    return doc_ids, labels.reshape(len(doc_ids), len(codes))


def find_label_errors(
    annotations: pd.DataFrame,
    texts: dict[str, str],
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    codebook_path: Path | None = None,
    folds: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Likely label errors of each coder's document-level labels (top-level codes).

    Out-of-fold probabilities come from :func:`testimonycoder.training.out_of_fold_scores`
    trained on that coder's own labels, then :func:`rank_label_errors` ranks them. Coders whose
    labels are identical are checked once; their names are joined with ``;`` in ``coder``.

    Raises:
        TestimonyCoderError: the training module is not available, or a document has no text.
    """
    try:
        from testimonycoder.training import out_of_fold_scores
    except ImportError:
        raise TestimonyCoderError(
            "likely label errors need testimonycoder.training.out_of_fold_scores, which this "
            "installation does not have"
        ) from None
    df = normalise_annotations(annotations)
    codes = codes or [c for c in codes_of(df) if "." not in c]
    # Coders with identical labels share one out-of-fold run (and one row per label).
    groups: dict[tuple[tuple[str, ...], bytes], list[str]] = {}
    matrices: dict[tuple[tuple[str, ...], bytes], np.ndarray] = {}
    for coder in coders or coders_of(df):
        doc_ids, labels = label_matrix(df, coder, codes)
        key = (tuple(doc_ids), labels.tobytes())
        groups.setdefault(key, []).append(coder)
        matrices[key] = labels
    frames = []
    for key, names in groups.items():
        doc_ids, labels = list(key[0]), matrices[key]
        lacking = [d for d in doc_ids if d not in texts]
        if lacking:
            raise TestimonyCoderError(
                f"document '{lacking[0]}' has no text; pass --texts to find label errors"
            )
        probs = out_of_fold_scores(
            [texts[d] for d in doc_ids], labels, codes=codes,
            codebook_path=str(codebook_path) if codebook_path else None,
            folds=folds, seed=seed,
        )  # fmt: skip
        frames.append(
            rank_label_errors(
                labels, np.asarray(probs), doc_ids=doc_ids, codes=codes, coder=";".join(names)
            )
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out = out.sort_values(["label_quality", "coder", "doc_id", "code"], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)[COLUMNS]
