"""End to end: code the bundled samples with the default setup and check the JSONL contract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.codebook import load_codebook
from testimonycoder.model_io import resolve_model

KEYS = {
    "id",
    "codes",
    "subcodes",
    "scores",
    "review",
    "review_reasons",
    "review_margin",
    "codebook",
    "evidence",
    "segments",
}
EVIDENCE_KEYS = {"code", "start", "end", "text", "source", "status", "experiencer"}


def test_code_samples_contract(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "coded.jsonl"
    result = CliRunner().invoke(app, ["code", str(root / "corpus/samples"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_codebook()
    model = resolve_model(None, book, use_model=True)
    assert model is not None
    band = model.review_band
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (root / "corpus/samples").glob("*.txt")}
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == len(texts) >= 10
    for rec in records:
        assert set(rec) >= KEYS
        assert rec["codebook"] == book.hash
        assert set(rec["codes"]) <= set(book.top_level)
        assert all(s.split(".")[0] in rec["codes"] for s in rec["subcodes"])
        assert set(rec["scores"]) == set(book.top_level)
        assert rec["review"] == bool(rec["review_reasons"])
        assert all(r.split(": ")[0] in book.top_level for r in rec["review_reasons"])
        assert all(0.0 <= v <= 1.0 for v in rec["scores"].values())
        # a code close to its threshold, or disputed by the rules, is within the model's band
        uncertain = [r for r in rec["review_reasons"] if not r.endswith(": hearsay")]
        assert rec["review_margin"] >= 0.0
        if uncertain:
            assert rec["review_margin"] <= band
        text = texts[rec["id"]]
        for ev in rec["evidence"]:
            assert set(ev) >= EVIDENCE_KEYS
            assert text[ev["start"] : ev["end"]] == ev["text"]
            assert ev["source"] in {"rules", "model"}
        for seg in rec["segments"]:
            assert 0 <= seg["start"] < seg["end"] <= len(text)
            assert set(seg["codes"]) <= set(rec["codes"]) | set(book.top_level)
    coded = {r["id"]: r["codes"] for r in records}
    assert coded["casenote_04"] == [] and coded["transcript_02"] == []
    assert sum(bool(c) for c in coded.values()) >= 10
