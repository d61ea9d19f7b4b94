"""Convert a model folder of format 1 (``model.skops``) to format 2 (``model.npz``).

Usage: python scripts/convert_skops_model.py OLD_FOLDER NEW_FOLDER

The arrays are copied unchanged, so the converted model codes exactly as the old one did. The
old file is checked against its manifest's hash and read with skops with no trusted types (as
testimonycoder read it before format 2). Needs ``pip install skops``, which testimonycoder itself
no longer depends on. The other files of the folder (metrics, model card) are copied as they are.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np

from testimonycoder.model_store import MANIFEST, OLD_MODEL_FILE, read_manifest, save_model
from testimonycoder.scorer import ARRAYS, PARAMS, ModelScorer


def convert(old: Path, new: Path) -> None:
    import skops.io as sio

    manifest = read_manifest(old)
    data = (old / OLD_MODEL_FILE).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise SystemExit(f"{old / OLD_MODEL_FILE}: does not match the hash in {MANIFEST}")
    untrusted = sio.get_untrusted_types(data=data)
    if untrusted:
        raise SystemExit(f"{old / OLD_MODEL_FILE}: holds types that are not plain data")
    state = sio.loads(data, trusted=[])
    if state["format"] != 1:
        raise SystemExit(f"{old / OLD_MODEL_FILE}: format {state['format']}, expected 1")
    scorer = ModelScorer(
        codes=list(state["codes"]),
        params={k: state["params"][k] for k in PARAMS},
        arrays={name: np.asarray(state[name]) for name in ARRAYS},
    )
    scorer.check_shapes()
    new.mkdir(parents=True, exist_ok=True)
    for path in old.iterdir():
        if path.is_file() and path.name not in (OLD_MODEL_FILE, MANIFEST):
            shutil.copy2(path, new / path.name)
    metadata = {k: v for k, v in manifest.items() if k not in ("sha256", "format", "size")}
    save_model(scorer, new, metadata=metadata)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"converted {sys.argv[1]} -> {sys.argv[2]}")
