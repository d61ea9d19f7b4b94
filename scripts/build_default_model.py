"""Build the bundled default model and measure it on the held-out test split.

Trains on corpus/ train + validation (5-fold cross-validated calibration and thresholds, with
folds grouped by writer, the records' ``source``, so that they reflect unseen writers), writes
models/default/, then scores the independent test split with, in the same run:
the hybrid decision (rules + model), the model alone, the rules alone, and a plain keyword
baseline. The table is written to models/default/test-metrics.md (and test-metrics.json) and
printed, for the README.

Usage: python scripts/build_default_model.py      (or: make model)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from testimonycoder.baselines import keyword_codes
from testimonycoder.codebook import load_codebook
from testimonycoder.intervals import format_interval
from testimonycoder.metrics import code_metrics
from testimonycoder.modelcard import now
from testimonycoder.trainer import evaluate_records, train_to_dir
from testimonycoder.training_data import load_training_records

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "models" / "default"


def main() -> int:
    # Relative paths, so that the shipped model card names "corpus", not this machine's folders.
    os.chdir(ROOT)
    start = time.perf_counter()
    result = train_to_dir(
        Path("corpus"),
        OUT,
        name="testimonycoder-default",
        test_data=Path("corpus"),
        group_by="source",
        force=True,
        progress=print,
    )
    train_seconds = time.perf_counter() - start
    codebook = load_codebook()
    codes = codebook.top_level
    test = load_training_records(ROOT / "corpus", codebook=codebook, split=["test"])
    scored = evaluate_records(test, result.model, None)
    Y = np.array([[int(c in r.codes) for c in codes] for r in test])
    K = np.array([[int(c in keyword_codes(r.text, codes)) for c in codes] for r in test])
    rows = {
        "hybrid (rules + model)": scored["hybrid"],
        "model alone": scored["model_only"],
        "rules alone": scored["rules_only"],
        "keyword baseline": code_metrics(Y, K, codes),
    }
    lines = [
        f"Test split: {len(test)} documents written independently of the training split; "
        f"measured {now()}; training took {train_seconds:.0f} s (including the test scoring).",
        "",
        "| system | micro-F1 | macro-F1 | " + " | ".join(f"κ {c}" for c in codes) + " |",
        "|---|---|---|" + "---|" * len(codes),
    ]
    for name, m in rows.items():
        kappas = " | ".join(f"{m['codes'][c]['kappa']:.3f}" for c in codes)
        lines.append(f"| {name} | {m['micro_f1']:.3f} | {m['macro_f1']:.3f} | {kappas} |")
    intervals = scored["hybrid"]["intervals"]
    kappa_cis = ", ".join(f"{c} {format_interval(pair)}" for c, pair in intervals["kappa"].items())
    lines += [
        "",
        f"{100 * intervals['level']:g}% confidence intervals of the hybrid decision "
        f"({intervals['method']}, {intervals['n_resamples']} resamples): micro-F1 "
        f"{format_interval(intervals['micro_f1'])}; κ {kappa_cis}. They cover another sample "
        "of this author's documents, not another author.",
    ]
    table = "\n".join(lines) + "\n"
    (OUT / "test-metrics.md").write_text(table, encoding="utf-8")
    (OUT / "test-metrics.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    with (OUT / "model-card.md").open("a", encoding="utf-8") as fh:
        fh.write("\n## Test split against baselines (same run)\n\n" + table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
