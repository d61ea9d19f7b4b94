"""Agreement statistics against reference implementations and hand-computed values."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from testimonycoder.audit import (
    adjudication_base,
    adjudication_sheet,
    agreement_table,
    document_labels,
    find_disagreements,
    fleiss_kappa,
    rank_label_errors,
    read_annotations,
    reliability_label,
    resolve,
)
from testimonycoder.audit.adjudication import BASE_NAME, base_bytes
from testimonycoder.audit.agreement import (
    alpha_from_coincidences,
    bootstrap_alpha_ci,
    coincidences,
    krippendorff_alpha,
    pair_matrix,
)
from testimonycoder.audit.annotations import character_labels, normalise_annotations
from testimonycoder.errors import InputError

# Two synthetic coders on ten documents with known agreement.
#   code x: A = 1111000000, B = 1110100000 -> 8/10 agree, equal marginals (0.4 / 0.4)
#   code y: A = 1100000000, B = 1111000000 -> 8/10 agree, marginals 0.2 / 0.4
X_A, X_B = "1111000000", "1110100000"
Y_A, Y_B = "1100000000", "1111000000"


def _long(coders: dict[str, dict[str, str]], n_docs: int = 10) -> pd.DataFrame:
    """Long format from ``{coder: {code: '0101...'}}``; docs without codes get an empty row."""
    rows = []
    for coder, codes in coders.items():
        for i in range(n_docs):
            mine = [code for code, bits in codes.items() if bits[i] == "1"]
            rows += [{"doc_id": f"d{i}", "coder": coder, "code": c} for c in mine]
            if not mine:
                rows.append({"doc_id": f"d{i}", "coder": coder, "code": ""})
    return pd.DataFrame(rows)


@pytest.fixture
def two_coders() -> pd.DataFrame:
    return _long({"A": {"x": X_A, "y": Y_A}, "B": {"x": X_B, "y": Y_B}})


def test_known_agreement_is_exact(two_coders: pd.DataFrame) -> None:
    table = agreement_table(two_coders, n_boot=200).set_index("code")
    x, y = table.loc["x"], table.loc["y"]
    assert list(table.columns[-1:]) == ["kappa_A_B"]
    assert x["n"] == y["n"] == 10
    assert x["percent_agreement"] == pytest.approx(0.8)
    assert y["percent_agreement"] == pytest.approx(0.8)
    assert x["prevalence"] == pytest.approx(0.4)
    assert y["prevalence"] == pytest.approx(0.3)
    # Cohen: x p_o=.8 p_e=.4*.4+.6*.6=.52 -> 7/12; y p_e=.2*.4+.8*.6=.56 -> 6/11
    assert x["kappa_A_B"] == pytest.approx(float(Fraction(7, 12)))
    assert y["kappa_A_B"] == pytest.approx(float(Fraction(6, 11)))
    # Fleiss (pooled marginals): x p=.4 P_e=.52 -> 7/12; y p=.3 P_e=.58 -> (.8-.58)/.42 = 11/21
    assert x["fleiss_kappa"] == pytest.approx(float(Fraction(7, 12)))
    assert y["fleiss_kappa"] == pytest.approx(float(Fraction(11, 21)))
    # Krippendorff: alpha = 1 - (n-1) o_01 / (n_0 n_1); x: 1 - 19*2/(12*8) = 29/48
    assert x["alpha"] == pytest.approx(float(Fraction(29, 48)))
    assert y["alpha"] == pytest.approx(float(Fraction(23, 42)))  # 1 - 19*2/(14*6)
    assert x["reliability"] == y["reliability"] == "unreliable"
    assert x["alpha_low"] <= x["alpha"] <= x["alpha_high"]


def test_missing_documents_are_not_absent(two_coders: pd.DataFrame) -> None:
    # d10 is coded by A only (missing for B); it must not change any statistic.
    extra = pd.DataFrame([{"doc_id": "d10", "coder": "A", "code": "x"}])
    with_missing = pd.concat([two_coders, extra], ignore_index=True)
    labels = document_labels(normalise_annotations(with_missing))
    assert np.isnan(labels.loc[("x", "d10"), "B"])
    assert labels.loc[("y", "d10"), "A"] == 0.0  # covered by A, y not applied: absent
    before = agreement_table(two_coders, n_boot=200)
    after = agreement_table(with_missing, n_boot=200)
    cols = ["n", "percent_agreement", "kappa_A_B", "fleiss_kappa", "alpha"]
    pd.testing.assert_frame_equal(before[cols], after[cols])
    # Were d10 treated as absent for B, x would gain a disagreement.
    absent = pd.concat(
        [with_missing, pd.DataFrame([{"doc_id": "d10", "coder": "B", "code": ""}])],
        ignore_index=True,
    )
    row = agreement_table(absent, n_boot=200).set_index("code").loc["x"]
    assert row["n"] == 11 and row["percent_agreement"] == pytest.approx(8 / 11)


def _random_long(seed: int, coders: int = 3, docs: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.random((docs, 2)) < 0.35
    rows = []
    for c in range(coders):
        for d in range(docs):
            if rng.random() < 0.15:
                continue  # this coder did not code this document: missing
            noisy = truth[d] ^ (rng.random(2) < 0.15)
            codes = [code for code, on in zip(("p", "q"), noisy, strict=True) if on]
            rows += [{"doc_id": f"d{d}", "coder": f"c{c}", "code": k} for k in codes or [""]]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_reference_implementations(seed: int) -> None:
    long = _random_long(seed)
    table = agreement_table(long, n_boot=100).set_index("code")
    labels = document_labels(normalise_annotations(long))
    for code in ("p", "q"):
        data = labels.loc[code]
        expected = krippendorff.alpha(
            data.to_numpy().T, level_of_measurement="nominal", value_domain=[0.0, 1.0]
        )
        assert table.loc[code, "alpha"] == pytest.approx(expected, abs=1e-12)
        for a, b in itertools.combinations(data.columns, 2):
            both = data[[a, b]].dropna()
            ref = cohen_kappa_score(both[a].astype(int), both[b].astype(int))
            assert table.loc[code, f"kappa_{a}_{b}"] == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 5])
def test_coincidence_alpha_equals_krippendorff(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = (rng.random((3, 200)) < 0.3).astype(float)
    data[rng.random((3, 200)) < 0.2] = np.nan
    groups = rng.integers(0, 20, size=200)
    total = coincidences(data, groups, 20).sum(axis=0)
    assert alpha_from_coincidences(total)[0] == pytest.approx(krippendorff_alpha(data), abs=1e-12)


def test_fleiss_kappa_matches_fleiss_1971_example() -> None:
    # The worked example of Fleiss (1971) as given on Wikipedia: kappa = 0.210.
    table = np.array(
        [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
    )  # fmt: skip
    assert fleiss_kappa(table) == pytest.approx(0.20993, abs=1e-5)
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[1, 1], [2, 1]]))


def test_bootstrap_interval_is_seeded_and_brackets_alpha() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random(80) < 0.4
    data = np.vstack([truth ^ (rng.random(80) < 0.1) for _ in range(2)]).astype(float)
    low, high = bootstrap_alpha_ci(data, n_boot=500, seed=7)
    assert (low, high) == bootstrap_alpha_ci(data, n_boot=500, seed=7)
    assert low < krippendorff_alpha(data) < high


@pytest.mark.parametrize(
    ("alpha", "label"),
    [(0.9, "reliable"), (0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"),
     (0.6669, "unreliable"), (-0.2, "unreliable"), (float("nan"), "undefined")],
)  # fmt: skip
def test_reliability_label(alpha: float, label: str) -> None:
    assert reliability_label(alpha) == label


def test_segment_level_character_overlap() -> None:
    text = "a" * 20
    long = pd.DataFrame(
        [
            {"doc_id": "d", "coder": "A", "code": "x", "start": 0, "end": 10},
            {"doc_id": "d", "coder": "B", "code": "x", "start": 5, "end": 15},
            {"doc_id": "e", "coder": "A", "code": ""},  # B did not code e: missing
        ]
    )
    data, groups = character_labels(normalise_annotations(long), "x", {"d": text, "e": "bbbb"})
    assert data.shape == (2, 24)
    assert np.isnan(data[1, 20:]).all() and (data[0, 20:] == 0).all()
    row = agreement_table(long, texts={"d": text, "e": "bbbb"}, n_boot=100)
    seg = row[row["level"] == "segment"].iloc[0]
    # chars 0-4 A only, 5-9 both, 10-14 B only, 15-19 neither -> 10/20 agree, kappa 0
    assert seg["n"] == 20 and seg["n_documents"] == 1
    assert seg["percent_agreement"] == pytest.approx(0.5)
    assert seg["kappa_A_B"] == pytest.approx(0.0)
    assert seg["alpha"] == pytest.approx(
        krippendorff.alpha(data, level_of_measurement="nominal", value_domain=[0.0, 1.0])
    )
    assert set(groups) == {0, 1}


def test_non_asserted_status_is_not_applied() -> None:
    long = pd.DataFrame(
        [
            {"doc_id": "d", "coder": "A", "code": "x", "start": 0, "end": 3, "status": "negated"},
            {"doc_id": "d", "coder": "B", "code": "x", "start": 0, "end": 3, "status": "asserted"},
        ]
    )
    labels = document_labels(normalise_annotations(long))
    assert labels.loc[("x", "d")].tolist() == [0.0, 1.0]


def test_bad_annotations_name_the_problem() -> None:
    with pytest.raises(InputError, match="missing column"):
        normalise_annotations(pd.DataFrame({"doc_id": ["d"], "code": ["x"]}))
    bad = pd.DataFrame([{"doc_id": "d", "coder": "A", "code": "x", "start": 5, "end": 2}])
    with pytest.raises(InputError, match="document 'd'"):
        normalise_annotations(bad)


def test_disagreements_ranked_by_split_then_model_confidence() -> None:
    long = _long(
        {"A": {"x": "1100", "y": "1000"}, "B": {"x": "0100", "y": "0000"},
         "C": {"x": "0000", "y": "1000"}, "D": {"x": "1100", "y": "0000"}},
        n_docs=4,
    )  # fmt: skip
    scores = pd.DataFrame(
        [{"doc_id": "d1", "code": "x", "score": 0.6}, {"doc_id": "d0", "code": "y", "score": 0.1}]
    )
    out = find_disagreements(long, scores=scores, texts={"d0": "some text"})
    # Two 2-vs-2 splits first: d0/y (model confidence .9) before d0/x (no score: last);
    # then the 3-vs-1 split d1/x.
    assert out[["doc_id", "code", "n_disagreeing"]].values.tolist() == [
        ["d0", "y", 2], ["d0", "x", 2], ["d1", "x", 1]
    ]  # fmt: skip
    assert out.loc[0, "model_confidence"] == pytest.approx(0.9)
    assert np.isnan(out.loc[1, "model_confidence"])
    assert out.loc[1, "coders_yes"] == "A;D" and out.loc[1, "coders_no"] == "B;C"
    assert out["rank"].tolist() == [1, 2, 3]
    assert out.loc[0, "snippet"] == "some text"


def test_pair_matrix_is_symmetric(two_coders: pd.DataFrame) -> None:
    table = agreement_table(two_coders, n_boot=100)
    matrix = pair_matrix(table, ["A", "B"])
    expected = (float(Fraction(7, 12)) + float(Fraction(6, 11))) / 2
    assert matrix.loc["A", "B"] == matrix.loc["B", "A"] == pytest.approx(expected)


def test_rank_label_errors_on_given_probabilities() -> None:
    labels = np.array([[1] * 10 + [0] * 10, [0] * 20]).T
    probs = np.where(labels == 1, 0.95, 0.05).astype(float)
    probs[3, 0] = 0.02  # labelled 1, the model is sure it is 0
    probs[12, 0] = 0.97  # labelled 0, the model is sure it is 1
    ids = [f"d{i}" for i in range(20)]
    out = rank_label_errors(labels, probs, doc_ids=ids, codes=["x", "y"], coder="A")
    assert out[["rank", "doc_id", "code", "given_label"]].values.tolist() == [
        [1, "d3", "x", 1], [2, "d12", "x", 0]
    ]  # fmt: skip
    assert out["oof_probability"].tolist() == pytest.approx([0.02, 0.97])
    assert out["label_quality"].tolist() == pytest.approx([0.02, 0.03])
    with pytest.raises(ValueError):
        rank_label_errors(labels, probs[:5], doc_ids=ids, codes=["x", "y"])


def test_adjudication_round_trip(tmp_path: Path, two_coders: pd.DataFrame) -> None:
    texts = {f"d{i}": f"text {i}" for i in range(10)}
    sheet = adjudication_sheet(find_disagreements(two_coders, texts=texts))
    assert len(sheet) == 4 and (sheet["decision"] == "").all()  # x: d3,d4; y: d2,d3
    base = adjudication_base(two_coders, texts, coders=["A", "B"])
    (tmp_path / BASE_NAME).write_bytes(base_bytes(base))
    path = tmp_path / "adjudication.csv"
    sheet.to_csv(path, index=False)
    with pytest.raises(InputError, match="4 row"):
        resolve(path)
    sheet.loc[0, "decision"] = "yes"
    sheet.to_csv(path, index=False)
    gold, undecided = resolve(path, skip_undecided=True)
    assert len(undecided) == 3
    assert {r["id"] for r in gold} == {f"d{i}" for i in range(10)} - set(undecided["doc_id"])
    sheet["decision"] = ["yes", "no", "NO", "Y"]
    sheet.to_csv(path, index=False)
    gold, undecided = resolve(path)
    by_id = {r["id"]: r["codes"] for r in gold}
    assert undecided.empty and len(gold) == 10
    decided = dict(
        zip(zip(sheet["doc_id"], sheet["code"], strict=True), sheet["decision"], strict=True)
    )
    for (doc, code), decision in decided.items():
        assert (code in by_id[doc]) == (decision.lower() in ("yes", "y"))
    assert by_id["d0"] == ["x", "y"] and by_id["d9"] == []
    sheet.loc[0, "decision"] = "maybe"
    sheet.to_csv(path, index=False)
    with pytest.raises(InputError, match="not yes/no"):
        resolve(path)


def test_read_corpus_and_per_coder_files(tmp_path: Path) -> None:
    corpus = tmp_path / "gold.jsonl"
    records = [
        {"id": "a", "text": "They sold me.", "codes": ["sale"], "subcodes": ["sale.broker"],
         "spans": [{"start": 5, "end": 12, "code": "sale", "status": "asserted"}]},
        {"id": "b", "text": "Nothing.", "codes": [], "spans": []},
    ]  # fmt: skip
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    table = tmp_path / "anna.csv"
    table.write_text("doc_id,code\na,sale\nb,\n")
    long, texts = read_annotations([corpus], coders={"anna": table})
    assert texts == {"a": "They sold me.", "b": "Nothing."}
    assert set(long["coder"]) == {"gold", "anna"}
    labels = document_labels(long)
    assert labels.loc[("sale", "b")].tolist() == [0.0, 0.0]
    assert labels.loc[("sale.broker", "a")].tolist() == [1.0, 0.0]
    assert labels.loc[("sale", "a")].tolist() == [1.0, 1.0]


def test_other_formats_go_through_load_annotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    def load_annotated(path, *, codebook, code_map=None):  # type: ignore[no-untyped-def]
        texts = {"a": "They sold me.", "b": "Nothing happened."}
        rows = [{"doc_id": "a", "coder": "ann", "code": "sale", "start": 5, "end": 9}]
        rows.append({"doc_id": "b", "coder": "bo", "code": "sale", "start": 0, "end": 4})
        return texts, pd.DataFrame(rows)

    fake = types.ModuleType("testimonycoder.io.annotations")
    fake.load_annotated = load_annotated  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "testimonycoder.io.annotations", fake)
    project = tmp_path / "p.qdpx"
    project.write_bytes(b"PK")
    long, texts = read_annotations([project])
    assert set(texts) == {"a", "b"}
    # every coder of the project read every document: no-code documents are absent, not missing
    labels = document_labels(long)
    assert labels.loc[("sale", "a")].tolist() == [1.0, 0.0]
    assert labels.loc[("sale", "b")].tolist() == [0.0, 1.0]
