"""train_to_dir() and evaluate_model(): what the ``train`` and ``evaluate`` commands run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from testimonycoder.codebook import load_codebook
from testimonycoder.errors import InputError, OutputError
from testimonycoder.intervals import metric_intervals
from testimonycoder.io.atomic import write_text_atomic
from testimonycoder.metrics import code_metrics, group_masks
from testimonycoder.modelcard import data_hash, now, package_versions, render_model_card
from testimonycoder.scorer import PARAMS
from testimonycoder.training import TrainingRecord, TrainingResult, code_labels, train
from testimonycoder.training_data import load_training_records, record_groups

if TYPE_CHECKING:
    import pandas as pd

# The estimator's stored hyper-parameters, except the seed (``train --seed``).
_ALLOWED_PARAMS = frozenset(PARAMS) - {"seed"}


def _noop(message: str) -> None:
    return None


def load_params(path: Path | None) -> dict[str, Any]:
    """Hyper-parameters from a YAML file (keys: see ``configs/training.yaml``)."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the training config ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the training config must be a mapping")
    unknown = set(data) - _ALLOWED_PARAMS
    if unknown:
        raise InputError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; allowed: "
            f"{', '.join(sorted(_ALLOWED_PARAMS))}"
        )
    for key, value in data.items():
        _check_param(path, key, value)
    return data


