"""``testimonycoder report`` end to end: code real text files, then report on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from testimonycoder.cli.main import app

runner = CliRunner()


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text(
        "Ms. Pak from Hoeryong City\nI was 17 years old. The broker sold me to a farmer in "
        "Heilongjiang as a wife for 20,000 yuan. Later I was sold again.",
        encoding="utf-8",
    )
    (docs / "two.txt").write_text(
        "Ms. Lee from Hyesan\nA woman promised me a job in a restaurant in Yanji. She sold me to "
        "a brothel for ¥8,000. The madam threatened to sell me for ¥5000.",
        encoding="utf-8",
    )
    out = tmp_path / "coded.jsonl"
    result = runner.invoke(app, ["code", str(docs), "--out", str(out), "--rules-only"])
    assert result.exit_code == 0, result.output
    return out


def test_report_writes_html_and_tables(coded: Path, tmp_path: Path) -> None:
    out, tables = tmp_path / "report.html", tmp_path / "tables"
    result = runner.invoke(app, ["report", str(coded), "--out", str(out), "--tables", str(tables)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Corpus report" in html and "<svg" in html
    assert "20,000" in html and "8,000" in html
    assert (tables / "prices.csv").read_text(encoding="utf-8").count("CNY") == 2
    assert (out.stat().st_mode & 0o777) == 0o600


def test_report_redact(coded: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(coded), "--out", str(out), "--redact"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "[PLACE-" in html and "<q>Yanji</q>" not in html


def test_report_refuses_to_overwrite(coded: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")
    result = runner.invoke(app, ["report", str(coded), "--out", str(out)])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert out.read_text(encoding="utf-8") == "old"
    assert runner.invoke(app, ["report", str(coded), "--out", str(out), "--force"]).exit_code == 0


def test_report_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    result = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "bad.jsonl:1: not a JSON line" in result.output
    assert "Traceback" not in result.output
