"""`testimonycoder evaluate`: confidence intervals and per-group scores (rules only, so fast)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()
CODES = {"coercion", "abduction", "sale", "prostitution", "cybersex", "forced_marriage"}


def _gold(path: Path, with_interviewer: bool = True) -> Path:
    rows = [
        {
            "id": f"s{i}",
            "text": "The broker sold me for 8,000 yuan.",
            "codes": ["sale"],
            "interviewer": "kim",
        }
        for i in range(6)
    ] + [
        {
            "id": f"n{i}",
            "text": "I sold fish at the market in Yanji." if i % 2 else "A man sold me in Yanji.",
            "codes": [],
            "interviewer": "lee",
        }
        for i in range(6)
    ]
    if not with_interviewer:
        del rows[7]["interviewer"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_prints_and_writes_the_intervals(tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    result = runner.invoke(
        app,
        ["evaluate", str(_gold(tmp_path / "gold.jsonl")), "--rules-only", "--out", str(out)],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    assert "95% confidence intervals" in result.output
    intervals = json.loads(out.read_text(encoding="utf-8"))["hybrid"]["intervals"]
    assert intervals["method"] == "percentile bootstrap over documents"
    assert set(intervals["kappa"]) == CODES
    low, high = intervals["micro_f1"]
    assert 0.0 <= low <= high <= 1.0


def test_evaluate_by_scores_each_group(tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    gold = _gold(tmp_path / "gold.jsonl")
    result = runner.invoke(
        app,
        ["evaluate", str(gold), "--rules-only", "--by", "interviewer", "--out", str(out)],
        env={"COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    assert "by interviewer" in result.output
    by = json.loads(out.read_text(encoding="utf-8"))["by"]
    assert by["field"] == "interviewer"
    kim, lee = by["groups"]["kim"], by["groups"]["lee"]
    assert (kim["n_documents"], lee["n_documents"]) == (6, 6)
    # kim's six sales are all found; lee's three "sold me" documents are gold-negative sales
    assert kim["micro_f1"] == 1.0 and kim["intervals"]["micro_f1"] == [1.0, 1.0]
    assert lee["codes"]["sale"]["predicted"] == 3 and lee["codes"]["sale"]["support"] == 0


def test_evaluate_by_a_missing_field_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    gold = _gold(tmp_path / "gold.jsonl", with_interviewer=False)
    result = runner.invoke(
        app, ["evaluate", str(gold), "--rules-only", "--by", "interviewer", "--out", str(out)]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "document 'n1'" in lines[0] and "--by" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
