"""The model card written next to every trained model (``model-card.md``)."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from testimonycoder.intervals import format_interval
from testimonycoder.training import TrainingRecord

_PACKAGES = ("testimonycoder", "spacy", "spacy-lookups-data", "scikit-learn", "numpy", "scipy")


def data_hash(records: list[TrainingRecord]) -> str:
    """Content hash of the training data (ids, texts and codes, in order)."""
    h = hashlib.sha256()
    for r in records:
        h.update(r.id.encode())
        h.update(b"\x00")
        h.update(r.text.encode())
        h.update(b"\x00")
        h.update(";".join(r.codes).encode())
        h.update(b"\x01")
    return h.hexdigest()[:16]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _table(metrics: dict[str, Any]) -> str:
    intervals = metrics.get("intervals")
    ci = f"{100 * intervals['level']:g}% CI" if intervals else ""
    lines = [
        "| code | precision | recall | F1 | Cohen's κ |"
        + (f" κ {ci} |" if ci else "")
        + " support |",
        "|---|---|---|---|---|" + ("---|" if ci else "") + "---|",
    ]
    for code, m in metrics["codes"].items():
        kappa_ci = f" {format_interval(intervals['kappa'][code])} |" if intervals else ""
        lines.append(
            f"| {code} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
            f"{m['kappa']:.3f} |{kappa_ci} {m['support']} |"
        )
    micro_ci = f" ({ci} {format_interval(intervals['micro_f1'])})" if intervals else ""
    lines.append(
        f"\nmicro-F1 **{metrics['micro_f1']:.3f}**{micro_ci}, macro-F1 {metrics['macro_f1']:.3f}, "
        f"lowest κ {metrics['min_kappa']:.3f}, {metrics['n_documents']} documents"
    )
    if intervals:
        lines.append(
            f"\nIntervals: {intervals['method']}, {intervals['n_resamples']} resamples; they cover "
            "another sample of documents like these, not a change of source."
        )
    return "\n".join(lines)


def spread_line(spread: dict[str, Any], field: str) -> str:
    """One sentence on how micro-F1 spreads over the groups of a grouped cross-validation."""
    f = spread["micro_f1"]
    return (
        f"Over the {spread['groups']} groups (`{field}`), each scored by fold models that never "
        f"saw it, micro-F1 has median {f['median']:.3f}, 10th to 90th percentile "
        f"{format_interval([f['p10'], f['p90']])}, lowest {f['min']:.3f} and highest "
        f"{f['max']:.3f}: "
        "what a new source may score."
    )


def _spread(spread: dict[str, Any] | None, field: str | None) -> list[str]:
    return ["", spread_line(spread, field)] if spread and field else []


def render_model_card(
    *,
    name: str,
    metadata: dict[str, Any],
    metrics: dict[str, Any],
    test_metrics: dict[str, Any] | None = None,
) -> str:
    """Markdown model card: data, codebook, versions, metrics, intended use and limits."""
    versions = "\n".join(f"- {k}: {v}" for k, v in metadata["versions"].items())
    parts = [
        f"# Model card: {name}",
        "",
        f"- trained: {metadata['date']}",
        f"- training data: {metadata['data']} ({metadata['n_documents']} documents, "
        f"hash `{metadata['data_hash']}`)",
        f"- codebook: `{metadata['codebook']}`",
        f"- cross-validation: {metrics['folds']} folds, seed {metrics['seed']}"
        + (
            f", grouped by `{metadata['grouped_by']}` (no group is split between folds)"
            if metadata.get("grouped_by")
            else ""
        ),
        "",
        "## Package versions",
        versions,
        "",
        "## Cross-validated metrics (hybrid decision: rules + model)",
        _table(metrics["hybrid"]),
        *_spread(metrics.get("hybrid_by_group"), metadata.get("grouped_by")),
        "",
        "### Model alone",
        _table(metrics["model_only"]),
        "",
        "### Rules alone",
        _table(metrics["rules_only"]),
        "",
    ]
    long_docs = metrics.get("joined")
    if long_docs:
        parts += [
            "",
            f"### Long documents: {long_docs['n_documents']} held-out documents, each joined with "
            f"1 to {metadata.get('params', {}).get('join_max', 8) - 1} held-out documents that "
            "have no code (out of fold)",
            _table(long_docs),
        ]
    parts += [
        "",
        "Thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics["thresholds"].items()),
        "",
        "Rule floors: " + ", ".join(f"{k} {v:.2f}" for k, v in metrics["rule_floors"].items()),
    ]
    review = metrics.get("review")
    if review:
        parts += [
            "",
            f"Review queue: log-odds band {review['band']:.3f}, learned so that the queue holds "
            f"{100 * review['recall_target']:.0f}% of the documents coded wrongly out of fold. "
            f"Out of fold, {100 * review['wrong']:.1f}% of the documents had a coding error; the "
            f"band flagged {100 * review['flagged']:.1f}% of the documents, holding "
            f"{100 * review['wrong_flagged']:.1f}% of those with an error (hearsay evidence "
            "flags more).",
        ]
        choices = review.get("choices", {})
        if choices:
            parts += [
                "",
                "Other shares, out of fold (`code --review-recall SHARE` uses one of these bands;"
                " `review_recall` in the training config learns another):",
                "",
                "| review_recall | band | documents flagged |",
                "|---|---|---|",
                *(f"| {k} | {b:.3f} | {100 * f:.1f}% |" for k, (b, f) in choices.items()),
            ]
    if test_metrics:
        parts += ["", "## Held-out test split (hybrid decision)", _table(test_metrics)]
    parts += [
        "",
        "## Intended use",
        "Supporting human coders of survivor testimony: every code comes with evidence and a "
        "calibrated score, and uncertain documents are flagged for review. The model does not "
        "replace a coder's judgement; researchers should review flagged items and audit samples.",
        "",
        "## Limits",
        "- Trained on English text written for this project (synthetic testimony modelled on "
        "published patterns), not on real testimony; expect lower scores on real material until "
        "it is retrained on a team's own annotated interviews.",
        "- English only; translated testimony. Korean text is not supported yet.",
        "- Features are hashed word/character n-grams and rule hits: the file holds no training "
        "strings (names, places), but hashed weights are not an anonymity guarantee.",
        "- Scores are calibrated on cross-validation folds of the training data; on a different "
        "genre the calibration can drift.",
        "- Long documents: training adds documents made by joining a document with code-less "
        "ones (up to `join_max` in all), so that a code one passage reports is not lost in a "
        "long text; longer testimony is scored by extrapolation, and codes are missed more "
        "often as documents grow (see the long-document table above, when present).",
    ]
    return "\n".join(parts) + "\n"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
