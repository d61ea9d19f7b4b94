"""Convert a model folder of format 1 (``model.skops``), 2 or 3 (``model.npz``) to format 4.

Usage: python scripts/convert_skops_model.py OLD_FOLDER NEW_FOLDER

The arrays are copied, so the converted model assigns exactly the codes the old one did.
Format 4 calibrators also weigh the document's length; an older calibrator ``[w_passage, w_doc,
bias]`` becomes one with zero weights for the length terms, which scores the same. The old
model was not trained on joined documents (``join_share`` 0), so it keeps its weakness on long
documents; retrain to remove it. Format 3 added the learned review band (a log-odds margin,
see ``testimonycoder.hybrid``), which formats 1 and 2 lack: the old probability band ``band``
around each threshold is translated to log-odds at each code's threshold and averaged. The
review queue is therefore close to, not the same as, the old one, and it holds no bands for
other shares (``code --review-recall``); retrain to learn the bands from data. The old file is
checked against
its manifest's hash; a format-1 file is read with skops with no trusted types (as testimonycoder
read it before format 2), which needs ``pip install skops`` (testimonycoder itself no longer
depends on it). The other files of the folder (metrics, model card) are copied as they are.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from testimonycoder.model_store import (
    MANIFEST,
    MODEL_FILE,
    OLD_MODEL_FILE,
    read_manifest,
    save_model,
)
from testimonycoder.scorer import ARRAYS, PARAMS, ModelScorer


def _read_state(old: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Arrays and params of a model folder of format 1, 2 or 3, checked against its hash."""
    skops_file = (old / OLD_MODEL_FILE).exists()
    path = old / (OLD_MODEL_FILE if skops_file else MODEL_FILE)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise SystemExit(f"{path}: does not match the hash in {MANIFEST}")
    if not skops_file:
        if manifest.get("format") not in (2, 3):
            raise SystemExit(f"{path}: format {manifest.get('format')}, expected 1, 2 or 3")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {"params": manifest["params"], **{k: npz[k] for k in npz.files}}
    import skops.io as sio

    if sio.get_untrusted_types(data=data):
        raise SystemExit(f"{path}: holds types that are not plain data")
    state: dict[str, Any] = sio.loads(data, trusted=[])
    if state["format"] != 1:
        raise SystemExit(f"{path}: format {state['format']}, expected 1")
    return state


def convert(old: Path, new: Path) -> None:
    manifest = read_manifest(old)
    state = _read_state(old, manifest)
    if "review_band" not in state:  # formats 1 and 2
        t = np.clip(np.asarray(state["thresholds"], dtype=np.float64), 0.01, 0.99)
        band = float(state["params"]["band"])
        upper = np.clip(t + band, 0.01, 0.99)
        state["review_band"] = np.array(
            [float(np.mean(np.log(upper / (1 - upper)) - np.log(t / (1 - t))))]
        )
        state["review_choices"] = np.zeros((0, 2))  # no other shares: --review-recall refuses
    cal = np.asarray(state["calibrators"], dtype=np.float64)  # [w_passage, w_doc, bias]
    state["calibrators"] = np.column_stack([cal[:, :2], np.zeros((len(cal), 3)), cal[:, 2]])
    # review_recall of formats 1 and 2: None, not learned; join_share 0: no joined documents
    params = {k: state["params"].get(k) for k in PARAMS} | {"join_share": 0, "join_max": None}
    scorer = ModelScorer(
        codes=list(state.get("codes", manifest["codes"])),
        params=params,
        arrays={name: np.asarray(state[name]) for name in ARRAYS},
    )
    scorer.check_shapes()
    new.mkdir(parents=True, exist_ok=True)
    for path in old.iterdir():
        if path.is_file() and path.name not in (OLD_MODEL_FILE, MODEL_FILE, MANIFEST):
            shutil.copy2(path, new / path.name)
    metadata = {k: v for k, v in manifest.items() if k not in ("sha256", "format", "size")}
    save_model(scorer, new, metadata=metadata)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"converted {sys.argv[1]} -> {sys.argv[2]}")
