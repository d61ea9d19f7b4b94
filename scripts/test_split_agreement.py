"""Agreement between the test author's labels and an independent second coder of the test split.

corpus/double_coded/test_second_coder.jsonl holds a second coding of the 170 test documents by a
coder who saw only the annotation guidelines and the texts (not the author's labels, the training
corpus or the rules). Document codes are the codes with at least one asserted span, as in the
corpus. Prints micro-F1 and Cohen's kappa per code.

Usage: python scripts/test_split_agreement.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from testimonycoder.codebook import load_codebook

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    codes = load_codebook().top_level
    author = {}
    for line in (ROOT / "corpus/test.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        author[record["id"]] = set(record["codes"])
    second = {}
    path = ROOT / "corpus/double_coded/test_second_coder.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        second[record["id"]] = {s["code"] for s in record["spans"] if s["status"] == "asserted"}
    ids = sorted(author)
    A = np.array([[c in author[i] for c in codes] for i in ids], dtype=int)
    B = np.array([[c in second[i] for c in codes] for i in ids], dtype=int)
    print(f"{len(ids)} test documents; micro-F1 {f1_score(A, B, average='micro'):.3f}")
    for k, code in enumerate(codes):
        kappa = cohen_kappa_score(A[:, k], B[:, k])
        print(f"{code}: kappa {kappa:.3f} (author {A[:, k].sum()}, second coder {B[:, k].sum()})")


if __name__ == "__main__":
    main()
