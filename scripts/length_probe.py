"""Does a model find one document's codes inside a long document, and only those?

    python scripts/length_probe.py make --split unseen --out probe.jsonl
    testimonycoder code probe.jsonl --out probe-coded.jsonl
    python scripts/length_probe.py score probe.jsonl probe-coded.jsonl

For each code and each length K (4, 8, 16 documents), ``make`` writes N documents made of one
document that has the code and K - 1 documents that do not ("pos"), and N documents made of K
documents that do not have it ("neg"), joined by blank lines. ``score`` counts, per length, how
often the code was missed in the "pos" documents and found in the "neg" ones. Unlike documents
joined at random (``scripts/join_documents.py``), whose union of codes holds most codes, these
keep the question to one code at a time. ``--sources`` limits the documents to some authors
(e.g. the held-out authors of ``scripts/writer_cv.py``: ``--split train,validation --sources
synthetic:train_p,synthetic:train_q``). The README's length table was measured with them
(issue 4, 2026-11-27).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from testimonycoder.codebook import load_codebook

ROOT = Path(__file__).resolve().parent.parent


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def make(docs: list[dict], codes: list[str], ks: list[int], n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for code in codes:
        without = [d for d in docs if code not in d["codes"]]
        with_code = [d for d in docs if code in d["codes"]]
        for k in ks:
            for i in range(n):
                neg = rng.sample(without, k)
                pos = [*rng.sample(without, k - 1), rng.choice(with_code)]
                rng.shuffle(pos)
                for kind, part in (("neg", neg), ("pos", pos)):
                    out.append(
                        {
                            "id": f"{kind}|{code}|{k}|{i}",
                            "text": "\n\n".join(d["text"] for d in part),
                            "codes": sorted({c for d in part for c in d["codes"]}),
                        }
                    )
    return out


def score(probe: Path, coded: Path) -> str:
    wrong: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    ids = {r["id"] for r in _read(probe)}
    for rec in _read(coded):
        if rec["id"] not in ids:
            continue
        kind, code, k, _ = rec["id"].split("|")
        total[(kind, k)] += 1
        wrong[(kind, k)] += (code in rec["codes"]) != (kind == "pos")
    ks = sorted({k for _, k in total}, key=int)
    lines = ["| documents joined | code of one member missed | code of no member found |"]
    lines.append("|---|---|---|")
    for k in ks:
        lines.append(
            f"| {k} | {wrong[('pos', k)]} of {total[('pos', k)]} "
            f"| {wrong[('neg', k)]} of {total[('neg', k)]} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("make", help="write the probe documents")
    mk.add_argument("--split", default="unseen", help="corpus split(s), comma-separated")
    mk.add_argument("--sources", help="keep documents whose 'source' is one of these")
    mk.add_argument("--ks", default="4,8,16", help="documents per probe document")
    mk.add_argument("--n", type=int, default=25, help="probe documents per code, length, kind")
    mk.add_argument("--seed", type=int, default=11)
    mk.add_argument("--out", type=Path, required=True)
    sc = sub.add_parser("score", help="count misses and false finds in a coded probe file")
    sc.add_argument("probe", type=Path)
    sc.add_argument("coded", type=Path)
    args = ap.parse_args()
    if args.command == "score":
        print(score(args.probe, args.coded))
        return 0
    docs = []
    for split in args.split.split(","):
        path = ROOT / "corpus" / f"{split}.jsonl"
        if not path.exists():
            raise SystemExit(f"{path}: no such split; use train, validation, test or unseen")
        docs += _read(path)
    if args.sources:
        keep = set(args.sources.split(","))
        docs = [d for d in docs if d.get("source") in keep]
    probe = make(
        docs, load_codebook().top_level, [int(k) for k in args.ks.split(",")], args.n, args.seed
    )
    with args.out.open("w", encoding="utf-8") as fh:
        for doc in probe:
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{len(probe)} probe documents -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
