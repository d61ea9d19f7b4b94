"""The annotated corpus: records valid against the codebook, splits clean, datasets loads it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testimonycoder.codebook import STATUSES, load_codebook

SPLITS = ("train", "validation", "test", "unseen")
GENRES = {"report_excerpt", "case_note", "transcript", "field_note"}


@pytest.fixture(scope="module")
def corpus(root: Path) -> dict[str, list[dict]]:
    return {
        s: [json.loads(line) for line in (root / f"corpus/{s}.jsonl").read_text().splitlines()]
        for s in SPLITS
    }


def test_records_are_valid(corpus) -> None:  # type: ignore[no-untyped-def]
    book = load_codebook()
    top, subs = set(book.top_level), set(book.subcodes)
    seen = set()
    for _split, docs in corpus.items():
        for d in docs:
            assert set(d) == {"id", "text", "codes", "subcodes", "spans", "genre", "source"}
            assert d["id"] not in seen, d["id"]
            seen.add(d["id"])
            assert d["genre"] in GENRES and d["source"].startswith("synthetic:")
            assert set(d["codes"]) <= top and set(d["subcodes"]) <= subs
            for span in d["spans"]:
                assert 0 <= span["start"] < span["end"] <= len(d["text"]), (d["id"], span)
                assert d["text"][span["start"] : span["end"]].strip(), (d["id"], span)
                assert span["code"] in top and span["status"] in STATUSES
                assert span["experiencer"] in {"self", "other", "general"}
            asserted = {s["code"] for s in d["spans"] if s["status"] == "asserted"}
            assert set(d["codes"]) == asserted, d["id"]
            assert all(s.split(".")[0] in d["codes"] for s in d["subcodes"]), d["id"]


def test_minimums(corpus) -> None:  # type: ignore[no-untyped-def]
    docs = [d for s in SPLITS for d in corpus[s]]
    assert len(docs) >= 600
    for code in load_codebook().top_level:
        assert sum(code in d["codes"] for d in docs) >= 80, code
    near_miss = [
        d
        for d in docs
        if any(s["status"] != "asserted" for s in d["spans"]) and len(d["codes"]) < 6
    ]
    assert len(near_miss) >= 200
    transcripts = [d for d in docs if d["genre"] == "transcript"]
    assert sum(400 <= len(d["text"].split()) <= 2000 for d in transcripts) >= 40
    assert sum(bool(re.search(r"\[[^\]]+\]", d["text"])) for d in docs) >= 50
    assert sum("(…)" in d["text"] or "(...)" in d["text"] for d in docs) >= 30


def _shingles(text: str, n: int = 5) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def test_no_near_duplicates_across_or_within_splits(corpus) -> None:  # type: ignore[no-untyped-def]
    """Word 5-gram Jaccard similarity must stay below 0.5 for every pair of documents."""
    docs = [(s, d["id"], _shingles(d["text"])) for s in SPLITS for d in corpus[s]]
    index: dict[str, list[int]] = {}
    for i, (_, _, sh) in enumerate(docs):
        for g in sh:
            index.setdefault(g, []).append(i)
    for i, (_split, doc_id, sh) in enumerate(docs):
        counts: dict[int, int] = {}
        for g in sh:
            for j in index[g]:
                if j > i:
                    counts[j] = counts.get(j, 0) + 1
        for j, inter in counts.items():
            jaccard = inter / len(sh | docs[j][2])
            assert jaccard < 0.5, (doc_id, docs[j][1], round(jaccard, 2))


def test_test_split_is_the_independent_author(corpus) -> None:  # type: ignore[no-untyped-def]
    assert {d["source"] for d in corpus["test"]} == {"synthetic:test_d"}
    assert "synthetic:test_d" not in {
        d["source"] for s in ("train", "validation") for d in corpus[s]
    }


def test_unseen_split_is_authors_kept_out_of_training(corpus) -> None:  # type: ignore[no-untyped-def]
    unseen = {d["source"] for d in corpus["unseen"]}
    assert unseen and all(s.startswith("synthetic:unseen_") for s in unseen)
    trained = {d["source"] for s in ("train", "validation", "test") for d in corpus[s]}
    assert not unseen & trained


def test_load_dataset_offline(root: Path) -> None:
    code = (
        "import os; os.environ['HF_DATASETS_OFFLINE']='1'; os.environ['HF_HUB_OFFLINE']='1';"
        "from datasets import load_dataset; d = load_dataset('corpus');"
        "import json; print(json.dumps({k: len(v) for k, v in d.items()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(counts) == set(SPLITS) and counts["test"] > 0


def test_datasheet_numbers_are_what_the_script_prints(root: Path) -> None:
    out = subprocess.run(
        [sys.executable, "scripts/corpus_stats.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    card = (root / "corpus/README.md").read_text(encoding="utf-8")
    block = card.split("<!-- stats -->")[1].split("<!-- /stats -->")[0]
    assert block.strip() == out.strip()


def test_joined_documents_carry_the_union_of_codes(root: Path, tmp_path: Path, corpus) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "joined.jsonl"
    args = ["--split", "test", "--k", "3", "--n", "5", "--out", str(out)]
    subprocess.run(
        [sys.executable, "scripts/join_documents.py", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )
    by_text = {d["text"]: d for d in corpus["test"]}
    joined = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(joined) == 5
    for doc in joined:
        parts = [by_text[t] for t in doc["text"].split("\n\n") if t in by_text]
        assert len(parts) == 3, doc["id"]
        assert doc["codes"] == sorted({c for p in parts for c in p["codes"]})
