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
