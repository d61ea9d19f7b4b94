"""Saving and loading models safely: plain numeric arrays and JSON, checked before use.

A model folder holds:

* ``model.npz``: the learned arrays (see :data:`testimonycoder.scorer.ARRAYS`), float numbers
  only, written with ``numpy.savez_compressed``. It is read with ``allow_pickle=False``, so an
  array of Python objects (the way pickle files run code) is refused, and any array that is not
  a float array of the expected shape is refused too;
* ``manifest.json``: the code ids and hyper-parameters, the SHA-256 and size of ``model.npz``,
  the codebook hash, the data hash and the package versions. A truncated or altered model file no
  longer matches its size and hash and is refused with a clear message before it is parsed;
* ``metrics.json`` and ``model-card.md`` from training.

Loading needs neither scikit-learn nor pickle: it returns a
:class:`~testimonycoder.scorer.ModelScorer`. Models saved by testimonycoder before format 4
(format 1: ``model.skops``; format 2: no learned review band; format 3: calibrators without the
document's length) are refused with a message saying how to retrain or convert them.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from testimonycoder.errors import ModelError
from testimonycoder.io.atomic import write_bytes_atomic, write_text_atomic
from testimonycoder.scorer import ARRAYS, PARAMS, ModelScorer

if TYPE_CHECKING:
    from testimonycoder.model import TestimonyClassifier

MODEL_FILE = "model.npz"
MANIFEST = "manifest.json"
# 3: the learned review band; 4: calibrators that take the document's length (2026-11-27)
FORMAT_VERSION = 4
OLD_MODEL_FILE = "model.skops"  # format 1, read only by scripts/convert_skops_model.py
# The dtypes the scorer computes with (coefficients in float32, the rest in float64).
_DTYPES = {name: np.float32 if name.endswith("_coef") else np.float64 for name in ARRAYS}


def model_bytes(scorer: ModelScorer) -> bytes:
    """The ``model.npz`` content of ``scorer``: its arrays, nothing else."""
    buffer = io.BytesIO()
    arrays = {name: np.asarray(scorer.arrays[name], dtype=_DTYPES[name]) for name in ARRAYS}
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # floats only: no pickle
    return buffer.getvalue()


def save_model(
    model: TestimonyClassifier | ModelScorer,
    folder: Path,
    *,
    metadata: dict[str, Any],
    force: bool = True,
) -> None:
    """Write ``model.npz`` and ``manifest.json`` into ``folder`` (created if needed)."""
    scorer: ModelScorer = model if isinstance(model, ModelScorer) else model.scorer()
    folder.mkdir(parents=True, exist_ok=True)
    data = model_bytes(scorer)
    write_bytes_atomic(folder / MODEL_FILE, data, force=force, shared=True)
    manifest = dict(metadata)
    manifest.update(
        format=FORMAT_VERSION,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        codes=list(scorer.codes),
        params={k: scorer.params[k] for k in PARAMS},
    )
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


def load_model(folder: Path) -> ModelScorer:
    """Load a model folder, refusing damaged, tampered, outdated or unsafe files.

    Raises:
        ModelError: missing files, a size or hash mismatch (truncated or altered), an older
            format, or a file holding anything but the expected float arrays.
    """
    path = folder / MODEL_FILE
    if not path.exists() and (folder / OLD_MODEL_FILE).exists():
        raise ModelError(
            f"{folder}: holds a model in an older format ({OLD_MODEL_FILE}); retrain it with "
            "'testimonycoder train', or convert it with scripts/convert_skops_model.py"
        )
    manifest = read_manifest(folder)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot be read ({exc.strerror})") from None
    size = manifest.get("size")
    if (size is not None and size != len(data)) or hashlib.sha256(data).hexdigest() != manifest[
        "sha256"
    ]:
        raise ModelError(
            f"{path}: does not match the size and hash in {MANIFEST} (the file is truncated or "
            "was altered); retrain the model or copy the folder again"
        )
    if manifest.get("format") != FORMAT_VERSION:
        raise ModelError(
            f"{folder / MANIFEST}: model format {manifest.get('format')} is not supported "
            f"(expected {FORMAT_VERSION}); retrain the model with 'testimonycoder train', or "
            "convert it with scripts/convert_skops_model.py"
        )
    arrays = _read_arrays(data, path)
    try:
        codes = [str(c) for c in manifest["codes"]]
        params = {k: manifest["params"][k] for k in PARAMS}
        scorer = ModelScorer(
            codes=codes,
            params=params,
            arrays=arrays,
            codebook_hash=str(manifest.get("codebook", "")),
            name=str(manifest.get("name", "testimonycoder-model")),
            fingerprint=str(manifest["sha256"])[:16],
        )
        scorer.check_shapes()
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: incomplete or inconsistent model ({exc})") from None
    return scorer


def _read_arrays(data: bytes, path: Path) -> dict[str, np.ndarray]:
    """The float arrays of a ``model.npz``; never unpickles anything."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in ARRAYS:
                array = npz[name]
                if array.dtype != _DTYPES[name] or array.ndim != ARRAYS[name]:
                    raise ModelError(
                        f"{path}: array '{name}' is {array.dtype} with {array.ndim} dimensions, "
                        f"not {np.dtype(_DTYPES[name])} with {ARRAYS[name]}; refusing to load it"
                    )
                arrays[name] = array
    except ModelError:
        raise
    except KeyError as exc:
        raise ModelError(f"{path}: incomplete model file (no array {exc})") from None
    except ValueError as exc:  # numpy refuses object arrays: "Object arrays cannot be loaded..."
        raise ModelError(f"{path}: holds data that is not plain numbers ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: not a readable model file ({type(exc).__name__})") from None
    return arrays
