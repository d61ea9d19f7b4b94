"""Saving and loading models safely: numbers and plain strings only, checked before use.

A model folder holds:

* ``model.skops``: the learned arrays and parameters, written with ``skops.io`` from plain types
  (dicts, lists, strings, floats, NumPy arrays). It is loaded with an empty trusted-type list, so
  a file that smuggles in any other type (the way pickle files run code) is refused;
* ``manifest.json``: the SHA-256 of ``model.skops``, the codebook hash, the data hash and the
  package versions. A truncated or altered model file no longer matches its hash and is refused
  with a clear message before it is parsed;
* ``metrics.json`` and ``model-card.md`` from training.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from testimonycoder.errors import ModelError
from testimonycoder.io.atomic import write_bytes_atomic, write_text_atomic
from testimonycoder.model import TestimonyClassifier

MODEL_FILE = "model.skops"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
_PARAMS = (
    "C",
    "window",
    "word_features",
    "char_features",
    "band",
    "seed",
    "word_weight",
    "char_weight",
    "rule_weight",
)


def _state(model: TestimonyClassifier) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "codes": list(model.codes_),
        "params": {k: getattr(model, k) for k in _PARAMS},
        "passage_coef": model.passage_coef_,
        "passage_intercept": model.passage_intercept_,
        "doc_coef": model.doc_coef_,
        "doc_intercept": model.doc_intercept_,
        "calibrators": np.asarray(model.calibrators_, dtype=np.float64),
        "thresholds": np.asarray(model.thresholds_, dtype=np.float64),
        "rule_floors": np.asarray(model.rule_floors_, dtype=np.float64),
    }


def save_model(
    model: TestimonyClassifier, folder: Path, *, metadata: dict[str, Any], force: bool = True
) -> None:
    """Write ``model.skops`` and ``manifest.json`` into ``folder`` (created if needed)."""
    import skops.io as sio

    folder.mkdir(parents=True, exist_ok=True)
    data = sio.dumps(_state(model), compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    write_bytes_atomic(folder / MODEL_FILE, data, force=force, shared=True)
    manifest = dict(metadata)
    manifest["sha256"] = hashlib.sha256(data).hexdigest()
    manifest["format"] = FORMAT_VERSION
    write_text_atomic(
        folder / MANIFEST,
        json.dumps(manifest, indent=2, sort_keys=True) + "\n",
        force=True,
        shared=True,
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; the model folder is incomplete, retrain it") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc}); the model folder is damaged") from None
    if not isinstance(manifest, dict) or "sha256" not in manifest:
        raise ModelError(f"{path}: no 'sha256' entry; the model folder is damaged")
    return manifest


def load_model(folder: Path) -> TestimonyClassifier:
    """Load a model folder, refusing damaged, tampered or unsafe files.

    Raises:
        ModelError: missing files, a hash mismatch (truncated or altered), or a file holding
            anything but plain data.
    """
    import skops.io as sio

    manifest = read_manifest(folder)
    path = folder / MODEL_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot be read ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise ModelError(
            f"{path}: does not match the hash in {MANIFEST} (the file is truncated or was "
            "altered); retrain the model or copy the folder again"
        )
    try:
        untrusted = sio.get_untrusted_types(data=data)
        if untrusted:
            raise ModelError(
                f"{path}: holds types that are not plain data ({', '.join(untrusted[:5])}); "
                "refusing to load it"
            )
        state = sio.loads(data, trusted=[])
    except ModelError:
        raise
    except Exception as exc:  # skops raises many types on damaged archives
        raise ModelError(f"{path}: not a readable model file ({type(exc).__name__})") from None
    return _from_state(state, manifest, path)


def _from_state(state: Any, manifest: dict[str, Any], path: Path) -> TestimonyClassifier:
    try:
        if state["format"] != FORMAT_VERSION:
            raise ModelError(f"{path}: model format {state['format']} is not supported")
        params = state["params"]
        model = TestimonyClassifier(list(state["codes"]), **{k: params[k] for k in _PARAMS})
        model.codes_ = list(state["codes"])
        model.passage_coef_ = np.asarray(state["passage_coef"], dtype=np.float32)
        model.passage_intercept_ = np.asarray(state["passage_intercept"], dtype=np.float64)
        model.doc_coef_ = np.asarray(state["doc_coef"], dtype=np.float32)
        model.doc_intercept_ = np.asarray(state["doc_intercept"], dtype=np.float64)
        model.calibrators_ = np.asarray(state["calibrators"], dtype=np.float64)
        model.thresholds_ = np.asarray(state["thresholds"], dtype=np.float64)
        model.rule_floors_ = np.asarray(state["rule_floors"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: incomplete model file ({exc})") from None
    n = model.n_features_expected()
    if model.passage_coef_.shape != (len(model.codes_), n):
        raise ModelError(f"{path}: array shapes do not fit the model parameters")
    model.codebook_hash = str(manifest.get("codebook", ""))
    model.name = str(manifest.get("name", "testimonycoder-model"))
    model.fingerprint = str(manifest["sha256"])[:16]
    return model
