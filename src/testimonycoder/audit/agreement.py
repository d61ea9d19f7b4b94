"""Intercoder agreement per code: percent agreement, Cohen's, Fleiss' kappa, Krippendorff's alpha.

Every statistic takes *reliability data*: a float array of shape (n_coders, n_units) holding 1.0
(code applied), 0.0 (not applied) or NaN (the coder did not code this unit: missing). Units are
documents at the document level and characters at the segment level (see
:func:`testimonycoder.audit.annotations.character_labels`).

Definitions (documented because tools differ):

* **pairable units**: units coded by at least two coders. ``n`` counts them.
* **prevalence**: share of the coders' values in pairable units that are 1.
* **percent agreement**: share of pairable units on which every coder who coded it gave the
  same value.
* **Cohen's kappa** for a pair of coders: :func:`sklearn.metrics.cohen_kappa_score` on the units
  both coded; NaN when undefined (e.g. neither coder ever applied the code).
* **Fleiss' kappa**: Fleiss (1971) on the units coded by *all* coders (the formula needs the same
  number of ratings per unit); written out here because statsmodels is not a dependency.
* **Krippendorff's alpha** (nominal): :func:`krippendorff.alpha`, which handles missing values.
  Its 95% interval is a percentile bootstrap that resamples *documents* (at the segment level a
  document's characters are resampled together, because neighbouring characters are not
  independent), with a fixed seed so the report is reproducible.
* **reliability** (Krippendorff 2004): ``reliable`` when alpha >= 0.800, ``tentative`` when
  0.667 <= alpha < 0.800, ``unreliable`` below, ``undefined`` when alpha is NaN (no variation:
  nobody, or everybody, applied the code).
"""

from __future__ import annotations

import itertools
import warnings

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from testimonycoder.audit.annotations import (
    character_labels,
    coders_of,
    codes_of,
    document_labels,
    normalise_annotations,
    span_codes,
)

RELIABLE = 0.800
TENTATIVE = 0.667


def reliability_label(alpha: float) -> str:
    """Krippendorff's verdict for ``alpha``: reliable / tentative / unreliable / undefined."""
    if alpha is None or np.isnan(alpha):
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


def _pairable(data: np.ndarray) -> np.ndarray:
    return np.sum(~np.isnan(data), axis=0) >= 2


def prevalence(data: np.ndarray) -> float:
    """Share of 1s among the values of pairable units."""
    values = data[:, _pairable(data)]
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def percent_agreement(data: np.ndarray) -> float:
    """Share of pairable units on which all coders who coded the unit agree."""
    units = data[:, _pairable(data)]
    if units.shape[1] == 0:
        return float("nan")
    agree = np.nanmax(units, axis=0) == np.nanmin(units, axis=0)
    return float(agree.mean())


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two coders on the units both coded (sklearn), NaN when undefined."""
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 when neither coder varies: reported as NaN
        return float(cohen_kappa_score(a[both].astype(int), b[both].astype(int), labels=[0, 1]))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from a (n_units, n_categories) table of rating counts.

    Every row must sum to the same number of raters ``m >= 2``. Formula (Fleiss 1971):
    ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P_bar = mean(P_i)``,
    ``p_j = sum_i n_ij / (N m)``, ``P_e = sum_j p_j^2``, ``kappa = (P_bar - P_e) / (1 - P_e)``.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] == 0:
        return float("nan")
    m = counts.sum(axis=1)
    if m.min() != m.max() or m[0] < 2:
        raise ValueError("every unit needs the same number (>= 2) of ratings")
    raters = m[0]
    p_i = (np.sum(counts**2, axis=1) - raters) / (raters * (raters - 1))
    p_bar = p_i.mean()
    p_j = counts.sum(axis=0) / (counts.shape[0] * raters)
    p_e = np.sum(p_j**2)
    if np.isclose(p_e, 1.0):
        return float("nan")
    return float((p_bar - p_e) / (1 - p_e))


def fleiss_kappa_binary(data: np.ndarray) -> float:
    """Fleiss' kappa of binary reliability data, on the units coded by every coder."""
    if data.shape[0] < 2:
        return float("nan")
    complete = data[:, ~np.isnan(data).any(axis=0)]
    if complete.shape[1] == 0:
        return float("nan")
    ones = complete.sum(axis=0)
    return fleiss_kappa(np.column_stack([complete.shape[0] - ones, ones]))


def krippendorff_alpha(data: np.ndarray) -> float:
    """Nominal Krippendorff's alpha of binary reliability data (reference implementation)."""
    if data.shape[0] < 2 or not _pairable(data).any():
        return float("nan")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(
                krippendorff.alpha(data, level_of_measurement="nominal", value_domain=[0.0, 1.0])
            )
    except ValueError:
        return float("nan")


