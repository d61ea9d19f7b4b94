"""`testimonycoder code` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The broker sold me to a farmer as his wife.", encoding="utf-8")
    (folder / "b.txt").write_text("Nobody sold me. I sold fish at the market.", encoding="utf-8")
    return folder


def test_code_jsonl_contract(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["code", str(_corpus(tmp_path)), "--out", str(out), "--rules-only"])
    assert result.exit_code == 0, result.output
    assert "needs review" in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", "b"]
    assert "sale" in records[0]["codes"] and "forced_marriage" in records[0]["codes"]
    assert records[1]["codes"] == []
    assert [e["status"] for e in records[1]["evidence"]] == ["negated"]
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_code_csv_and_parquet(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        result = runner.invoke(app, ["code", str(folder), "--out", str(out), "--rules-only"])
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert list(frame["id"]) == ["a", "b"]
        assert frame.loc[0, "codes"] == "sale;forced_marriage"


def test_overwrite_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    folder = _corpus(tmp_path)
    result = runner.invoke(app, ["code", str(folder), "--out", str(out), "--rules-only"])
    assert result.exit_code == 1 and "--force" in result.output
    assert out.read_text() == "previous\n"
    result = runner.invoke(app, ["code", str(folder), "--out", str(out), "--rules-only", "--force"])
    assert result.exit_code == 0


def test_bad_input_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("{broken\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["code", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "d.jsonl:1" in result.output and "Traceback" not in result.output
    assert not out.exists()