def _check_param(path: Path, key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{path}: '{key}' must be a number, not {value!r}")
    if key == "review_recall" and not 0 < value <= 1:
        raise InputError(f"{path}: 'review_recall' must be above 0 and at most 1, not {value}")
    if key in ("window", "word_features", "char_features") and (
        not isinstance(value, int) or value < (0 if key == "window" else 1)
    ):
        raise InputError(f"{path}: '{key}' must be a whole number, not {value!r}")
    if key == "join_share" and value < 0:
        raise InputError(f"{path}: 'join_share' must be 0 or more, not {value}")
    if key == "join_max" and (not isinstance(value, int) or value < 2):
        raise InputError(f"{path}: 'join_max' must be a whole number of at least 2, not {value!r}")
    if key == "C" and value <= 0:
        raise InputError(f"{path}: 'C' must be above 0, not {value}")


def train_to_dir(
    data: Path,
    out: Path,
    *,
    codebook_path: Path | None = None,
    folds: int = 5,
    seed: int = 0,
    config: Path | None = None,
    split: list[str] | None = None,
    code_map: dict[str, str | None] | None = None,
    name: str | None = None,
    test_data: Path | None = None,
    group_by: str | None = None,
    label_errors: bool = False,
    force: bool = False,
    warn: Callable[[str], None] = _noop,
    progress: Callable[[str], None] = _noop,
) -> TrainingResult:
    """Train on ``data`` and write model.npz, manifest.json, metrics.json and model-card.md.

    With ``group_by`` (a field of the records, e.g. ``source``), cross-validation keeps each
    group's documents in one fold (see :func:`testimonycoder.training.train`). With
    ``label_errors``, also write ``likely_label_errors.csv``: the training labels that the
    out-of-fold scores of this very training run say are probably wrong (confident learning, as
    ``audit --label-errors``), most likely wrong first, for a person to check.
    """
    from testimonycoder.model_store import MODEL_FILE, save_model

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if (out / MODEL_FILE).exists() and not force:
        raise OutputError(f"{out}: already holds a model; pass --force to replace it")
    if not out.parent.exists():
        raise OutputError(f"{out}: the folder '{out.parent}' does not exist; create it first")
    params = load_params(config)
    codebook = load_codebook(codebook_path)
    records = load_training_records(data, codebook=codebook, split=split, code_map=code_map)
    groups = record_groups(records, group_by) if group_by else None
    result = train(
        records,
        codebook_path=str(codebook_path) if codebook_path else None,
        folds=folds,
        seed=seed,
        params=params,
        groups=groups,
        warn=warn,
        progress=progress,
    )
    test_metrics = None
    if test_data is not None:
        test_records = load_training_records(test_data, codebook=codebook, split=["test"])
        progress("scoring the test split")
        test_metrics = evaluate_records(test_records, result.model, codebook_path)["hybrid"]
        result.metrics["test"] = test_metrics
    model_name = name or out.name
    metadata = {
        "name": model_name,
        "date": now(),
        "data": str(data),
        "n_documents": len(records),
        "grouped_by": group_by,
        "data_hash": data_hash(records),
        "codebook": codebook.hash,
        "versions": package_versions(),
        "params": {k: v for k, v in result.model.get_params().items() if k != "codes"},
    }
    out.mkdir(exist_ok=True)
    save_model(result.model, out, metadata=metadata)
    metrics = dict(result.metrics)
    metrics["warnings"] = result.warnings
    write_text_atomic(
        out / "metrics.json", json.dumps(metrics, indent=2) + "\n", force=True, shared=True
    )
    card = render_model_card(
        name=model_name, metadata=metadata, metrics=result.metrics, test_metrics=test_metrics
    )
    write_text_atomic(out / "model-card.md", card, force=True, shared=True)
    if label_errors:
        flagged = training_label_errors(records, result)
        write_text_atomic(
            out / LABEL_ERRORS_FILE, flagged.to_csv(index=False), force=True, shared=True
        )
    return result


LABEL_ERRORS_FILE = "likely_label_errors.csv"


def training_label_errors(records: list[TrainingRecord], result: TrainingResult) -> pd.DataFrame:
    """The training labels most likely wrong, by confident learning on the run's out-of-fold
    probabilities (no second training): ``rank, doc_id, code, given_label, oof_probability,
    label_quality``."""
    from testimonycoder.audit.label_errors import rank_label_errors

    codes = list(result.model.codes_)
    flagged = rank_label_errors(
        code_labels(records, codes),
        result.oof_probabilities,
        doc_ids=[r.id for r in records],
        codes=codes,
    )
    return flagged.drop(columns="coder")


def _scored(Y: np.ndarray, P: np.ndarray, codes: list[str]) -> dict[str, Any]:
    """The metrics of ``code_metrics`` with their bootstrap confidence intervals."""
    return {**code_metrics(Y, P, codes), "intervals": metric_intervals(Y, P, codes)}


def evaluate_records(
    records: list[TrainingRecord],
    model: Any,
    codebook_path: Path | str | None,
    by: str | None = None,
) -> dict[str, Any]:
    """Metrics of the hybrid decision, the model alone and the rules alone on gold ``records``,
    plus the list of errors with their evidence. The hybrid metrics carry their bootstrap
    confidence intervals (``intervals``, see :mod:`testimonycoder.intervals`). With ``by`` (a
    field of every record, such as an interviewer or genre column), the hybrid metrics are also
    given for each of its values (``by``).

    Raises:
        InputError: a record has no ``by`` field.
    """
    groups = record_groups(records, by, option="--by") if by else None
    from testimonycoder.coding import code_documents
    from testimonycoder.document import Document
    from testimonycoder.pipeline import build_nlp, pipeline_codebook

    nlp = build_nlp(codebook_path)
    codebook = pipeline_codebook(nlp)
    codes = codebook.top_level
    docs = [Document(r.id, r.text) for r in records]
    codings = list(code_documents(docs, nlp=nlp, model=model))
    Y = np.array([[int(c in r.codes) for c in codes] for r in records])
    P = np.array([[int(c in k.codes) for c in codes] for k in codings])
    R = np.array(
        [
            [
                int(
                    any(
                        e.code == c and e.status == "asserted" and e.source == "rules"
                        for e in k.evidence
                    )
                )
                for c in codes
            ]
            for k in codings
        ]
    )
    errors = []
    for r, k in zip(records, codings, strict=True):
        for c in codes:
            gold, pred = c in r.codes, c in k.codes
            if gold != pred:
                errors.append(
                    {
                        "id": r.id,
                        "code": c,
                        "error": "false positive" if pred else "false negative",
                        "score": k.scores.get(c, 0.0),
                        "evidence": [e.to_dict() for e in k.evidence if e.code == c],
                    }
                )
    out: dict[str, Any] = {
        "hybrid": _scored(Y, P, codes),
        "rules_only": code_metrics(Y, R, codes),
    }
    if model is not None:
        M = np.array(
            [[int(k.scores.get(c, 0) >= model.thresholds[c]) for c in codes] for k in codings]
        )
        out["model_only"] = code_metrics(Y, M, codes)
    out["confusion"] = {
        c: {
            "tp": int(((Y[:, i] == 1) & (P[:, i] == 1)).sum()),
            "fp": int(((Y[:, i] == 0) & (P[:, i] == 1)).sum()),
            "fn": int(((Y[:, i] == 1) & (P[:, i] == 0)).sum()),
            "tn": int(((Y[:, i] == 0) & (P[:, i] == 0)).sum()),
        }
        for i, c in enumerate(codes)
    }
    out["errors"] = errors
    if groups is not None:
        out["by"] = {
            "field": by,
            "groups": {
                value: _scored(Y[mask], P[mask], codes)
                for value, mask in group_masks(groups).items()
            },
        }
    return out


def evaluate_data(
    data: Path,
    *,
    model_dir: Path | None = None,
    rules_only: bool = False,
    codebook_path: Path | None = None,
    split: list[str] | None = None,
    code_map: dict[str, str | None] | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Evaluate a model (default: the bundled one) on gold-coded ``data``; ``by``: see
    :func:`evaluate_records`."""
    from testimonycoder.model_io import resolve_model

    codebook = load_codebook(codebook_path)
    records = load_training_records(
        data,
        codebook=codebook,
        split=split or ["test"] if data.is_dir() else split,
        code_map=code_map,
    )
    model = resolve_model(model_dir, codebook, use_model=not rules_only)
    result = evaluate_records(records, model, codebook_path, by=by)
    result["model"] = (
        str(model_dir) if model_dir else ("rules only" if model is None else "default")
    )
    return result
