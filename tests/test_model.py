"""The trained classifier: determinism, small data, safe files, codebook binding, privacy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import KFold

from testimonycoder import joined
from testimonycoder.codebook import load_codebook
from testimonycoder.errors import ModelError
from testimonycoder.model import TestimonyClassifier, fit_batches
from testimonycoder.model_store import FORMAT_VERSION, MODEL_FILE, load_model, save_model
from testimonycoder.training import TrainingRecord, _fit_data, _subset, train

RARE = "Zyxwvutsrqpon"  # a made-up surname that appears in one training document only


def _records(root: Path, n: int) -> list[TrainingRecord]:
    lines = (root / "corpus/train.jsonl").read_text().splitlines()[:n]
    out = []
    for i, line in enumerate(lines):
        r = json.loads(line)
        text = r["text"] + (f" Ms. {RARE} from Qwertyuiop County." if i == 0 else "")
        spans = [(s["start"], s["end"], s["code"]) for s in r["spans"] if s["status"] == "asserted"]
        out.append(TrainingRecord(r["id"], text, r["codes"], spans))
    return out


@pytest.fixture(scope="module")
def small(root: Path):  # type: ignore[no-untyped-def]
    return train(_records(root, 60), folds=3, seed=1)


def test_training_is_deterministic(root: Path, small) -> None:  # type: ignore[no-untyped-def]
    again = train(_records(root, 60), folds=3, seed=1)
    assert again.metrics == small.metrics
    assert np.array_equal(again.model.passage_coef_, small.model.passage_coef_)
    assert np.array_equal(again.model.thresholds_, small.model.thresholds_)


def test_small_data_trains_and_warns(root: Path) -> None:
    records = _records(root, 30)
    warnings: list[str] = []
    result = train(records, folds=3, warn=warnings.append)
    assert result.model.codes_ == load_codebook().top_level
    counts = {c: sum(c in r.codes for r in records) for c in result.model.codes_}
    for code, count in counts.items():
        assert (count < 5) == any(f"'{code}'" in w for w in warnings)


def test_save_load_roundtrip(tmp_path: Path, nlp, small) -> None:  # type: ignore[no-untyped-def]
    save_model(small.model, tmp_path, metadata={"codebook": load_codebook().hash, "name": "t"})
    loaded = load_model(tmp_path)
    docs = [nlp("The broker sold me to a farmer."), nlp("I sold fish.")]
    assert np.array_equal(loaded.predict_proba(docs), small.model.predict_proba(docs))
    assert loaded.thresholds == small.model.thresholds
    assert loaded.rule_floors == small.model.rule_floors
    assert loaded.review_band == small.model.review_band > 0
    assert loaded.codebook_hash == load_codebook().hash


def test_no_rare_strings_in_model_file(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    save_model(small.model, tmp_path, metadata={"codebook": "x"})
    import zipfile

    with zipfile.ZipFile(tmp_path / MODEL_FILE) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    blob += (tmp_path / "manifest.json").read_bytes()
    for word in (RARE, "Qwertyuiop", RARE.lower()):
        assert word.encode() not in blob


def test_tampered_and_truncated_files_are_refused(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    save_model(small.model, tmp_path, metadata={"codebook": "x"})
    data = (tmp_path / MODEL_FILE).read_bytes()
    (tmp_path / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated or was altered"):
        load_model(tmp_path)
    (tmp_path / MODEL_FILE).write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="truncated or was altered"):
        load_model(tmp_path)


def _write_with_manifest(folder: Path, payload: bytes, **extra: object) -> None:
    import hashlib

    (folder / MODEL_FILE).write_bytes(payload)
    manifest = {
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
        "format": FORMAT_VERSION,
    }
    (folder / "manifest.json").write_text(json.dumps({**manifest, **extra}))


class _Touch:
    """Unpickling this would create ``path``: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.path,))


