"""Confidence intervals of the agreement metrics, by bootstrap over documents.

A team checking a model on its own held-out interviews usually has tens or a few hundred
documents, and the same model scores differently on another sample of the same material: on the
170 documents of the corpus test split, the 95% interval of micro-F1 is about ±0.02 wide. The
intervals say how far a score can be trusted before a team compares it with a target or another
model.

The resampling and the percentiles are :func:`scipy.stats.bootstrap`'s (percentile method,
documents resampled with replacement, all metrics from the same resamples). The statistic is
written here because it must be vectorised over resamples: each metric is a closed form of the
per-code confusion counts, the same definitions as :mod:`testimonycoder.metrics` (F1 and Cohen's
kappa; a kappa whose raters agree perfectly is 1, one that scikit-learn leaves undefined is 0).

Documents are the unit, so the intervals reflect sampling of documents from the same source; they
do not cover a change of source (another interviewer, writer or translation), which usually
costs more than the interval's width.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import bootstrap

LEVEL = 0.95
N_RESAMPLES = 2000
# Resamples scored at once: (BATCH, documents, codes) booleans, so memory stays small.
BATCH = 100


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.divide(
        2 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0, casting="unsafe"
    )


def _kappa(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> np.ndarray:
    n = tp + fp + fn + tn
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    undefined = np.isclose(expected, 1.0)
    kappa = np.divide(observed - expected, 1.0 - expected, out=np.zeros(n.shape), where=~undefined)
    return np.where(undefined, np.where(observed == 1.0, 1.0, 0.0), kappa)


def _statistics(Y: np.ndarray, P: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``[micro-F1, macro-F1, F1 per code..., kappa per code...]`` of the documents ``index``:
    shape ``(2 + 2k,)`` for one resample ``(n,)``, ``(2 + 2k, B)`` for ``B`` resamples
    ``(B, n)``."""
    single = index.ndim == 1
    index = np.atleast_2d(index)
    y, p = Y[index], P[index]  # (B, n, k)
    tp = (y & p).sum(axis=1)
    fp = (~y & p).sum(axis=1)
    fn = (y & ~p).sum(axis=1)
    tn = (~y & ~p).sum(axis=1)
    per_code_f1 = _f1(tp, fp, fn)
    micro = _f1(tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1))
    out = np.concatenate(
        [micro[:, None], per_code_f1.mean(axis=1)[:, None], per_code_f1, _kappa(tp, fp, fn, tn)],
        axis=1,
    ).T
    return out[:, 0] if single else out


def format_interval(pair: list[float]) -> str:
    """``[low, high]`` as ``"0.882–0.936"``, the way tables and the model card show it."""
    return f"{pair[0]:.3f}–{pair[1]:.3f}"


def metric_intervals(
    Y: np.ndarray,
    P: np.ndarray,
    codes: list[str],
    *,
    level: float = LEVEL,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any] | None:
    """Bootstrap confidence intervals ``[low, high]`` of micro-F1, macro-F1 and each code's F1
    and kappa, for gold labels ``Y`` and predictions ``P`` (documents x codes, 0/1).

    Deterministic for the same inputs and ``seed``. ``None`` for fewer than two documents, where
    no interval can be estimated.
    """
    if Y.shape[0] < 2 or not codes:
        return None
    Y, P = Y.astype(bool), P.astype(bool)
    result = bootstrap(
        (np.arange(Y.shape[0]),),
        lambda index, axis=-1: _statistics(Y, P, index),
        vectorized=True,
        n_resamples=n_resamples,
        batch=BATCH,
        confidence_level=level,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    low = np.round(result.confidence_interval.low, 4).tolist()
    high = np.round(result.confidence_interval.high, 4).tolist()
    pairs = [[lo, hi] for lo, hi in zip(low, high, strict=True)]
    k = len(codes)
    return {
        "level": level,
        "method": "percentile bootstrap over documents",
        "n_resamples": n_resamples,
        "micro_f1": pairs[0],
        "macro_f1": pairs[1],
        "f1": dict(zip(codes, pairs[2 : 2 + k], strict=True)),
        "kappa": dict(zip(codes, pairs[2 + k :], strict=True)),
    }
