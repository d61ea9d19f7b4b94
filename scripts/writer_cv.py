"""Writer-grouped cross-validation on corpus/ train + validation, for choosing hyper-parameters.

The test split is one writer the training data never saw, so a shuffled K-fold (documents of one
writer on both sides) flatters every setting. This script cross-validates with folds that never
split a writer (the record's ``source``), which estimates how a setting transfers to new material.
It never reads the test split.

With ``--holdout p,q`` the named writers (``synthetic:train_p``...) are left out of training
altogether and the trained model is scored on their documents: a second, cheaper stand-in for a
writer the model has never seen.

Usage: python scripts/writer_cv.py [--holdout p,q] [--set key=value,...] [--set ...]
Each ``--set`` is one configuration (comma-separated key=value hyper-parameters); none = defaults.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from testimonycoder import training
from testimonycoder.codebook import load_codebook
from testimonycoder.trainer import evaluate_records
from testimonycoder.training import TrainingRecord, train
from testimonycoder.training_data import load_training_records, record_groups

ROOT = Path(__file__).resolve().parent.parent


def _records() -> tuple[list[TrainingRecord], list[str]]:
    """Train + validation records (the loader's default splits) and each one's writer."""
    records = load_training_records(ROOT / "corpus", codebook=load_codebook())
    return records, record_groups(records, "source")


class _CachedPipe:
    """The real pipeline, with ``pipe`` memoised: every configuration sees the same Docs."""

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self._docs: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nlp, name)

    def pipe(self, texts: Any, **kwargs: Any) -> list[Any]:
        texts = list(texts)
        todo = [t for t in texts if t not in self._docs]
        for t, doc in zip(todo, self._nlp.pipe(todo, **kwargs), strict=True):
            self._docs[t] = doc
        return [self._docs[t] for t in texts]


def _parse(setting: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in filter(None, setting.split(",")):
        key, value = item.split("=", 1)
        params[key] = int(value) if value.lstrip("-").isdigit() else float(value)
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", default=[], dest="settings")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shuffled", action="store_true", help="plain K-fold, for comparison")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--holdout", default="", help="comma-separated writer letters")
    args = parser.parse_args()
    records, groups = _records()
    held = {f"synthetic:train_{w}" for w in filter(None, args.holdout.split(","))}
    heldout = [r for r, g in zip(records, groups, strict=True) if g in held]
    keep = [i for i, g in enumerate(groups) if g not in held]
    records, groups = [records[i] for i in keep], [groups[i] for i in keep]
    cached = _CachedPipe(training.build_nlp(None))
    training.build_nlp = lambda path=None: cached  # type: ignore[assignment]
    for setting in args.settings or [""]:
        start = time.perf_counter()
        result = train(
            records,
            folds=args.folds,
            seed=args.seed,
            params=_parse(setting),
            groups=None if args.shuffled else groups,
        )
        m = result.metrics["hybrid"]
        kappas = " ".join(f"{c[:5]}={v['kappa']:.3f}" for c, v in m["codes"].items())
        print(
            f"[{setting or 'defaults'}] micro-F1 {m['micro_f1']:.3f} macro-F1 {m['macro_f1']:.3f} "
            f"min-kappa {min(v['kappa'] for v in m['codes'].values()):.3f} | {kappas} | "
            f"model-only {result.metrics['model_only']['micro_f1']:.3f} "
            f"rules {result.metrics['rules_only']['micro_f1']:.3f} "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        if heldout:
            scored = evaluate_records(heldout, result.model, None)["hybrid"]
            kappas = " ".join(f"{c[:5]}={v['kappa']:.3f}" for c, v in scored["codes"].items())
            print(
                f"    held-out writers ({len(heldout)} docs): micro-F1 {scored['micro_f1']:.3f} "
                f"min-kappa {min(v['kappa'] for v in scored['codes'].values()):.3f} | {kappas}",
                flush=True,
            )


if __name__ == "__main__":
    main()