def coincidences(data: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the binary coincidence counts ``(o_00, o_01, o_11)`` of Krippendorff's alpha.

    Coincidences add up over units, so alpha of any resample of groups is a weighted sum of these
    rows: this makes a 1000-fold bootstrap over documents cheap even with one unit per character.
    """
    present = (~np.isnan(data)).sum(axis=0)
    ones = np.nansum(data, axis=0)
    zeros = present - ones
    keep = present >= 2
    denom = np.where(keep, present - 1, 1)
    per_unit = (
        np.column_stack(
            [zeros * (zeros - 1) / denom, zeros * ones / denom, ones * (ones - 1) / denom]
        )
        * keep[:, None]
    )
    out = np.zeros((n_groups, 3))
    np.add.at(out, groups, per_unit)
    return out


def alpha_from_coincidences(o: np.ndarray) -> np.ndarray:
    """Nominal alpha from ``(o_00, o_01, o_11)`` rows: ``1 - (n - 1) o_01 / (n_0 n_1)``."""
    o = np.atleast_2d(o)
    n0 = o[:, 0] + o[:, 1]
    n1 = o[:, 2] + o[:, 1]
    n = n0 + n1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n0 * n1 > 0, 1 - (n - 1) * o[:, 1] / (n0 * n1), np.nan)


def bootstrap_alpha_ci(
    data: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of nominal alpha, resampling groups (documents) of units.

    Args:
        data: binary reliability data (n_coders, n_units).
        groups: the group (document) of every unit; each unit is its own group when None.
        n_boot: number of resamples.
        seed: seed of the random generator (fixed so reports are reproducible).
        level: coverage of the interval.
    """
    if groups is None:
        groups = np.arange(data.shape[1])
    n_groups = int(groups.max()) + 1 if groups.size else 0
    if n_groups == 0 or data.shape[0] < 2:
        return float("nan"), float("nan")
    per_group = coincidences(data, groups, n_groups)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_boot)
    alphas = alpha_from_coincidences(weights @ per_group)
    alphas = alphas[~np.isnan(alphas)]
    if alphas.size == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(alphas, [tail, 100 - tail])
    return float(low), float(high)


def pair_columns(coders: list[str]) -> list[str]:
    """The ``kappa_<A>_<B>`` column names, one per pair of coders."""
    return [f"kappa_{a}_{b}" for a, b in itertools.combinations(coders, 2)]


def code_statistics(
    data: np.ndarray,
    coders: list[str],
    *,
    groups: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, float | str]:
    """All statistics of one code at one level (the values of one ``agreement.csv`` row)."""
    pairable = _pairable(data)
    alpha = krippendorff_alpha(data)
    low, high = bootstrap_alpha_ci(data, groups, n_boot=n_boot, seed=seed)
    row: dict[str, float | str] = {
        "n": int(pairable.sum()),
        "prevalence": prevalence(data),
        "percent_agreement": percent_agreement(data),
        "fleiss_kappa": fleiss_kappa_binary(data),
        "alpha": alpha,
        "alpha_low": low,
        "alpha_high": high,
        "reliability": reliability_label(alpha),
    }
    for (i, j), col in zip(
        itertools.combinations(range(len(coders)), 2), pair_columns(coders), strict=True
    ):
        row[col] = cohen_kappa(data[i], data[j])
    return row


def agreement_table(
    annotations: pd.DataFrame,
    *,
    texts: dict[str, str] | None = None,
    codes: list[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement per code, at the document level and (when spans and texts are given) per segment.

    Args:
        annotations: long-format annotations (see :mod:`testimonycoder.audit.annotations`).
        texts: document texts; needed for the segment level (characters outside every span count).
        codes: codes in the order to report (default: codes used, sorted).
        n_boot: bootstrap resamples for the alpha interval.
        seed: bootstrap seed.

    Returns:
        One row per code and level, columns ``code, level, n, n_documents, prevalence,
        percent_agreement, fleiss_kappa, alpha, alpha_low, alpha_high, reliability`` and one
        ``kappa_<A>_<B>`` per pair of coders. ``n`` counts pairable units (documents or
        characters); ``n_documents`` the documents they come from.
    """
    df = normalise_annotations(annotations)
    coders = coders_of(df)
    codes = codes_of(df, codes)
    labels = document_labels(df, codes)
    rows = []
    for code in codes:
        data = labels.loc[code].to_numpy(dtype=float).T
        stats = code_statistics(data, coders, n_boot=n_boot, seed=seed)
        rows.append({"code": code, "level": "document", "n_documents": stats["n"], **stats})
    if texts:
        for code in [c for c in codes if c in span_codes(df)]:
            data, groups = character_labels(df, code, texts)
            stats = code_statistics(data, coders, groups=groups, n_boot=n_boot, seed=seed)
            n_docs = len(np.unique(groups[_pairable(data)])) if data.size else 0
            rows.append({"code": code, "level": "segment", "n_documents": n_docs, **stats})
    columns = [
        "code", "level", "n", "n_documents", "prevalence", "percent_agreement", "fleiss_kappa",
        "alpha", "alpha_low", "alpha_high", "reliability", *pair_columns(coders),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def pair_matrix(
    agreement: pd.DataFrame, coders: list[str], *, level: str = "document"
) -> pd.DataFrame:
    """Mean Cohen's kappa over codes for every pair of coders (symmetric coders x coders)."""
    sub = agreement[agreement["level"] == level]
    out = pd.DataFrame(np.nan, index=coders, columns=coders)
    for a, b in itertools.combinations(coders, 2):
        col = f"kappa_{a}_{b}"
        if col in sub:
            value = sub[col].mean(skipna=True)
            out.loc[a, b] = out.loc[b, a] = value
    for c in coders:
        out.loc[c, c] = 1.0
    return out
