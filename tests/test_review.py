"""The review queue: a log-odds band around each threshold, learned from out-of-fold errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from testimonycoder.cli.main import app
from testimonycoder.document import Evidence
from testimonycoder.errors import InputError
from testimonycoder.hybrid import DocScores, choose_review_band, combine, review_keys
from testimonycoder.trainer import load_params

runner = CliRunner()


def test_review_key_is_the_least_log_odds_margin() -> None:
    t = np.array([0.5, 0.2])
    # p = t is no margin at all; 0.73 is one log-odds unit above 0.5
    probs = np.array([[0.5, 0.9], [0.7311, 0.01], [0.99, 0.01]])
    rules = np.array([[0, 1], [1, 0], [1, 0]])
    keys = review_keys(probs, t, rules)
    assert keys[0] == pytest.approx(0.0, abs=1e-6)
    assert keys[1] == pytest.approx(1.0, abs=1e-3)
    # margins far from both thresholds: ln(99) and ln(0.25 / 0.0101)
    assert keys[2] == pytest.approx(min(np.log(99), np.log(0.25 / (0.01 / 0.99))), abs=1e-6)


def test_a_disagreement_with_the_rules_halves_the_margin() -> None:
    t = np.array([0.5])
    probs = np.array([[0.2]])  # the model rejects the code
    alone = review_keys(probs, t, np.array([[0]]))
    against_rules = review_keys(probs, t, np.array([[1]]))
    assert against_rules[0] == pytest.approx(alone[0] / 2)


@given(
    st.lists(st.floats(0, 20), min_size=1, max_size=60),
    st.lists(st.booleans(), min_size=60, max_size=60),
    st.floats(0.05, 1.0),
)
def test_the_band_is_the_smallest_that_holds_the_share(
    keys: list[float], wrong: list[bool], recall: float
) -> None:
    k = np.array(keys)
    w = np.array(wrong[: len(keys)])
    band = choose_review_band(k, w, recall)
    if not w.any():
        assert band == 0.0
        return
    held = (k[w] <= band).mean()
    assert held >= recall - 1e-9
    smaller = k[w][k[w] < band]
    if smaller.size:  # the next smaller candidate band would hold less than the share
        assert (k[w] <= smaller.max()).mean() < recall


def _combine(nlp, p: float, evidence: list[Evidence], band: float) -> list[str]:  # type: ignore[no-untyped-def]
    doc = nlp("The broker sold me to a farmer in Jilin.")
    scored = DocScores(
        doc={"sale": p}, codes=["sale"], spans=[(0, len(doc.text))], passage_scores=np.array([[p]])
    )
    reasons = combine(doc, evidence, scored, ["sale"], {"sale": 0.5}, band, {"sale": 1.0}).reasons
    return reasons


def test_combine_flags_uncertain_codes_and_hearsay_only(nlp) -> None:  # type: ignore[no-untyped-def]
    sold = Evidence("sale", 11, 15, "sold", "rules", "asserted", "self", None, 1.0)
    heard = Evidence("sale", 11, 15, "sold", "rules", "hearsay", "self", None, 1.0)
    assert _combine(nlp, 0.95, [sold], band=1.0) == []  # confident, rules agree
    # within one log-odds unit of 0.5
    assert _combine(nlp, 0.6, [sold], band=1.0) == ["sale: close to the threshold"]
    # hearsay always goes to review
    assert _combine(nlp, 0.95, [sold, heard], band=1.0) == ["sale: hearsay"]
    # the model rejects what the rules assert: 0.2 is 1.39 log-odds units away, flagged at 1.0
    assert _combine(nlp, 0.2, [sold], band=1.0) == ["sale: rules and model disagree"]
    assert _combine(nlp, 0.2, [], band=1.0) == []  # the same score with no disagreement


def test_combine_gives_the_documents_review_key(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("The broker sold me to a farmer in Jilin.")
    codes = ["sale", "cybersex"]
    scored = DocScores(
        doc={"sale": 0.2, "cybersex": 0.01},
        codes=codes,
        spans=[(0, len(doc.text))],
        passage_scores=np.array([[0.2, 0.01]]),
    )
    sold = Evidence("sale", 11, 15, "sold", "rules", "asserted", "self", None, 1.0)
    thresholds = {"sale": 0.5, "cybersex": 0.5}
    margin = combine(doc, [sold], scored, codes, thresholds, 0.5, {"sale": 1.0}).margin
    expected = review_keys(np.array([[0.2, 0.01]]), np.array([0.5, 0.5]), np.array([[1, 0]]))
    assert margin == pytest.approx(expected[0])
    assert margin == pytest.approx(np.log(4) / 2)  # sale: the rules disagree, so halved


def test_training_learns_a_band_that_holds_the_share(root: Path) -> None:
    from testimonycoder.training import train
    from tests.test_model import _records

    result = train(_records(root, 60), folds=3, seed=1, params={"review_recall": 0.8})
    review = result.metrics["review"]
    assert review["recall_target"] == 0.8 and review["band"] == result.model.review_band_ > 0
    assert review["wrong"] > 0 and review["wrong_flagged"] >= 0.8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("review_recall: 1.5\n", "'review_recall' must be above 0 and at most 1"),
        ("C: high\n", "'C' must be a number"),
        ("window: 1.5\n", "'window' must be a whole number"),
        ("band: 0.15\n", "unknown key(s) band"),
        ("join_share: -1\n", "'join_share' must be 0 or more"),
        ("join_max: 1\n", "'join_max' must be a whole number of at least 2"),
    ],
)
def test_bad_training_config_values(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        load_params(path)


def test_the_shipped_training_config_holds_the_defaults(root: Path) -> None:
    from testimonycoder.model import TestimonyClassifier

    params = load_params(root / "configs/training.yaml")
    defaults = TestimonyClassifier().get_params()
    assert params == {k: defaults[k] for k in params}
    assert set(params) == set(defaults) - {"codes", "seed"}


def test_train_with_a_bad_config_is_a_one_line_error(tmp_path: Path, root: Path) -> None:
    lines = (root / "corpus/train.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    data = tmp_path / "gold.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("review_recall: 0\n", encoding="utf-8")
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--config", str(config)])
    assert result.exit_code == 1
    assert "'review_recall' must be above 0" in result.output and str(config) in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_model_holds_the_bands_of_other_shares(root: Path) -> None:
    from testimonycoder.errors import ModelError
    from testimonycoder.model_store import load_model

    model = load_model(root / "models/default")
    shares = [float(s) for s, _ in model.arrays["review_choices"]]
    assert shares == [0.5, 0.6, 0.7, 0.8, 0.9]
    smaller = model.with_review_recall(0.5)
    assert smaller.review_band < model.review_band == model.with_review_recall(0.7).review_band
    assert smaller.thresholds == model.thresholds  # only the queue changes, never the codes
    with pytest.raises(ModelError, match=r"no review band for --review-recall 0.55; it has"):
        model.with_review_recall(0.55)


def test_code_review_recall_sizes_the_queue(root: Path, tmp_path: Path) -> None:
    import json

    samples = str(root / "corpus/samples")
    runs = {}
    for share in ("0.5", "0.9"):
        out = tmp_path / f"coded-{share}.jsonl"
        result = runner.invoke(app, ["code", samples, "--out", str(out), "--review-recall", share])
        assert result.exit_code == 0, result.output
        runs[share] = [json.loads(line) for line in out.read_text().splitlines()]
    flagged = {share: sum(r["review"] for r in recs) for share, recs in runs.items()}
    assert flagged["0.5"] < flagged["0.9"]
    assert [r["codes"] for r in runs["0.5"]] == [r["codes"] for r in runs["0.9"]]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--review-recall", "0.55"], "no review band for --review-recall 0.55"),
        (["--review-recall", "0.5", "--rules-only"], "no model is in use"),
    ],
)
def test_code_review_recall_errors(
    root: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "coded.jsonl"
    result = runner.invoke(app, ["code", str(root / "corpus/samples"), "--out", str(out), *extra])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()
