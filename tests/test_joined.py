"""Joined documents: long training documents built from feature rows, and the length-aware
calibrators trained on them."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from testimonycoder import joined
from testimonycoder.features import FeatureConfig, Featurizer
from testimonycoder.model_store import MANIFEST, MODEL_FILE, load_model, save_model
from testimonycoder.scorer import calibrate, raw_scores
from testimonycoder.training import TrainingRecord, train


def _texts(root: Path, n: int) -> list[dict]:
    lines = (root / "corpus/validation.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n]]


def test_joined_rows_are_the_rows_of_the_joined_texts(root: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    """A joined document's row, length and rule decisions are those of its texts joined by
    blank lines and run through the pipeline (no text needs reading again)."""
    recs = _texts(root, 12)
    featurizer = Featurizer(FeatureConfig())
    batch = featurizer.transform([nlp(r["text"]) for r in recs])
    members = [np.array([0, 3]), np.array([1, 2, 5, 7, 11]), np.array([4, 6, 8, 9, 10])]
    rows = joined.documents(joined.sentence_sums(batch), members).toarray()
    whole = featurizer.transform([nlp("\n\n".join(recs[i]["text"] for i in m)) for m in members])
    assert np.allclose(rows, whole.documents.toarray(), atol=1e-6)
    raw, _ = raw_scores(
        whole,
        (np.zeros((1, featurizer.n_features), np.float32), np.zeros(1)),
        (np.zeros((1, featurizer.n_features), np.float32), np.zeros(1)),
    )
    assert np.array_equal(np.log1p(joined.lengths(batch, members)), raw[:, 0, 2])


def test_draw_is_seeded_and_joins_one_document_with_code_less_ones() -> None:
    """Each joined document has the codes of one member: the others have none (joining coded
    documents at random taught the calibrators that long documents hold most codes)."""
    rng = np.random.default_rng(0)
    Y = (rng.random((40, 6)) < 0.3).astype(int)
    Y[::3] = 0  # some documents without a code
    index = np.arange(10, 40)
    a = joined.draw(index, Y, 0.5, 8, np.random.default_rng(3))
    b = joined.draw(index, Y, 0.5, 8, np.random.default_rng(3))
    assert len(a) == 15
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    for m in a:
        assert 2 <= len(m) <= 8 and len(set(m.tolist())) == len(m) and set(m) <= set(index)
        assert sum(bool(Y[i].any()) for i in m) <= 1
    assert joined.draw(index, Y, 0.0, 8, np.random.default_rng(0)) == []
    assert joined.draw(np.arange(1), Y, 0.5, 8, np.random.default_rng(0)) == []
    coded = np.flatnonzero(Y.any(axis=1))
    assert joined.draw(coded, Y, 0.5, 8, np.random.default_rng(0)) == []  # nothing to join with


def test_union_is_the_largest_member_value() -> None:
    Y = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert joined.union(Y, [np.array([0, 1]), np.array([2])]).tolist() == [[1, 0, 1], [0, 0, 0]]
    assert joined.union(Y, []).shape == (0, 3)


def _records(root: Path, n: int) -> list[TrainingRecord]:
    return [
        TrainingRecord(r["id"], r["text"], r["codes"])
        for r in (
            json.loads(line) for line in (root / "corpus/train.jsonl").read_text().splitlines()[:n]
        )
    ]


def test_training_reports_joined_documents_and_can_leave_them_out(root: Path) -> None:
    with_joins = train(_records(root, 60), folds=3, seed=0)
    assert with_joins.model.calibrators_.shape == (6, 6)
    # about half as many joined documents as documents, scored out of fold
    assert with_joins.metrics["joined"]["n_documents"] == 30
    without = train(_records(root, 60), folds=3, seed=0, params={"join_share": 0})
    assert "joined" not in without.metrics
    # the passage models never see the joined documents
    assert np.array_equal(without.model.passage_coef_, with_joins.model.passage_coef_)
    assert not np.array_equal(without.model.doc_coef_, with_joins.model.doc_coef_)


def test_format_3_model_converts_to_the_same_scores(tmp_path: Path, root: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    """A format-3 calibrator ``[w_passage, w_doc, bias]`` becomes a format-4 one with zero
    length weights: the converted model gives the same probabilities."""
    model = train(_records(root, 40), folds=2, seed=0).model
    model.calibrators_[:, 2:5] = 0.0  # what a format-3 calibrator can express
    new_dir = tmp_path / "new"
    save_model(model, new_dir, metadata={"name": "t"})
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    with np.load(new_dir / MODEL_FILE) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["calibrators"] = arrays["calibrators"][:, [0, 1, 5]]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (old_dir / MODEL_FILE).write_bytes(buffer.getvalue())
    manifest = json.loads((new_dir / MANIFEST).read_text())
    manifest.update(format=3, sha256=hashlib.sha256(buffer.getvalue()).hexdigest())
    manifest["size"] = len(buffer.getvalue())
    for key in ("join_share", "join_max"):
        del manifest["params"][key]
    (old_dir / MANIFEST).write_text(json.dumps(manifest))
    script = root / "scripts/convert_skops_model.py"
    converted = tmp_path / "converted"
    subprocess.run([sys.executable, str(script), str(old_dir), str(converted)], check=True)
    loaded = load_model(converted)
    docs = [nlp("The broker sold me to a farmer for 5000 yuan."), nlp("I sold fish.")]
    assert np.allclose(loaded.predict_proba(docs), model.predict_proba(docs))
    assert loaded.params["join_share"] == 0


@pytest.mark.parametrize("n_sentences", [1, 40])
def test_calibrate_uses_the_length_terms(n_sentences: int) -> None:
    length = np.log1p(n_sentences)
    raw = np.array([[[0.9, 0.1, length]]])
    weights = np.array([[1.0, 2.0, 0.5, 0.25, -1.0, -0.3]])
    z = 0.9 + 2 * 0.1 + 0.5 * length + 0.25 * 0.9 * length - 0.1 * length - 0.3
    assert calibrate(weights, raw)[0, 0] == pytest.approx(1 / (1 + np.exp(-z)))


def test_training_without_code_less_documents_warns(root: Path) -> None:
    records = [r for r in _records(root, 120) if r.codes][:40]
    warnings: list[str] = []
    result = train(records, folds=2, seed=0, warn=warnings.append)
    assert "joined" not in result.metrics
    assert any("no document without a code" in w for w in warnings)
    assert not any(
        "no document without a code" in w for w in train(_records(root, 40), folds=2).warnings
    )
