"""Flag corpus labels that are probably wrong, for adjudication (the corpus's own label audit).

Trains on corpus/ train + validation with folds grouped by author, so every document is scored by
a model that saw none of its author's documents, and ranks the document-level labels with
confident learning (``testimonycoder.trainer.training_label_errors``, the list of
``testimonycoder train --label-errors``). Authors named with ``--exclude`` are neither trained on
nor flagged, so they stay an independent check of whatever the adjudication changes.

Writes ``--out`` (CSV: rank, author, doc_id, code, given_label, oof_probability, label_quality)
and ``--items`` (JSONL for the adjudicators: one line per flagged label with the document's text,
its spans of that code from the raw file and their ``index`` in the record, and its sub-codes;
the model's probability is left out so as not to anchor the judgement). Apply the decisions with
``scripts/apply_label_decisions.py``.

Usage: python scripts/flag_label_errors.py --out flags.csv --items items.jsonl [--exclude p,q]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from testimonycoder.codebook import load_codebook
from testimonycoder.trainer import training_label_errors
from testimonycoder.training import train
from testimonycoder.training_data import load_training_records, record_groups

ROOT = Path(__file__).resolve().parent.parent


def raw_records(raw_dir: Path) -> dict[str, dict]:
    """Every raw record (quotes, not offsets) by document id."""
    out: dict[str, dict] = {}
    for path in sorted(raw_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["id"]] = rec
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--items", type=Path, required=True)
    ap.add_argument("--exclude", default="", help="author files to leave out, e.g. p,q")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    records = load_training_records(ROOT / "corpus", codebook=load_codebook())
    groups = record_groups(records, "source")
    excluded = {f"synthetic:train_{a}" for a in filter(None, args.exclude.split(","))}
    keep = [i for i, g in enumerate(groups) if g not in excluded]
    records = [records[i] for i in keep]
    groups = [groups[i] for i in keep]
    result = train(records, folds=5, seed=args.seed, groups=groups)
    flags = training_label_errors(records, result)
    author = dict(zip((r.id for r in records), groups, strict=True))
    flags.insert(1, "author", [author[d].removeprefix("synthetic:") for d in flags["doc_id"]])
    flags.to_csv(args.out, index=False)

    raw = raw_records(ROOT / "corpus" / "raw")
    with args.items.open("w", encoding="utf-8") as fh:
        for row in flags.itertuples():
            rec = raw[row.doc_id]
            spans = [
                {"index": i, **{k: s[k] for k in ("quote", "status", "experiencer")}}
                for i, s in enumerate(rec["spans"])
                if s["code"] == row.code
            ]
            item = {
                "item": int(row.rank),
                "id": row.doc_id,
                "code": row.code,
                "currently_coded": bool(row.given_label),
                "text": rec["text"],
                "spans_of_this_code": spans,
                "subcodes": rec.get("subcodes", []),
            }
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    n_labels = len(records) * len(result.model.codes_)
    print(f"{len(flags)} labels flagged of {n_labels} -> {args.out}, {args.items}")


if __name__ == "__main__":
    main()
