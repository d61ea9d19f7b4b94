"""Build corpus/{train,validation,test,unseen}.jsonl from the authors' raw files in corpus/raw/.

Raw records carry span *quotes*; this script resolves them to character offsets, derives the
document codes from the asserted spans, and splits the training authors' documents into train and
validation by a stable hash of the id. The test split is the independent author's file
(corpus/raw/test_*.jsonl) and is never mixed with the others. The unseen split is the files of
later authors kept out of training (corpus/raw/unseen_*.jsonl), for scoring a model on writers it
has not seen (``testimonycoder evaluate corpus --split unseen``).

Usage: python scripts/build_corpus.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "corpus" / "raw"
CODES = ["coercion", "abduction", "sale", "prostitution", "cybersex", "forced_marriage"]
VALIDATION_SHARE = 0.15


def resolve(rec: dict, author: str) -> dict:
    text = rec["text"]
    spans = []
    for span in rec.get("spans", []):
        pos = -1
        for _ in range(span.get("occurrence", 1)):
            pos = text.find(span["quote"], pos + 1)
        if pos < 0:
            raise SystemExit(f"{rec['id']}: quote not found: {span['quote']!r}")
        spans.append(
            {
                "start": pos,
                "end": pos + len(span["quote"]),
                "code": span["code"],
                "status": span["status"],
                "experiencer": span["experiencer"],
            }
        )
    spans.sort(key=lambda s: (s["start"], s["end"], s["code"]))
    asserted = {s["code"] for s in spans if s["status"] == "asserted"}
    return {
        "id": rec["id"],
        "text": text,
        "codes": [c for c in CODES if c in asserted],
        "subcodes": sorted(set(rec.get("subcodes", []))),
        "spans": spans,
        "genre": rec["genre"],
        "source": f"synthetic:{author}",
    }


def _is_validation(doc_id: str) -> bool:
    digest = hashlib.sha256(doc_id.encode()).digest()
    return digest[0] / 256 < VALIDATION_SHARE


def main() -> int:
    splits: dict[str, list[dict]] = {"train": [], "validation": [], "test": [], "unseen": []}
    for path in sorted(RAW.glob("*.jsonl")):
        author = path.stem
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            doc = resolve(json.loads(line), author)
            if author.startswith(("test", "unseen")):
                splits[author.split("_")[0]].append(doc)
            elif _is_validation(doc["id"]):
                splits["validation"].append(doc)
            else:
                splits["train"].append(doc)
    for name, docs in splits.items():
        docs.sort(key=lambda d: d["id"])
        out = ROOT / "corpus" / f"{name}.jsonl"
        with out.open("w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
        print(f"{name}: {len(docs)} documents -> {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
