"""Long documents for a stress test: documents of a corpus split joined K at a time.

Published testimony can be much longer than the corpus documents (most are under 300 words).
A joined document holds K random documents of the split, separated by blank lines, and its gold
codes are the union of theirs; spans are dropped. Scoring a model on them shows whether it holds
up on length. Because such a union holds most codes, a model can score well here by coding most
codes in any long document; ``scripts/length_probe.py`` asks one code at a time (issue 4,
2026-11-27).

Usage: python scripts/join_documents.py --split unseen --k 8 --n 150 --seed 3 --out long8.jsonl
then:  testimonycoder evaluate long8.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def join(docs: list[dict], k: int, n: int, seed: int) -> list[dict]:
    """``n`` documents, each ``k`` distinct random ``docs`` joined, with the union of codes."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        part = rng.sample(docs, k)
        codes = sorted({c for d in part for c in d["codes"]})
        text = "\n\n".join(d["text"] for d in part)
        out.append({"id": f"joined{k}-{i:04d}", "text": text, "codes": codes})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="unseen", help="corpus split to draw from")
    ap.add_argument("--k", type=int, default=8, help="documents per joined document")
    ap.add_argument("--n", type=int, default=150, help="joined documents to write")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    path = ROOT / "corpus" / f"{args.split}.jsonl"
    if not path.exists():
        raise SystemExit(f"{path}: no such split; use train, validation, test or unseen")
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not 1 <= args.k <= len(docs):
        raise SystemExit(f"--k must be between 1 and {len(docs)} (the documents in {path.name})")
    with args.out.open("w", encoding="utf-8") as fh:
        for doc in join(docs, args.k, args.n, args.seed):
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{args.n} documents of {args.k} joined {args.split} documents -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
