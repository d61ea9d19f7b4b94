"""Build corpus/double_coded/ from the two independent coders' raw files.

Inputs (corpus/double_coded/raw/, or --source DIR): ``texts.jsonl`` ({id, text}) and
``coder1.jsonl``, ``coder2.jsonl``, one line per document: {id, subcodes, spans: [{quote, code,
status, experiencer}]}. Outputs in corpus/double_coded/:

* ``annotations.csv``: long format ``doc_id, coder, code, start, end, status, experiencer``.
  Quotes are resolved to character offsets (the first occurrence at or after the coder's
  previous span, else the first occurrence). Every span is a row, whatever its status; every
  sub-code is a document-level row (no start/end). A document a coder read but gave no span or
  sub-code gets one row with an empty ``code``, so it counts as coded-with-nothing ("absent"),
  never as not coded ("missing").
* ``texts.jsonl``: {id, text} of the documents.
* ``adjudication.csv``: the adjudication sheet of ``testimonycoder audit --adjudicate`` with every
  decision filled in by the *document author's* label (corpus/{train,validation,test}.jsonl): the
  author, who wrote the testimony summary and coded it for the corpus, acts as the adjudicator.
* ``gold.jsonl``: the adjudicated gold set, made by ``audit resolve`` from that sheet: where the
  two coders agree their label is kept; where they differ the author's decision wins.

Usage: python scripts/build_double_coded.py [--source DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "double_coded"
CODERS = ("coder1", "coder2")
AUTHOR_SPLITS = ("train", "validation", "test")


def read_jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def locate(text: str, quote: str, after: int, where: str) -> int:
    pos = text.find(quote, after)
    if pos < 0:
        pos = text.find(quote)
    if pos < 0:
        raise SystemExit(f"{where}: quote not found in the text: {quote!r}")
    return pos


def coder_rows(record: dict, coder: str, text: str) -> list[dict]:
    rows, after = [], 0
    for number, span in enumerate(record.get("spans", []), 1):
        where = f"{coder}:{record['id']} span {number}"
        start = locate(text, span["quote"], after, where)
        end = start + len(span["quote"])
        after = start
        rows.append(
            {
                "doc_id": record["id"], "coder": coder, "code": span["code"], "start": start,
                "end": end, "status": span["status"], "experiencer": span["experiencer"],
            }
        )  # fmt: skip
    for sub in record.get("subcodes", []):
        rows.append({"doc_id": record["id"], "coder": coder, "code": sub})
    if not rows:
        rows.append({"doc_id": record["id"], "coder": coder, "code": ""})
    return rows


def author_labels() -> dict[str, set[str]]:
    labels = {}
    for split in AUTHOR_SPLITS:
        path = ROOT / "corpus" / f"{split}.jsonl"
        if not path.exists():
            continue
        for record in read_jsonl(path):
            labels[record["id"]] = set(record.get("codes", [])) | set(record.get("subcodes", []))
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=OUT / "raw")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from testimonycoder.audit import adjudication_base, adjudication_sheet, find_disagreements
    from testimonycoder.audit.adjudication import BASE_NAME, base_bytes, resolve

    texts = {r["id"]: r["text"] for r in read_jsonl(args.source / "texts.jsonl")}
    rows = []
    for coder in CODERS:
        records = read_jsonl(args.source / f"{coder}.jsonl")
        unknown = [r["id"] for r in records if r["id"] not in texts]
        if unknown:
            raise SystemExit(f"{coder}: documents without a text: {unknown[:5]}")
        for record in records:
            rows.extend(coder_rows(record, coder, texts[record["id"]]))
    annotations = pd.DataFrame(
        rows, columns=["doc_id", "coder", "code", "start", "end", "status", "experiencer"]
    )
    annotations["start"] = annotations["start"].astype("Int64")
    annotations["end"] = annotations["end"].astype("Int64")
    OUT.mkdir(parents=True, exist_ok=True)
    annotations.to_csv(OUT / "annotations.csv", index=False)
    with (OUT / "texts.jsonl").open("w", encoding="utf-8") as handle:
        for doc_id, text in texts.items():
            handle.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")

    authors = author_labels()
    sheet = adjudication_sheet(find_disagreements(annotations, texts=texts))
    missing = sorted(set(sheet["doc_id"]) - set(authors))
    if missing:
        raise SystemExit(f"no author label for disagreements in {missing[:5]}")
    sheet["decision"] = [
        "yes" if row.code in authors[row.doc_id] else "no" for row in sheet.itertuples()
    ]
    sheet["note"] = "author label"
    sheet.to_csv(OUT / "adjudication.csv", index=False)
    base = adjudication_base(annotations, texts, coders=list(CODERS))
    base_path = OUT / BASE_NAME
    base_path.write_bytes(base_bytes(base))
    gold, undecided = resolve(OUT / "adjudication.csv", base_path=base_path)
    base_path.unlink()  # only needed to resolve; gold.jsonl holds the result
    assert undecided.empty
    with (OUT / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for record in gold:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(
        f"{len(texts)} documents, {len(annotations)} annotation rows, {len(sheet)} disagreements "
        f"decided by the author label, {len(gold)} gold documents -> {OUT}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
