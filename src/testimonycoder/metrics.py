"""Per-code and overall agreement metrics between gold labels and predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support


def _kappa(y: np.ndarray, p: np.ndarray) -> float:
    if np.array_equal(y, p):
        return 1.0  # sklearn returns nan when both raters use a single category
    value = cohen_kappa_score(y, p)
    return float(0.0 if np.isnan(value) else value)


def code_metrics(Y: np.ndarray, P: np.ndarray, codes: list[str]) -> dict[str, Any]:
    """Precision, recall, F1, Cohen's kappa and support per code; micro- and macro-F1."""
    per_code: dict[str, dict[str, float]] = {}
    for k, code in enumerate(codes):
        y, p = Y[:, k], P[:, k]
        prec, rec, f1, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
        per_code[code] = {
            "precision": round(float(prec), 4),
            "recall": round(float(rec), 4),
            "f1": round(float(f1), 4),
            "kappa": round(_kappa(y, p), 4),
            "support": int(y.sum()),
            "predicted": int(p.sum()),
        }
    return {
        "n_documents": int(Y.shape[0]),
        "micro_f1": round(float(f1_score(Y, P, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(f1_score(Y, P, average="macro", zero_division=0)), 4),
        "min_kappa": round(min(v["kappa"] for v in per_code.values()), 4) if per_code else 0.0,
        "codes": per_code,
    }


def group_masks(groups: list[str]) -> dict[str, np.ndarray]:
    """Each group's documents as a boolean mask over ``groups`` (one value per document), the
    groups in sorted order."""
    values = np.array(groups)
    return {g: values == g for g in sorted(set(groups))}


def group_spread(Y: np.ndarray, P: np.ndarray, groups: list[str]) -> dict[str, Any]:
    """How micro-F1 spreads over groups (authors, interviewers, collections): its lowest value,
    10th percentile, median, 90th percentile and highest over the groups' documents.

    With out-of-fold decisions from folds that never split a group, each group is scored by a
    model that never saw it, so the spread says how a new source may fare, which the pooled
    micro-F1 does not. A group with no code in its gold labels or predictions counts as perfect
    agreement. The group names are not kept: they may be interviewers' names.
    """
    scores = np.array(
        [
            f1_score(Y[mask], P[mask], average="micro", zero_division=1.0)
            for mask in group_masks(groups).values()
        ]
    )
    low, p10, median, p90, high = np.percentile(scores, [0, 10, 50, 90, 100])
    return {
        "groups": len(scores),
        "micro_f1": {
            "min": round(float(low), 4),
            "p10": round(float(p10), 4),
            "median": round(float(median), 4),
            "p90": round(float(p90), 4),
            "max": round(float(high), 4),
        },
    }
