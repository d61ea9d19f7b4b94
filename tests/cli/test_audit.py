"""``testimonycoder audit`` -> ``--adjudicate`` -> ``audit resolve`` -> ``train``."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SUBSET = ROOT / "corpus" / "double_coded"
AGREEMENT_COLUMNS = [
    "code", "level", "n", "n_documents", "prevalence", "percent_agreement", "fleiss_kappa",
    "alpha", "alpha_low", "alpha_high", "reliability",
]  # fmt: skip
TEXTS = {
    "d1": "They sold me to a man in the village for money.",
    "d2": "A broker offered me work in a restaurant. It was a trick.",
    "d3": "I lived with my aunt and worked in her shop.",
    "d4": "Men grabbed me and pushed me into a car.",
}
runner = CliRunner()


def _has_command(name: str) -> bool:
    return any(c.name == name for c in app.registered_commands)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    texts = tmp_path / "texts.jsonl"
    texts.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()))
    anna = tmp_path / "anna.csv"
    ben = tmp_path / "ben.csv"
    pd.DataFrame(
        [
            {"doc_id": "d1", "code": "sale", "start": 5, "end": 12, "status": "asserted"},
            {"doc_id": "d2", "code": "coercion", "start": 10, "end": 40, "status": "asserted"},
            {"doc_id": "d3", "code": ""},
            {"doc_id": "d4", "code": "abduction", "start": 0, "end": 39, "status": "asserted"},
        ]
    ).to_csv(anna, index=False)
    pd.DataFrame(
        [
            {"doc_id": "d1", "code": "sale", "start": 5, "end": 20, "status": "asserted"},
            {"doc_id": "d2", "code": ""},
            {"doc_id": "d3", "code": "sale", "start": 0, "end": 10, "status": "asserted"},
            {"doc_id": "d4", "code": "abduction", "start": 0, "end": 39, "status": "asserted"},
        ]
    ).to_csv(ben, index=False)
    return {"texts": texts, "anna": anna, "ben": ben}


def _audit(files: dict[str, Path], out: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        [
            "audit", "--coder", f"anna={files['anna']}", "--coder", f"ben={files['ben']}",
            "--texts", str(files["texts"]), "--out", str(out), "--bootstrap", "200", *extra,
        ],
    )  # fmt: skip


def test_audit_writes_agreement_disagreements_and_report(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = _audit(files, out)
    assert result.exit_code == 0, result.output
    agreement = pd.read_csv(out / "agreement.csv")
    assert list(agreement.columns) == [*AGREEMENT_COLUMNS, "kappa_anna_ben"]
    doc = agreement[agreement["level"] == "document"].set_index("code")
    assert doc.loc["abduction", "percent_agreement"] == 1.0
    assert doc.loc["sale", "percent_agreement"] == 0.75
    assert set(agreement["level"]) == {"document", "segment"}
    dis = pd.read_csv(out / "disagreements.csv", keep_default_na=False)
    assert sorted(zip(dis["doc_id"], dis["code"], strict=True)) == [
        ("d2", "coercion"), ("d3", "sale")
    ]  # fmt: skip
    assert "offered me work" in dis.set_index("doc_id").loc["d2", "snippet"]
    html = (out / "report.html").read_text()
    assert "<svg" in html and "alpha-chart" in html and "<mark" in html
    assert "Agreement" in result.output and "2 disagreements" in result.output
    # Existing output is not overwritten without --force.
    again = _audit(files, out)
    assert again.exit_code == 1 and "--force" in again.output
    assert _audit(files, out, "--force").exit_code == 0


def test_audit_run_is_the_default_command(files: dict[str, Path], tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    both = [pd.read_csv(files[n]).assign(coder=n) for n in ("anna", "ben")]
    pd.concat(both).to_csv(long, index=False)
    result = runner.invoke(
        app,
        ["audit", "run", str(long), "--texts", str(files["texts"]), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "agreement.csv").exists()


def test_audit_to_gold_flow(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _audit(files, out, "--adjudicate", "--model", "default")
    assert result.exit_code == 0, result.output
    agreement = pd.read_csv(out / "agreement.csv")
    assert {"kappa_anna_model", "kappa_ben_model"} <= set(agreement.columns)
    dis = pd.read_csv(out / "disagreements.csv")
    assert dis["model_score"].notna().any()
    sheet = pd.read_csv(out / "adjudication.csv", keep_default_na=False)
    # Only the human coders' disagreements are to be decided.
    assert sorted(zip(sheet["doc_id"], sheet["code"], strict=True)) == [
        ("d2", "coercion"), ("d3", "sale")
    ]  # fmt: skip
    assert (sheet["decision"] == "").all()
    gold = tmp_path / "gold.jsonl"
    undecided = runner.invoke(
        app, ["audit", "resolve", str(out / "adjudication.csv"), "--out", str(gold)]
    )
    assert undecided.exit_code == 1 and "no decision" in undecided.output
    assert not gold.exists()
    partial = runner.invoke(
        app,
        ["audit", "resolve", str(out / "adjudication.csv"), "--out", str(gold), "--skip-undecided"],
    )
    assert partial.exit_code == 0 and "left out" in partial.output
    assert len(gold.read_text().splitlines()) == 2  # d2 and d3 are undecided
    sheet["decision"] = ["yes" if code == "coercion" else "no" for code in sheet["code"]]
    sheet.to_csv(out / "adjudication.csv", index=False)
    done = runner.invoke(
        app, ["audit", "resolve", str(out / "adjudication.csv"), "--out", str(gold), "--force"]
    )
    assert done.exit_code == 0, done.output
    records = {r["id"]: r for r in map(json.loads, gold.read_text().splitlines())}
    assert {k: r["codes"] for k, r in records.items()} == {
        "d1": ["sale"], "d2": ["coercion"], "d3": [], "d4": ["abduction"]
    }  # fmt: skip
    assert records["d1"]["spans"] == [{"start": 5, "end": 20, "code": "sale", "status": "asserted"}]
    assert records["d2"]["text"] == TEXTS["d2"]
    # (train on a real gold set: test_double_coded_subset_flow; four documents are too few)


def test_label_errors_use_out_of_fold_scores(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def out_of_fold_scores(texts, labels, *, codes, codebook_path=None, folds=5, seed=0):  # type: ignore[no-untyped-def]
        calls.append((len(texts), tuple(codes)))
        probs = np.where(labels == 1, 0.9, 0.1).astype(float)
        j = codes.index("sale")
        if labels[2, j] == 0:
            probs[2, j] = 0.95  # the model is sure d3 reports a sale: anna missed it
        return probs

    fake = types.ModuleType("testimonycoder.training")
    fake.out_of_fold_scores = out_of_fold_scores  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "testimonycoder.training", fake)
    out = tmp_path / "out"
    result = _audit(files, out, "--label-errors")
    assert result.exit_code == 0, result.output
    assert len(calls) == 2  # once per coder
    errors = pd.read_csv(out / "likely_label_errors.csv")
    assert list(errors.columns) == [
        "rank", "coder", "doc_id", "code", "given_label", "oof_probability", "label_quality"
    ]  # fmt: skip
    flagged = set(zip(errors["coder"], errors["doc_id"], errors["code"], strict=True))
    assert ("anna", "d3", "sale") in flagged and ("ben", "d3", "sale") not in flagged
    assert "Likely label errors" in (out / "report.html").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coder", "nonsense"], "NAME=PATH"),
        (["--coder", "a=/does/not/exist.csv"], "no such file"),
        (["--coder", "a=FILE.txt"], "unsupported annotation"),
    ],
)
def test_user_mistakes_are_one_line_errors(args: list[str], message: str, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    args = [a.replace("FILE.txt", str(bad)) for a in args]
    result = runner.invoke(app, ["audit", *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_model_needs_texts(files: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "audit",
            "--coder",
            f"anna={files['anna']}",
            "--model",
            "default",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1 and "--texts" in result.output


@pytest.mark.slow
def test_double_coded_subset_flow(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    result = runner.invoke(
        app,
        [
            "audit", str(SUBSET / "annotations.csv"), "--texts", str(SUBSET / "texts.jsonl"),
            "--out", str(out), "--adjudicate", "--bootstrap", "200",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    agreement = pd.read_csv(out / "agreement.csv")
    assert list(agreement.columns) == [*AGREEMENT_COLUMNS, "kappa_coder1_coder2"]
    assert agreement["n_documents"].max() == 150
    sheet = pd.read_csv(out / "adjudication.csv", keep_default_na=False)
    decided = pd.read_csv(SUBSET / "adjudication.csv", keep_default_na=False)
    assert len(sheet) == len(decided)
    sheet["decision"] = (
        decided.set_index(["doc_id", "code"])
        .loc[list(zip(sheet["doc_id"], sheet["code"], strict=True)), "decision"]
        .to_numpy()
    )
    sheet.to_csv(out / "adjudication.csv", index=False)
    gold = tmp_path / "gold.jsonl"
    done = runner.invoke(
        app, ["audit", "resolve", str(out / "adjudication.csv"), "--out", str(gold)]
    )
    assert done.exit_code == 0, done.output
    ours = [json.loads(line) for line in gold.read_text().splitlines()]
    shipped = [json.loads(line) for line in (SUBSET / "gold.jsonl").read_text().splitlines()]
    assert ours == shipped
    if not _has_command("train"):
        pytest.skip("the train command is not registered in this tree")
    trained = runner.invoke(app, ["train", str(gold), "--out", str(tmp_path / "model")])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "model" / "model.npz").exists()
