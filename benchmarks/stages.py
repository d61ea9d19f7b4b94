"""CPU time per stage of ``testimonycoder code``, in process, on a JSONL corpus.

    PYTHONPATH=src python benchmarks/stages.py CORPUS.jsonl [--model DIR | --rules-only]

Prints, per stage, CPU seconds (median of ``--repeat`` passes) and the cumulative words/s, next
to a warm bare ``spacy.blank("en")`` tokenizer on the same texts: reading JSONL, each pipeline
component, building the Coding records (split into the model's scoring and the rest), and
serialising the JSONL. CPU time (``time.process_time``) rather than wall time, because the
machine is shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import spacy


def _words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def time_bare(bare: Any, texts: list[str], batch_size: int) -> float:
    """CPU seconds of one pass of a bare tokenizer over ``texts``."""
    t = time.process_time()
    for _doc in bare.pipe(texts, batch_size=batch_size):
        pass
    return time.process_time() - t


def time_stages(
    nlp: Any, codebook: Any, model: Any, docs_in: list[Any], batch_size: int, *, score_apart: bool
) -> dict[str, float]:
    """CPU seconds of one pass over ``docs_in`` in batches, per stage: the tokenizer, each
    pipeline component, ``code_docs`` (the model's scoring and the records) and serialising.
    With ``score_apart``, the model's scoring is also timed on its own (and so done twice)."""
    from testimonycoder.coding import code_docs

    stage: dict[str, float] = defaultdict(float)
    for b in range(0, len(docs_in), batch_size):
        chunk = docs_in[b : b + batch_size]
        t = time.process_time()
        docs = [nlp.make_doc(d.text) for d in chunk]
        stage["tokenizer"] += time.process_time() - t
        for name, proc in nlp.pipeline:
            t = time.process_time()
            docs = [proc(doc) for doc in docs]
            stage[name] += time.process_time() - t
        if score_apart and model is not None:
            t = time.process_time()
            model.score_docs(docs)
            stage["model.score_docs (counted again in code_docs)"] += time.process_time() - t
        t = time.process_time()
        codings = code_docs(docs, [d.id for d in chunk], codebook=codebook, model=model)
        stage["code_docs"] += time.process_time() - t
        t = time.process_time()
        b"".join(orjson.dumps(c.to_dict()) + b"\n" for c in codings)
        stage["serialise"] += time.process_time() - t
    return stage


def main() -> None:
    from testimonycoder.io.readers import read_documents
    from testimonycoder.model_io import resolve_model
    from testimonycoder.pipeline import build_nlp, pipeline_codebook

    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--rules-only", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    nlp = build_nlp()
    codebook = pipeline_codebook(nlp)
    model = resolve_model(args.model, codebook, use_model=not args.rules_only)
    texts = [json.loads(line)["text"] for line in args.corpus.open(encoding="utf-8")]
    words = _words(texts)
    bare = spacy.blank("en")
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        times["bare tokenizer"].append(time_bare(bare, texts, args.batch_size))

        t = time.process_time()
        docs_in = list(read_documents([args.corpus]))
        times["read"].append(time.process_time() - t)

        stage = time_stages(nlp, codebook, model, docs_in, args.batch_size, score_apart=True)
        for name, sec in stage.items():
            times[name].append(sec)
    base = statistics.median(times["bare tokenizer"])
    print(f"{len(texts)} docs, {words:,} words; CPU seconds, median of {args.repeat}")
    total = 0.0
    for name, secs in times.items():
        sec = statistics.median(secs)
        if name != "bare tokenizer" and "counted again" not in name:
            total += sec
        cum = words / total if total else words / sec
        print(f"{name:50s} {sec:7.3f} s  {words / sec:12,.0f} words/s   cumulative {cum:10,.0f}")
    print(f"{'total (excl. bare)':50s} {total:7.3f} s  {words / total:12,.0f} words/s")
    print(f"ratio to bare tokenizer: {base / total:.3f}x")


if __name__ == "__main__":
    main()