def test_pickle_payload_is_refused_even_with_matching_hash(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    """An object array (a pickle inside the .npz) is refused and never unpickled."""
    import io

    sentinel = tmp_path / "pwned"
    save_model(small.model, tmp_path, metadata={"codebook": "x"})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    with np.load(tmp_path / MODEL_FILE) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["passage_coef"] = np.array([_Touch(sentinel)], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _write_with_manifest(
        tmp_path, buffer.getvalue(), codes=manifest["codes"], params=manifest["params"]
    )
    with pytest.raises(ModelError, match="not plain numbers"):
        load_model(tmp_path)
    assert not sentinel.exists()


def test_wrong_array_types_and_shapes_are_refused(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    import io

    save_model(small.model, tmp_path, metadata={"codebook": "x"})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    with np.load(tmp_path / MODEL_FILE) as npz:
        arrays = {name: npz[name] for name in npz.files}
    extra = {"codes": manifest["codes"], "params": manifest["params"]}
    for name, bad, message in [
        ("thresholds", np.array(["0.5"]), "refusing to load it"),
        ("doc_coef", arrays["doc_coef"][:, :10], "inconsistent model"),
    ]:
        buffer = io.BytesIO()
        np.savez(buffer, **{**arrays, name: bad})
        _write_with_manifest(tmp_path, buffer.getvalue(), **extra)
        with pytest.raises(ModelError, match=message):
            load_model(tmp_path)


def test_older_format_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / "model.skops").write_bytes(b"PK old")
    (tmp_path / "manifest.json").write_text(json.dumps({"sha256": "0", "format": 1}))
    with pytest.raises(ModelError, match=r"older format.*retrain"):
        load_model(tmp_path)


def test_loading_does_not_import_scikit_learn(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    """Coding with a saved model needs numpy/scipy only (scikit-learn is slow to import)."""
    import subprocess
    import sys

    save_model(small.model, tmp_path, metadata={"codebook": load_codebook().hash})
    code = (
        "import sys; from pathlib import Path\n"
        "from testimonycoder.model_io import resolve_model\n"
        "from testimonycoder.pipeline import build_nlp, pipeline_codebook\n"
        "from testimonycoder.coding import code_documents\n"
        "from testimonycoder.document import Document\n"
        "nlp = build_nlp()\n"
        f"model = resolve_model(Path({str(tmp_path)!r}), pipeline_codebook(nlp))\n"
        "list(code_documents([Document('a', 'He sold me for 3000 yuan.')], nlp=nlp, model=model))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_other_codebook_is_refused(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    save_model(small.model, tmp_path, metadata={"codebook": "0000000000000000"})
    model = load_model(tmp_path)
    with pytest.raises(ModelError, match="retrain the model"):
        model.check_codebook(load_codebook())


def test_missing_manifest(tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    save_model(small.model, tmp_path, metadata={"codebook": "x"})
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(ModelError, match=r"manifest\.json"):
        load_model(tmp_path)


def test_estimator_contract(nlp) -> None:  # type: ignore[no-untyped-def]
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    est = TestimonyClassifier(["sale"], C=2.0)
    assert clone(est).get_params()["C"] == 2.0
    with pytest.raises(NotFittedError):
        est.predict([nlp("text")])
    docs = [
        nlp("The broker sold me."),
        nlp("I sold fish."),
        nlp("They sold her."),
        nlp("We ate rice."),
    ]
    fitted = est.fit(docs, np.array([[1], [0], [1], [0]]))
    assert fitted is est and est.predict(docs).shape == (4, 1)


def test_default_model_ships(root: Path) -> None:
    folder = root / "models/default"
    if not (folder / MODEL_FILE).exists():
        pytest.skip("default model not built yet")
    model = load_model(folder)
    model.check_codebook(load_codebook())
    assert (folder / MODEL_FILE).stat().st_size < 20 * 1024 * 1024
    shutil.copytree(folder, folder.parent / "_tmp_copy_check", dirs_exist_ok=True)
    shutil.rmtree(folder.parent / "_tmp_copy_check")


def test_model_only_code_points_at_its_passage(root: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    """Implicit evidence: the rules find nothing, the model's evidence is the driving sentence."""
    folder = root / "models/default"
    if not (folder / MODEL_FILE).exists():
        pytest.skip("default model not built yet")
    from testimonycoder.coding import code_documents
    from testimonycoder.document import Document

    model = load_model(folder)
    text = (
        "We lived in the mountains. After that I cooked and worked in his fields for six years, "
        "and I had two children in that house."
    )
    [coding] = code_documents([Document("x", text)], nlp=nlp, model=model)
    model_evidence = [e for e in coding.evidence if e.source == "model"]
    for ev in model_evidence:
        assert ev.code in coding.codes
        assert text[ev.start : ev.end] == ev.text and ev.score is not None
    assert "forced_marriage" in coding.codes
    assert [e.code for e in model_evidence] == ["forced_marriage"]
    assert "his fields" in model_evidence[0].text


def test_threshold_falls_in_the_gap_between_the_classes() -> None:
    """The smoothed choice (F1 averaged over neighbouring thresholds) still separates two
    classes whose scores leave a gap, even with one stray document on each side."""
    from testimonycoder.training import _best_threshold

    rng = np.random.default_rng(0)
    pos = rng.uniform(0.55, 0.95, 40)
    neg = rng.uniform(0.05, 0.40, 60)
    probs = np.concatenate([pos, neg, [0.30], [0.65]])
    y = np.concatenate([np.ones(40), np.zeros(60), [1], [0]]).astype(int)
    threshold, floor = _best_threshold(probs, np.zeros_like(y), y)
    assert 0.40 < threshold <= 0.55
    assert floor in (0.0, 0.25, 0.5, 0.75, 1.0)


def test_fits_in_one_queue_equal_fits_one_by_one(root: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    records = _records(root, 40)
    Y = np.array([[int(c in r.codes) for c in load_codebook().top_level] for r in records])
    spans = [r.spans for r in records]
    batch = TestimonyClassifier()._featurizer().transform([nlp(r.text) for r in records])
    parts = [np.arange(0, 25), np.arange(15, 40)]
    alone = []
    for idx in parts:
        m = TestimonyClassifier(load_codebook().top_level, seed=2)
        alone.append(m.fit_batch(_subset(batch, idx), Y[idx], [spans[i] for i in idx]))
    queued = [TestimonyClassifier(load_codebook().top_level, seed=2) for _ in parts]
    fit_batches(queued, [(_subset(batch, i), Y[i], [spans[j] for j in i]) for i in parts])
    for a, q in zip(alone, queued, strict=True):
        assert np.array_equal(a.passage_coef_, q.passage_coef_)
        assert np.array_equal(a.doc_intercept_, q.doc_intercept_)


def test_final_model_is_the_average_of_the_fold_models(root: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    records = _records(root, 40)
    codes = load_codebook().top_level
    averaged = train(records, folds=3, seed=4).model
    refitted = train(records, folds=3, seed=4, final="refit").model
    Y = np.array([[int(c in r.codes) for c in codes] for r in records])
    batch = TestimonyClassifier()._featurizer().transform([nlp(r.text) for r in records])
    folds = []
    # the fold models as train() fits them: each with joined documents of its training part
    rng = np.random.default_rng(4)
    splits = list(KFold(3, shuffle=True, random_state=4).split(records))
    joins = [
        (joined.draw(tr, Y, 0.5, 8, rng), joined.draw(te, Y, 0.5, 8, rng)) for tr, te in splits
    ]
    sums = joined.sentence_sums(batch)
    for (tr, _), (fit_joins, _) in zip(splits, joins, strict=True):
        m = TestimonyClassifier(codes, seed=4)
        folds.append(
            m.fit_batch(*_fit_data(batch, Y, [r.spans for r in records], tr, sums, fit_joins))
        )
    mean = np.mean([f.passage_coef_ for f in folds], axis=0)
    assert np.allclose(averaged.passage_coef_, mean, atol=1e-6)
    assert np.allclose(averaged.doc_intercept_, np.mean([f.doc_intercept_ for f in folds], 0))
    assert not np.allclose(refitted.passage_coef_, mean, atol=1e-6)
    assert np.array_equal(averaged.thresholds_, refitted.thresholds_)
    with pytest.raises(ValueError, match="final"):
        train(records, folds=3, final="best")


@pytest.mark.parametrize("primal", [True, False])
def test_both_liblinear_solvers_land_near_the_optimum(primal: bool) -> None:
    """The passage (primal) and document (dual) fits stop early for speed; their probabilities
    must stay close to those of the exact solution of the same problem."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from testimonycoder.model import _fit_column

    rng = np.random.default_rng(0)
    X = sp.random(3000, 2000, density=0.01, format="csr", random_state=1)
    X.data = np.log1p(rng.integers(1, 4, X.nnz)).astype(np.float64)
    y = (X @ rng.normal(size=2000) + rng.normal(scale=0.5, size=3000) > 0.3).astype(int)
    w, b = _fit_column(X, y, 8.0, 0, primal)
    exact = LogisticRegression(
        C=8.0, class_weight="balanced", solver="liblinear", tol=1e-8, max_iter=10000
    ).fit(X, y)
    got = X @ w + b
    want = X @ exact.coef_[0] + exact.intercept_[0]
    # measured: 0.005 (primal) and 0.010 (dual) at most; a tolerance ten times looser fails
    assert np.abs(1 / (1 + np.exp(-got)) - 1 / (1 + np.exp(-want))).max() < 0.03
    assert ((got > 0) == (want > 0)).mean() > 0.995
